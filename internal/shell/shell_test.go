package shell

import "testing"

func TestWord(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain stays bare":              {"t-042", "t-042"},
		"a space":                       {"acme corp", "'acme corp'"},
		"a quote":                       {"o'brien", `'o'\''brien'`},
		"a dollar":                      {"t-$HOME", "'t-$HOME'"},
		"empty":                         {"", "''"},
		"a placeholder stays bare":      {"<tenant-id>", "<tenant-id>"},
		"a placeholder inside a path":   {"tenants/<tenant-id>/cmek", "tenants/<tenant-id>/cmek"},
		"quoted around a placeholder":   {"a b/<tenant-id>/c d", "'a b/'<tenant-id>'/c d'"},
		"a flag with a placeholder":     {"--token=<token>", "--token=<token>"},
		"a flag whose value has spaces": {"--kubeconfig=/tmp/a b", "'--kubeconfig=/tmp/a b'"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Word(tc.in); got != tc.want {
				t.Errorf("Word(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestInvocations(t *testing.T) {
	cases := map[string]struct{ got, want string }{
		"kubectl, no flags":  {Kubectl(nil), "kubectl"},
		"kubectl, flags":     {Kubectl([]string{"--context=my ctx", "--as=ops"}), "kubectl '--context=my ctx' --as=ops"},
		"vault, no env":      {Vault(nil), "vault"},
		"vault, an address":  {Vault([]string{"VAULT_ADDR=http://127.0.0.1:8200"}), "VAULT_ADDR=http://127.0.0.1:8200 vault"},
		"vault, quoted":      {Vault([]string{"VAULT_AGENT_ADDR=", "VAULT_CACERT=/tmp/a b.pem"}), "VAULT_AGENT_ADDR='' VAULT_CACERT='/tmp/a b.pem' vault"},
		"pair, plain":        {Pair("TENANT_ID", "t-042"), "TENANT_ID=t-042"},
		"pair, quoted value": {Pair("TENANT_ID", "acme corp"), "TENANT_ID='acme corp'"},
		"pair, empty value":  {Pair("ROTATION_REASON", ""), "ROTATION_REASON="},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("%s, want %s", tc.got, tc.want)
			}
		})
	}
}
