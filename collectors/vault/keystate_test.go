package vault

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

func TestFillTenant_keyState(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	md := &vault.KVMetadata{CurrentVersion: 6, OldestVersion: 1, Versions: map[string]vault.KVVersionMetadata{
		"1": {Version: 1, Destroyed: true},
		"2": {Version: 2, DeletionTime: past, Destroyed: true},
		"3": {Version: 3, DeletionTime: past},
		"4": {Version: 4, DeletionTime: future}, // delete_version_after: still live
		"5": {Version: 5},
		"6": {Version: 6, DeletionTime: past, CreatedTime: past},
	}}
	var tn collectors.Tenant
	fillTenant(&tn, md, now)
	if !slices.Equal(tn.Deleted, []int{3, 6}) || !slices.Equal(tn.Destroyed, []int{1, 2}) {
		t.Errorf("deleted %v destroyed %v, want [3 6] [1 2]", tn.Deleted, tn.Destroyed)
	}
	if tn.LiveVersions != 2 || tn.DeletedVersions != 2 || tn.DestroyedVersions != 2 {
		t.Errorf("live/deleted/destroyed = %d/%d/%d, want 2/2/2", tn.LiveVersions, tn.DeletedVersions, tn.DestroyedVersions)
	}
	if tn.CurrentDeletionTime == nil || !tn.CurrentDeletionTime.Equal(past) || tn.CurrentDestroyed {
		t.Errorf("current deletion %v destroyed %v", tn.CurrentDeletionTime, tn.CurrentDestroyed)
	}
}

func TestTokenCeiling(t *testing.T) {
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	expire := created.Add(2 * time.Hour)
	mounts := func(m map[string]time.Duration) func(string) (time.Duration, error) {
		return func(mount string) (time.Duration, error) {
			if d, ok := m[mount]; ok {
				return d, nil
			}
			return 0, errors.New("read sys/mounts/auth/" + mount + "/tune: permission denied (403)")
		}
	}
	role := &collectors.AuthRole{Mount: "kubernetes", Name: "orch", Found: true, MaxTTL: collectors.Duration(12 * time.Hour)}
	base := collectors.TokenInfo{Renewable: true, TTL: collectors.Duration(time.Hour), ExpireTime: &expire, CreationTime: &created, Path: "auth/kubernetes/login", Meta: map[string]string{"role": "orch"}}
	tests := map[string]struct {
		tok      func(collectors.TokenInfo) collectors.TokenInfo
		mounts   map[string]time.Duration
		wantMax  time.Duration
		wantSrc  string
		wantNote string
	}{
		"role max under the mount's": {
			mounts: map[string]time.Duration{"kubernetes": 768 * time.Hour}, wantMax: 12 * time.Hour, wantSrc: "token_max_ttl 12h of role auth/kubernetes/role/orch",
		},
		"explicit max wins when lower": {
			tok: func(t collectors.TokenInfo) collectors.TokenInfo {
				t.ExplicitMaxTTL = collectors.Duration(2 * time.Hour)
				return t
			},
			mounts: map[string]time.Duration{"kubernetes": 768 * time.Hour}, wantMax: 2 * time.Hour, wantSrc: "explicit_max_ttl 2h",
		},
		"mount's max without a role": {
			tok:    func(t collectors.TokenInfo) collectors.TokenInfo { t.Path, t.Meta = "auth/token/create", nil; return t },
			mounts: map[string]time.Duration{"token": 768 * time.Hour}, wantMax: 768 * time.Hour, wantSrc: "max_lease_ttl 768h of auth/token (the mount's, else the system's)",
		},
		"tune unreadable: the role's, possibly lower": {
			wantMax: 12 * time.Hour, wantSrc: "token_max_ttl 12h of role auth/kubernetes/role/orch", wantNote: "possibly lower",
		},
		"tune unreadable, nothing else": {
			tok:      func(t collectors.TokenInfo) collectors.TokenInfo { t.Path = "auth/userpass/login/alice"; return t },
			wantNote: "max TTL unknown: read sys/mounts/auth/userpass/tune",
		},
		"periodic without explicit max": {
			tok:      func(t collectors.TokenInfo) collectors.TokenInfo { t.Period = collectors.Duration(time.Hour); return t },
			mounts:   map[string]time.Duration{"kubernetes": 768 * time.Hour},
			wantNote: "periodic token",
		},
		// O1: a batch token, or one made -renewable=false, ends at its
		// expire time: no renewal reaches the mount's 32 days
		"not renewable": {
			tok:     func(t collectors.TokenInfo) collectors.TokenInfo { t.Renewable = false; return t },
			mounts:  map[string]time.Duration{"kubernetes": 768 * time.Hour},
			wantMax: 2 * time.Hour, wantSrc: "not renewable: it ends at its expire time",
		},
		"no expiry": {
			tok:      func(t collectors.TokenInfo) collectors.TokenInfo { t.TTL, t.ExpireTime = 0, nil; return t },
			wantNote: "does not expire",
		},
		"expire time after the computed ceiling": {
			tok: func(t collectors.TokenInfo) collectors.TokenInfo {
				t.ExplicitMaxTTL = collectors.Duration(time.Hour)
				return t
			},
			mounts:   map[string]time.Duration{"kubernetes": 768 * time.Hour},
			wantNote: "before the token's expire time",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tok := base
			if tt.tok != nil {
				tok = tt.tok(base)
			}
			tokenCeiling(&tok, role, mounts(tt.mounts))
			if tok.MaxTTL.Duration() != tt.wantMax || tok.MaxTTLSource != tt.wantSrc {
				t.Errorf("max %s from %q, want %s from %q", tok.MaxTTL.Duration(), tok.MaxTTLSource, tt.wantMax, tt.wantSrc)
			}
			if tt.wantMax > 0 && (tok.CeilingAt == nil || !tok.CeilingAt.Equal(created.Add(tt.wantMax))) {
				t.Errorf("ceiling at %v, want %v", tok.CeilingAt, created.Add(tt.wantMax))
			}
			if tt.wantMax == 0 && tok.CeilingAt != nil {
				t.Errorf("ceiling at %v, want none", tok.CeilingAt)
			}
			if !strings.Contains(tok.CeilingNote, tt.wantNote) || (tt.wantNote == "" && tok.CeilingNote != "") {
				t.Errorf("note %q, want %q", tok.CeilingNote, tt.wantNote)
			}
		})
	}
}

