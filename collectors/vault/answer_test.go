package vault

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// TestCollector_vaultHealth: only Vault's own health answer (200 or 299
// with initialized and sealed) is read; a 429, {} or a body without those
// fields is an error naming the answer, never an uninitialised Vault.
func TestCollector_vaultHealth(t *testing.T) {
	tests := map[string]struct {
		status int
		body   string
		want   string // "" for read
		sealed bool
	}{
		"active":           {status: 200, body: `{"initialized":true,"sealed":false,"standby":false,"version":"1.15.0"}`},
		"sealed (299)":     {status: 299, body: `{"initialized":true,"sealed":true,"standby":true}`, sealed: true},
		"429":              {status: 429, body: `{"errors":["rate limit quota exceeded"]}`, want: "answered 429 Too Many Requests: rate limited, retry later"},
		"429 of a standby": {status: 429, body: `{"initialized":true,"sealed":false,"standby":true}`}, // the standbycode asked for not honoured
		"200 {}":           {status: 200, body: `{}`, want: "answered 200 without Vault's health fields (initialized, sealed): not Vault's API (a proxy?)"},
		"200 only sealed":  {status: 200, body: `{"sealed":false}`, want: "without Vault's health fields"},
		"200 not bool":     {status: 200, body: `{"initialized":"yes","sealed":"no"}`, want: "without Vault's health fields"},
		"200 HTML":         {status: 200, body: `<html></html>`, want: "answered 200 with a body that is not JSON"},
		"204":              {status: 204, want: "answered 204 No Content instead of Vault's health"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCollector(clients{Vault: metadataServer(t, tt.status, tt.body)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
			h, err := c.vaultHealth(context.Background())
			if tt.want == "" {
				if err != nil || h == nil || !h.Initialized || h.Sealed != tt.sealed {
					t.Errorf("got %+v, %v; want initialised, sealed %v", h, err, tt.sealed)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || h != nil {
				t.Errorf("got %+v, %v; want an error holding %q", h, err, tt.want)
			}
		})
	}
}

// TestCollector_listKeys: Vault's 404 is nothing listed; an answer without
// data.keys is an error, never an empty list.
func TestCollector_listKeys(t *testing.T) {
	tests := map[string]struct {
		status int
		body   string
		keys   int
		want   string
	}{
		"keys":         {status: 200, body: `{"data":{"keys":["a","b/"]}}`, keys: 2},
		"vault's 404":  {status: 404, body: `{"errors":[]}`},
		"empty body":   {status: 200, want: "answered 200 with an empty body"},
		"no keys":      {status: 200, body: `{"data":{}}`, want: "answered 200 without data.keys"},
		"no data":      {status: 200, body: `{"keys":["a"]}`, want: "answered 200 without a data object"},
		"a 404 page":   {status: 404, body: `<html>not found</html>`, want: "404"},
		"key a number": {status: 200, body: `{"data":{"keys":[1]}}`, want: "not a string"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCollector(clients{Vault: metadataServer(t, tt.status, tt.body)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
			keys, err := c.listKeys(context.Background(), "auth/token/accessors")
			if tt.want == "" {
				if err != nil || len(keys) != tt.keys {
					t.Errorf("got %v, %v; want %d keys", keys, err, tt.keys)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, %v; want an error holding %q", keys, err, tt.want)
			}
			if tt.status == http.StatusNotFound && vaultNotFound(err) {
				t.Errorf("a 404 page taken for Vault's")
			}
		})
	}
}

// TestCheckLookup: a token lookup is read only with Vault's fields and a
// TTL in seconds; a null or missing TTL is not a token that never expires.
func TestCheckLookup(t *testing.T) {
	tests := map[string]struct {
		body string
		want string // "" for read
	}{
		"vault's":         {body: `{"data":{"accessor":"a","meta":null,"policies":["root"],"ttl":0}}`},
		"empty data":      {body: `{"data":{}}`, want: "without data.accessor, data.meta, data.policies, data.ttl"},
		"ttl null":        {body: `{"data":{"accessor":"a","meta":null,"policies":["root"],"ttl":null}}`, want: "data.ttl that is not a number"},
		"ttl as a string": {body: `{"data":{"accessor":"a","meta":null,"policies":["root"],"ttl":"1h"}}`, want: "data.ttl that is not a number"},
		"no body":         {body: ``, want: "answered 200 with an empty body"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCollector(clients{Vault: metadataServer(t, http.StatusOK, tt.body)}, collectors.Env{Config: config.Default(), Namespace: "ns"})
			tok, err := c.lookupSelf(context.Background())
			if tt.want == "" {
				if err != nil || tok == nil {
					t.Errorf("got %+v, %v; want read", tok, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %+v, %v; want an error holding %q", tok, err, tt.want)
			}
		})
	}
}
