package vault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// invalidToken tells whether a failed lookup-self means the operator's own
// token is no good, and says so with what to do. Vault answers 403
// "permission denied" both for a token without rights and for an expired,
// revoked or mistyped one; but every valid token may look itself up (the
// default policy grants it), so a 403 there is the token itself.
func (c *collector) invalidToken(err error) (string, bool) {
	var re *vault.ResponseError
	if !errors.As(err, &re) || (re.StatusCode != http.StatusForbidden && re.StatusCode != http.StatusUnauthorized) {
		return "", false
	}
	from := "your Vault token"
	if src := c.clients.VaultTokenSource; src != "" && src != "none" {
		from += " (from " + src + ")"
	}
	said := "permission denied"
	if len(re.Errors) > 0 {
		said = strings.Join(re.Errors, "; ")
	}
	todo := "run `vault login` (or set VAULT_TOKEN to a valid token)"
	switch c.clients.VaultTokenSource {
	case "VAULT_TOKEN": // it wins over ~/.vault-token, which vault login writes
		todo = "set VAULT_TOKEN to a valid token, or unset it and run `vault login`"
	case "~/.vault-token":
		todo = "run `vault login` (it rewrites ~/.vault-token)"
	}
	return fmt.Sprintf("%s is invalid, expired or revoked: Vault at %s refused to let it look itself up (auth/token/lookup-self: %d %s), which any valid token may do unless it was made without the default policy: %s",
		from, c.clients.Vault.Address(), re.StatusCode, said, todo), true
}

// tokenInvalidStatus is the Vault source's status when the operator's token
// was refused: nothing past sys/health can be read with it, and the parts
// say "not read" rather than "forbidden".
func tokenInvalidStatus(d *collectors.VaultData, st collectors.Status, msg string) collectors.Status {
	d.OperatorTokenInvalid = true
	d.OrchestratorTokenNote = "not looked up: the operator's Vault token is invalid"
	notRead := "not read: the operator's Vault token is invalid (see token)"
	st.State, st.Error = collectors.StateError, msg
	st.Problems = []collectors.Problem{
		{Part: "kubernetes auth role", Error: notRead},
		{Part: "policy", Error: notRead},
		{Part: "tenants", Error: notRead},
		{Part: "token", Error: msg},
	}
	return st
}