func TestFillTokenLimits(t *testing.T) {
	s := &vault.Secret{Data: map[string]any{
		"path": "auth/token/create", "creation_time": jsonNum("1796083200"), "creation_ttl": jsonNum("3600"),
		"explicit_max_ttl": jsonNum("7200"), "period": nil, "id": "never-read",
	}}
	tok := tokenInfo(s, "lookup-self")
	if tok.Path != "auth/token/create" || tok.CreationTTL.Duration() != time.Hour || tok.ExplicitMaxTTL.Duration() != 2*time.Hour || tok.Period != 0 {
		t.Errorf("limits = %+v", tok)
	}
	if tok.CreationTime == nil || tok.CreationTime.Unix() != 1796083200 {
		t.Errorf("creation time = %v", tok.CreationTime)
	}
}

func TestCollector_invalidToken(t *testing.T) {
	vc, err := vault.NewClient(&vault.Config{Address: "http://127.0.0.1:8200"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(clients{Vault: vc, VaultTokenSource: "~/.vault-token"}, collectors.Env{})
	msg, ok := c.invalidToken(&vault.ResponseError{StatusCode: 403, Errors: []string{"permission denied"}})
	if !ok || !strings.Contains(msg, "your Vault token (from ~/.vault-token) is invalid, expired or revoked") || !strings.Contains(msg, "run `vault login` (it rewrites ~/.vault-token)") {
		t.Errorf("403 on lookup-self: %q, %v", msg, ok)
	}
	if _, ok := c.invalidToken(&vault.ResponseError{StatusCode: 503}); ok {
		t.Error("503 read as an invalid token")
	}
	if _, ok := c.invalidToken(errors.New("connection refused")); ok {
		t.Error("a network error read as an invalid token")
	}
}

func jsonNum(s string) json.Number { return json.Number(s) }
