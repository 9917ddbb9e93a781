package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// mustRead returns the contents of a file, failing the test if it cannot.
func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// checkErrLines fails unless err has exactly len(want) lines and line i
// starts with want[i].
func checkErrLines(tb testing.TB, err error, want []string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want:\n%s", strings.Join(want, "\n"))
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		tb.Fatalf("got %d problems, want %d:\ngot:\n%s\nwant:\n%s", len(got), len(want), err, strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			tb.Errorf("problem %d:\ngot  %s\nwant %s...", i, got[i], want[i])
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string // used when file is ""
		file    string // a file under testdata
		want    func(c *Config)
		wantErr []string // one prefix per problem line
	}{
		{name: "empty file", yaml: ""},
		{name: "comments only", yaml: "# nothing here\n"},
		{name: "document marker only", yaml: "---\n"},
		{name: "empty groups keep defaults", yaml: "kubernetes:\nvault: {}\nrefresh: ~\n"},
		{
			name: "override kubernetes",
			yaml: "kubernetes:\n  cleanupCronJob: purge-versions\n  tenantEnv: TENANT\n  logLimitBytes: 1024\n",
			want: func(c *Config) {
				c.Kubernetes.CleanupCronJob = "purge-versions"
				c.Kubernetes.TenantEnv = "TENANT"
				c.Kubernetes.LogLimitBytes = 1024
			},
		},
		{
			name: "override vault",
			yaml: "vault:\n  policy: rotate\n  kubernetesAuthMount: k8s/prod\n  scanConcurrency: 256\n",
			want: func(c *Config) {
				c.Vault.Policy = "rotate"
				c.Vault.KubernetesAuthMount = "k8s/prod"
				c.Vault.ScanConcurrency = 256
			},
		},
		{
			name: "override prometheus url",
			yaml: "prometheus:\n  url: https://prom.example.com/prometheus\n  requestTimeout: 2s\n",
			want: func(c *Config) {
				c.Prometheus.URL = "https://prom.example.com/prometheus"
				c.Prometheus.RequestTimeout = Duration(2 * time.Second)
			},
		},
		{
			name: "override thresholds",
			yaml: "thresholds:\n  tokenExpiryWarning: 2h\n  tokenExpiryCritical: 90m\n",
			want: func(c *Config) {
				c.Thresholds.TokenExpiryWarning = Duration(2 * time.Hour)
				c.Thresholds.TokenExpiryCritical = Duration(90 * time.Minute)
			},
		},
		{
			name: "override refresh",
			yaml: "refresh: 1s\n",
			want: func(c *Config) { c.Refresh = Duration(time.Second) },
		},
		{
			name: "override every group",
			file: "override.yaml",
			want: func(c *Config) {
				c.Kubernetes.RotationCronJob = "key-rotation"
				c.Kubernetes.SecurityLabel = "tier=security,app in (rotator)"
				c.Kubernetes.VaultServiceAccount = "vault-auth"
				c.Kubernetes.LogTailLines = 500
				c.Vault.KVMount = "kv/prod"
				c.Vault.TenantPathTemplate = "customers/{tenant}/keys/cmek"
				c.Vault.RetentionVersions = 10
				c.Vault.RequestTimeout = Duration(30 * time.Second)
				c.Prometheus.Service = "monitoring/prometheus-k8s:web"
				c.Prometheus.Metrics.Rotations = "rotations_total"
				c.Prometheus.Alerts.AuditLogMissing = "AuditTrailMissing"
				c.Thresholds.TokenExpiryWarning = Duration(12 * time.Hour)
				c.Thresholds.TokenExpiryCritical = Duration(30 * time.Minute)
				c.Thresholds.OverdueDays = 0
				c.Thresholds.RotationInterval = Duration(720 * time.Hour)
				c.Refresh = Duration(90 * time.Second)
			},
		},
		{
			name:    "unknown top-level key",
			yaml:    "refresh: 15s\nvaults:\n  kvMount: secret\n",
			wantErr: []string{`config.yaml:2: vaults: unknown key (did you mean "vault"?); known keys in the document: kubernetes, vault, prometheus, thresholds, refresh`},
		},
		{
			name:    "unknown nested key",
			yaml:    "vault:\n  kvMount: secret\n  KVMount: other\n",
			wantErr: []string{`config.yaml:3: vault.KVMount: unknown key (did you mean "kvMount"?); known keys in vault: kvMount, tenantPathTemplate,`},
		},
		{
			name:    "unknown key deep",
			yaml:    "prometheus:\n  alerts:\n    pagerDuty: X\n",
			wantErr: []string{`config.yaml:3: prometheus.alerts.pagerDuty: unknown key; known keys in prometheus.alerts: rotationFailed, tokenExpiringSoon, versionOverflow, auditLogMissing`},
		},
		{
			name:    "wrong type string for integer",
			yaml:    "vault:\n  retentionVersions: five\n",
			wantErr: []string{`config.yaml:2: vault.retentionVersions: must be an integer >= 1, got "five"`},
		},
		{
			name:    "wrong type float for integer",
			yaml:    "kubernetes:\n  logTailLines: 2.5\n",
			wantErr: []string{`config.yaml:2: kubernetes.logTailLines: must be an integer >= 1, got 2.5`},
		},
		{
			name:    "wrong type bool for string",
			yaml:    "kubernetes:\n  tenantEnv: true\n",
			wantErr: []string{`config.yaml:2: kubernetes.tenantEnv: must be a string (quote it), got true`},
		},
		{
			name:    "wrong type list for group",
			yaml:    "thresholds:\n  - 24h\n",
			wantErr: []string{`config.yaml:2: thresholds: must be a mapping with keys tokenExpiryWarning, tokenExpiryCritical, overdueDays, rotationInterval, staleAfter, jobStuckAfter, got a list`},
		},
		{
			name:    "document not a mapping",
			yaml:    "just a string\n",
			wantErr: []string{`config.yaml:1: must be a mapping with keys kubernetes, vault, prometheus, thresholds, refresh, got "just a string"`},
		},
		{
			name:    "bad duration",
			yaml:    "vault:\n  requestTimeout: 10 seconds\n",
			wantErr: []string{`config.yaml:2: vault.requestTimeout: must be a duration > 0 such as "10s", got "10 seconds"`},
		},
		{
			name:    "duration without unit",
			yaml:    "refresh: 15\n",
			wantErr: []string{`config.yaml:1: refresh: must be a duration >= 1s such as "15s", got 15`},
		},
		{
			name:    "refresh too short",
			yaml:    "refresh: 500ms\n",
			wantErr: []string{`config.yaml:1: refresh: must be a duration >= 1s such as "15s", got "500ms"`},
		},
		{
			name:    "negative rotation interval",
			yaml:    "thresholds:\n  rotationInterval: -24h\n",
			wantErr: []string{`config.yaml:2: thresholds.rotationInterval: must be a duration >= 0`},
		},
		{
			name:    "retentionVersions 0",
			yaml:    "vault:\n  retentionVersions: 0\n",
			wantErr: []string{`config.yaml:2: vault.retentionVersions: must be an integer >= 1, got 0`},
		},
		{
			name:    "scanConcurrency too high",
			yaml:    "vault:\n  scanConcurrency: 1000\n",
			wantErr: []string{`config.yaml:2: vault.scanConcurrency: must be an integer between 1 and 256, got 1000`},
		},
		{
			name:    "template without tenant",
			yaml:    "vault:\n  tenantPathTemplate: tenants/cmek\n",
			wantErr: []string{`config.yaml:2: vault.tenantPathTemplate: must be a path containing {tenant} exactly once and no leading '/', such as "tenants/{tenant}/cmek", got "tenants/cmek"`},
		},
		{
			name:    "template with tenant twice",
			yaml:    "vault:\n  tenantPathTemplate: '{tenant}/{tenant}'\n",
			wantErr: []string{`config.yaml:2: vault.tenantPathTemplate: must be a path containing {tenant} exactly once`},
		},
		{
			name:    "template with leading slash",
			yaml:    "vault:\n  tenantPathTemplate: /tenants/{tenant}/cmek\n",
			wantErr: []string{`config.yaml:2: vault.tenantPathTemplate: must be a path containing {tenant} exactly once and no leading '/'`},
		},
		{
			name:    "mount with leading slash",
			yaml:    "vault:\n  kvMount: /secret\n",
			wantErr: []string{`config.yaml:2: vault.kvMount: must be a Vault mount path without leading or trailing '/', such as "secret", got "/secret"`},
		},
		{
			name: "both url and service",
			yaml: "prometheus:\n  url: http://prometheus:9090\n  service: monitoring/prometheus:9090\n",
			wantErr: []string{
				`config.yaml:3: prometheus.service: must be empty when prometheus.url is set (set one of url or service), got "monitoring/prometheus:9090"`,
			},
		},
		{
			name:    "service without port",
			yaml:    "prometheus:\n  service: monitoring/prometheus\n",
			wantErr: []string{`config.yaml:2: prometheus.service: must be "" or NS/NAME:PORT such as "monitoring/prometheus:9090" (PORT a number or a port name), got "monitoring/prometheus" (missing ':' before the port)`},
		},
		{
			name:    "service without namespace",
			yaml:    "prometheus:\n  service: prometheus:9090\n",
			wantErr: []string{`config.yaml:2: prometheus.service: must be "" or NS/NAME:PORT`},
		},
		{
			name:    "service with bad port",
			yaml:    "prometheus:\n  service: monitoring/prometheus:99999\n",
			wantErr: []string{`config.yaml:2: prometheus.service: must be "" or NS/NAME:PORT such as "monitoring/prometheus:9090" (PORT a number or a port name), got "monitoring/prometheus:99999" (port "99999": must be between 1 and 65535, inclusive)`},
		},
		{
			name:    "url with bad scheme",
			yaml:    "prometheus:\n  url: prometheus:9090\n",
			wantErr: []string{`config.yaml:2: prometheus.url: must be "" or an http or https URL such as "http://prometheus.monitoring:9090", got "prometheus:9090" (the scheme must be http or https)`},
		},
		{
			name:    "bad label selector",
			yaml:    "kubernetes:\n  orchestratorLabel: app=orch,,=x\n",
			wantErr: []string{`config.yaml:2: kubernetes.orchestratorLabel: must be a label selector such as "app.kubernetes.io/component=security", got "app=orch,,=x" (`},
		},
		{
			name:    "empty label selector",
			yaml:    "kubernetes:\n  securityLabel: ''\n",
			wantErr: []string{`config.yaml:2: kubernetes.securityLabel: must be a label selector such as "app.kubernetes.io/component=security", got ""`},
		},
		{
			name:    "bad DNS name",
			yaml:    "kubernetes:\n  orchestratorDeployment: Oss_AI\n",
			wantErr: []string{`config.yaml:2: kubernetes.orchestratorDeployment: must be a DNS-1123 name (lower-case letters, digits, '-' and '.'), got "Oss_AI"`},
		},
		{
			name:    "bad metric name",
			yaml:    "prometheus:\n  metrics:\n    rotations: cmek-rotation-total\n",
			wantErr: []string{`config.yaml:3: prometheus.metrics.rotations: must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got "cmek-rotation-total"`},
		},
		{
			name:    "critical equal to warning",
			yaml:    "thresholds:\n  tokenExpiryWarning: 1h\n  tokenExpiryCritical: 1h\n",
			wantErr: []string{`config.yaml:3: thresholds.tokenExpiryCritical: must be a duration > 0 and less than thresholds.tokenExpiryWarning, such as "1h", got "1h" (tokenExpiryWarning is "1h")`},
		},
		{
			name:    "warning lowered below default critical",
			yaml:    "refresh: 10s\nthresholds:\n  tokenExpiryWarning: 30m\n",
			wantErr: []string{`config.yaml:3: thresholds.tokenExpiryCritical: must be a duration > 0 and less than thresholds.tokenExpiryWarning, such as "1h", got "1h" (tokenExpiryWarning is "30m")`},
		},
		{
			name:    "duplicate key",
			yaml:    "vault:\n  policy: a\n  policy: b\n",
			wantErr: []string{`config.yaml:3: vault.policy: set twice (first on line 2); keep one`},
		},
		{
			name:    "multiple documents",
			yaml:    "refresh: 10s\n---\nrefresh: 20s\n",
			wantErr: []string{`config.yaml:2: a second YAML document; put every setting in one document`},
		},
		{
			name:    "syntax error",
			yaml:    "vault:\n  kvMount: secret\n   policy: x\n",
			wantErr: []string{`config.yaml:3: invalid YAML: mapping values are not allowed in this context`},
		},
		{
			name: "multiple problems reported together",
			file: "problems.yaml",
			wantErr: []string{
				`testdata/problems.yaml:3: kubernetes.rotationCronJob: must be a DNS-1123 name`,
				`testdata/problems.yaml:4: kubernetes.securityLabel: must be a label selector`,
				`testdata/problems.yaml:6: vault.retentionVersions: must be an integer >= 1, got "five"`,
				`testdata/problems.yaml:7: vault.tenantPathTemplate: must be a path containing {tenant} exactly once`,
				`testdata/problems.yaml:8: vault.kvMnt: unknown key (did you mean "kvMount"?)`,
				`testdata/problems.yaml:10: prometheus.url: must be "" or an http or https URL`,
				`testdata/problems.yaml:11: prometheus.service: must be "" or NS/NAME:PORT`,
				`testdata/problems.yaml:11: prometheus.service: must be empty when prometheus.url is set`,
				`testdata/problems.yaml:13: thresholds.tokenExpiryCritical: must be a duration > 0 and less than thresholds.tokenExpiryWarning`,
				`testdata/problems.yaml:14: refresh: must be a duration >= 1s such as "15s", got "soon"`,
				`testdata/problems.yaml:15: colour: unknown key`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, filename := []byte(tt.yaml), "config.yaml"
			if tt.file != "" {
				filename = filepath.Join("testdata", tt.file)
				data = mustRead(t, filename)
			}
			got, err := Parse(data, filename)
			if tt.wantErr != nil {
				checkErrLines(t, err, tt.wantErr)
				var cerr *Error
				if !errors.As(err, &cerr) {
					t.Errorf("got error %T, want *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := Default()
			if tt.want != nil {
				tt.want(&want)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Run("OK default", func(t *testing.T) {
		if err := Default().Validate(); err != nil {
			t.Errorf("Default().Validate() = %v", err)
		}
	})
	t.Run("ErrProgrammatic", func(t *testing.T) {
		c := Default()
		c.Vault.RetentionVersions = -1
		c.Refresh = 0
		checkErrLines(t, c.Validate(), []string{
			"vault.retentionVersions: must be an integer >= 1, got -1",
			`refresh: must be a duration >= 1s such as "15s", got "0s"`,
		})
	})
	t.Run("ErrZeroConfig", func(t *testing.T) {
		var cerr *Error
		if err := (Config{}).Validate(); !errors.As(err, &cerr) || len(cerr.Problems) < 20 {
			t.Errorf("Config{}.Validate() = %v, want an *Error listing every empty field", err)
		}
	})
}

func TestConfig_TenantPath(t *testing.T) {
	tests := map[string]struct {
		template, tenant, want string
	}{
		"default":   {"tenants/{tenant}/cmek", "acme", "tenants/acme/cmek"},
		"at start":  {"{tenant}/cmek", "acme", "acme/cmek"},
		"at end":    {"keys/{tenant}", "acme", "keys/acme"},
		"only":      {"{tenant}", "acme", "acme"},
		"hyphenate": {"tenants/{tenant}/cmek", "tenant-42", "tenants/tenant-42/cmek"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			c.Vault.TenantPathTemplate = tt.template
			if got := c.TenantPath(tt.tenant); got != tt.want {
				t.Errorf("TenantPath(%q) = %q, want %q", tt.tenant, got, tt.want)
			}
			if got, ok := c.TenantFromPath(tt.want); !ok || got != tt.tenant {
				t.Errorf("TenantFromPath(%q) = %q, %v, want %q, true", tt.want, got, ok, tt.tenant)
			}
		})
	}
}

func TestConfig_TenantFromPath(t *testing.T) {
	tests := map[string]struct {
		path   string
		want   string
		wantOK bool
	}{
		"OK":            {"tenants/acme/cmek", "acme", true},
		"ErrPrefix":     {"other/acme/cmek", "", false},
		"ErrSuffix":     {"tenants/acme/dek", "", false},
		"ErrEmpty":      {"tenants//cmek", "", false},
		"ErrNested":     {"tenants/a/b/cmek", "", false},
		"ErrWithMount":  {"secret/tenants/acme/cmek", "", false},
		"ErrTooShort":   {"tenants/cmek", "", false},
		"ErrEmptyInput": {"", "", false},
	}
	c := Default()
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := c.TenantFromPath(tt.path)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("TenantFromPath(%q) = %q, %v, want %q, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestConfig_PrometheusService(t *testing.T) {
	tests := map[string]struct {
		service          string
		wantNS, wantName string
		wantPort         string
		wantOK           bool
	}{
		"OK number":     {"monitoring/prometheus:9090", "monitoring", "prometheus", "9090", true},
		"OK port name":  {"monitoring/prometheus-k8s:web", "monitoring", "prometheus-k8s", "web", true},
		"ErrUnset":      {"", "", "", "", false},
		"ErrNoPort":     {"monitoring/prometheus", "", "", "", false},
		"ErrNoNS":       {"prometheus:9090", "", "", "", false},
		"ErrPortZero":   {"monitoring/prometheus:0", "", "", "", false},
		"ErrUpperCase":  {"Monitoring/prometheus:9090", "", "", "", false},
		"ErrEmptyParts": {"/:", "", "", "", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			c.Prometheus.Service = tt.service
			ns, svc, port, ok := c.PrometheusService()
			if ns != tt.wantNS || svc != tt.wantName || port != tt.wantPort || ok != tt.wantOK {
				t.Errorf("PrometheusService() = %q, %q, %q, %v, want %q, %q, %q, %v",
					ns, svc, port, ok, tt.wantNS, tt.wantName, tt.wantPort, tt.wantOK)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := map[string]struct {
		d    Duration
		want string
	}{
		"zero":    {0, "0s"},
		"seconds": {Duration(15 * time.Second), "15s"},
		"minutes": {Duration(90 * time.Second), "1m30s"},
		"round m": {Duration(10 * time.Minute), "10m"},
		"hours":   {Duration(24 * time.Hour), "24h"},
		"mixed":   {Duration(90 * time.Minute), "1h30m"},
		"ms":      {Duration(500 * time.Millisecond), "500ms"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tt.d.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			b, err := json.Marshal(tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(b), `"`+tt.want+`"`; got != want {
				t.Errorf("MarshalJSON = %s, want %s", got, want)
			}
			var back Duration
			if err := json.Unmarshal(b, &back); err != nil || back != tt.d {
				t.Errorf("UnmarshalJSON(%s) = %v, %v, want %v", b, back, err, tt.d)
			}
			y, err := yaml.Marshal(struct{ D Duration }{tt.d})
			if err != nil {
				t.Fatal(err)
			}
			var yback struct{ D Duration }
			if err := yaml.Unmarshal(y, &yback); err != nil || yback.D != tt.d {
				t.Errorf("yaml round trip of %q = %v, %v, want %v", y, yback.D, err, tt.d)
			}
		})
	}
	t.Run("ErrJSONNumber", func(t *testing.T) {
		var d Duration
		if err := json.Unmarshal([]byte("15"), &d); err == nil {
			t.Error("UnmarshalJSON(15) succeeded, want an error asking for a string")
		}
	})
	t.Run("ErrYAMLBad", func(t *testing.T) {
		var v struct{ D Duration }
		err := yaml.Unmarshal([]byte("d: soon\n"), &v)
		if err == nil || !strings.Contains(err.Error(), `got "soon"`) {
			t.Errorf("yaml.Unmarshal = %v, want an error naming the value", err)
		}
	})
	t.Run("OK config JSON round trip", func(t *testing.T) {
		b, err := json.Marshal(Default())
		if err != nil {
			t.Fatal(err)
		}
		var got Config
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got != Default() {
			t.Errorf("JSON round trip: got %+v, want Default()", got)
		}
	})
}

// TestExample keeps docs/config.example.yaml equal to Default and listing
// every key.
func TestExample(t *testing.T) {
	const path = "../../docs/config.example.yaml"
	data := mustRead(t, path)
	got, err := Parse(data, path)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	if want := Default(); got != want {
		t.Errorf("%s differs from Default():\ngot  %+v\nwant %+v", path, got, want)
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var inFile []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := prefix + n.Content[i].Value
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
				walk(v, key+".")
			} else {
				inFile = append(inFile, key)
			}
		}
	}
	walk(doc.Content[0], "")
	var inType []string
	var fields func(t reflect.Type, prefix string)
	fields = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			key := prefix + yamlName(f)
			if f.Type.Kind() == reflect.Struct {
				fields(f.Type, key+".")
			} else {
				inType = append(inType, key)
			}
		}
	}
	fields(reflect.TypeOf(Config{}), "")
	sort.Strings(inFile)
	sort.Strings(inType)
	if !reflect.DeepEqual(inFile, inType) {
		t.Errorf("%s keys differ from Config's:\ngot  %v\nwant %v", path, inFile, inType)
	}
}

func TestLoad(t *testing.T) {
	t.Run("ErrExplicitMissing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.yaml")
		_, _, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load(%q) = %v, want a not-exist error naming the path", path, err)
		}
	})
	t.Run("OK explicit", func(t *testing.T) {
		path := filepath.Join("testdata", "override.yaml")
		got, used, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if used != path || got.Vault.RetentionVersions != 10 {
			t.Errorf("Load(%q) = retention %d, path %q, want 10, %q", path, got.Vault.RetentionVersions, used, path)
		}
	})
	t.Run("ErrExplicitInvalid", func(t *testing.T) {
		path := filepath.Join("testdata", "problems.yaml")
		_, _, err := Load(path)
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Problems[0].File != path || cerr.Problems[0].Line != 3 {
			t.Errorf("Load(%q) = %v, want an *Error starting at %s:3", path, err, path)
		}
	})
	t.Run("OK XDG without file", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		got, used, err := Load("")
		if err != nil || used != "" || got != Default() {
			t.Errorf("Load(\"\") = %+v, %q, %v, want Default(), \"\", nil", got, used, err)
		}
	})
	t.Run("OK XDG with file", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", dir)
		path := filepath.Join(dir, "kubectl-rotation", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("vault:\n  retentionVersions: 3\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, used, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		want.Vault.RetentionVersions = 3
		if used != path || got != want {
			t.Errorf("Load(\"\") = %+v, %q, want %+v, %q", got, used, want, path)
		}
	})
	t.Run("OK HOME fallback", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", "")
		t.Setenv("HOME", home)
		got, err := DefaultPath()
		if want := filepath.Join(home, ".config", "kubectl-rotation", "config.yaml"); err != nil || got != want {
			t.Errorf("DefaultPath() = %q, %v, want %q", got, err, want)
		}
	})
	t.Run("ErrXDG invalid file", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", dir)
		path := filepath.Join(dir, "kubectl-rotation", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("vault:\n  retentionVersions: 0\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := Load("")
		checkErrLines(t, err, []string{path + ":2: vault.retentionVersions: must be an integer >= 1, got 0"})
	})
}

// TestDecoder_EveryField: every field of Config has a kind the decoder
// reads (struct, Duration, int, string), so a new field of another kind
// fails here instead of being reported to a user as unreadable.
func TestDecoder_EveryField(t *testing.T) {
	var walk func(tp reflect.Type, path string)
	walk = func(tp reflect.Type, path string) {
		for i := range tp.NumField() {
			f := tp.Field(i)
			p := path + "." + f.Name
			switch {
			case f.Type == reflect.TypeOf(Duration(0)), f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.String:
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, p)
			default:
				t.Errorf("%s is a %s: the config decoder cannot read it (add a case to decoder.decode)", p, f.Type)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "Config")
	t.Run("an unknown kind is a problem, not a panic", func(t *testing.T) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte("true"), &n); err != nil {
			t.Fatal(err)
		}
		d := &decoder{file: "c.yaml", lines: map[string]int{}, wants: map[string]string{}}
		var b bool
		d.decode(n.Content[0], reflect.ValueOf(&b).Elem(), "x.flag")
		if len(d.problems) != 1 || !strings.Contains(d.problems[0].Message, "cannot be read by this version") {
			t.Errorf("problems %+v", d.problems)
		}
	})
}

func TestRedactURL(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"no userinfo":         {"http://prometheus:9090", "http://prometheus:9090"},
		"user only":           {"http://alice@prometheus:9090", "http://alice@prometheus:9090"},
		"password":            {"https://alice:pw@prometheus:9090/x", "https://alice:xxxxx@prometheus:9090/x"},
		"malformed":           {"http://alice:pw@[::1", "http://alice:xxxxx@[::1"},
		"no scheme":           {"alice:pw@prometheus:9090", "alice:xxxxx@prometheus:9090"},
		"no scheme malformed": {"alice:pw@[::1", "alice:xxxxx@[::1"},
		"empty":               {"", ""},
		"query value":         {"https://prom.example.com/?token=s3cret", "https://prom.example.com/?token=xxxxx"},
		"query values":        {"https://prom:9090/x?org=a&token=s3cret&debug", "https://prom:9090/x?org=xxxxx&token=xxxxx&debug"},
		"query empty value":   {"http://prom:9090/?token=", "http://prom:9090/?token="},
		"query and fragment":  {"http://prom:9090/?token=s3cret#top", "http://prom:9090/?token=xxxxx#top"},
		"query and password":  {"https://alice:pw@prom:9090/?token=s3cret", "https://alice:xxxxx@prom:9090/?token=xxxxx"},
		"query malformed":     {"http://prom:9090/%zz?token=s3cret", "http://prom:9090/%zz?token=xxxxx"},
		"query no scheme":     {"prom:9090?token=s3cret", "prom:9090?token=xxxxx"},
		"query encoded":       {"http://prom:9090/?token=a%26b%3Dc", "http://prom:9090/?token=xxxxx"},
		"proxy target":        {"service monitoring/prometheus:9090 via https://10.0.0.1:6443", "service monitoring/prometheus:9090 via https://10.0.0.1:6443"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := RedactURL(tt.in); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	c := Default()
	c.Prometheus.URL = "http://alice:pw@prometheus:9090/?token=s3cret"
	if got := c.Redacted().Prometheus.URL; got != "http://alice:xxxxx@prometheus:9090/?token=xxxxx" {
		t.Errorf("Redacted: %q", got)
	}
	if c.Prometheus.URL != "http://alice:pw@prometheus:9090/?token=s3cret" {
		t.Errorf("Redacted changed its receiver: %q", c.Prometheus.URL)
	}
}
