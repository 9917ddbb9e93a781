package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	vault "github.com/hashicorp/vault/api"
)

// answerError is an answer that is not what Vault's API answers there: a
// status it never sends for the request, or a body without the fields
// Vault always writes (a proxy, a rate limiter, a portal in between). What
// it would have said is not read, never taken as an empty or false value.
type answerError struct {
	what string // "answered 200 without data.keys"
}

func (e *answerError) Error() string { return e.what }

// notVaultAPI is the answerError for an answer of status without what
// Vault's API always holds there.
func notVaultAPI(status int, without string) error {
	return &answerError{what: fmt.Sprintf("answered %d %s: not Vault's API (a proxy?)", status, without)}
}

// isAnswerError tells whether err is an answer not of Vault's shape.
func isAnswerError(err error) bool {
	var ae *answerError
	return errors.As(err, &ae)
}

// vaultNotFound tells whether err is Vault's own 404 (its JSON error
// body), as it answers for a path that holds nothing; a 404 page of
// something else in front of Vault is not (RawError: the body was not
// Vault's).
func vaultNotFound(err error) bool {
	var re *vault.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound && !re.RawError
}

// denied tells whether err is Vault's 403: the token may not do it, which
// the collector works around where it can (reading the policies instead of
// asking Vault, the metric instead of the token).
func denied(err error) bool { return isStatus(err, http.StatusForbidden) }

// readData reads path (a GET with params) through the client's request
// path (its retries, token, namespace and headers) and returns the
// answer's "data" object. Vault's 404 is returned as its *ResponseError;
// an answer without a data object is an answerError.
func (c *collector) readData(ctx context.Context, path string, params url.Values) (map[string]any, error) {
	resp, err := c.clients.Vault.Logical().ReadRawWithDataWithContext(ctx, path, params)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	top, err := decodeObject(resp.Body, resp.StatusCode)
	if err != nil {
		return nil, err
	}
	data, ok := top["data"].(map[string]any)
	if !ok {
		return nil, notVaultAPI(resp.StatusCode, "without a data object")
	}
	return data, nil
}

// decodeObject decodes a JSON object (numbers as json.Number, as vault/api
// does), or says the body is none.
func decodeObject(r io.Reader, status int) (map[string]any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var top map[string]any
	switch err := dec.Decode(&top); {
	case errors.Is(err, io.EOF):
		return nil, notVaultAPI(status, "with an empty body")
	case isJSONError(err):
		return nil, notVaultAPI(status, "with a body that is not JSON")
	case err != nil: // the connection broke off (io.ErrUnexpectedEOF, a reset)
		return nil, fmt.Errorf("read the answer: %w", err)
	case top == nil:
		return nil, notVaultAPI(status, "with a null body")
	}
	return top, nil
}

// isJSONError tells whether a decode failed on what the body holds, not
// on reading it.
func isJSONError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}

// listKeys lists path (LIST, sent as GET ?list=true as vault/api does) and
// returns its keys; Vault's 404 (nothing under the path) is no key. An
// answer without data.keys, a list of strings, is an answerError.
func (c *collector) listKeys(ctx context.Context, path string) ([]string, error) {
	data, err := c.readData(ctx, path, url.Values{"list": {"true"}})
	if vaultNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, ok := data["keys"].([]any)
	if !ok {
		return nil, notVaultAPI(http.StatusOK, "without data.keys")
	}
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		s, ok := k.(string)
		if !ok {
			return nil, notVaultAPI(http.StatusOK, "with a key that is not a string in data.keys")
		}
		keys = append(keys, s)
	}
	return keys, nil
}

// needFields returns an answerError naming the fields of data missing
// (Vault writes each of them on every such answer, null or not), or nil.
func needFields(data map[string]any, fields ...string) error {
	var missing []string
	for _, f := range fields {
		if _, ok := data[f]; !ok {
			missing = append(missing, "data."+f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return notVaultAPI(http.StatusOK, "without "+strings.Join(missing, ", "))
}

// secretData is a parsed answer's data when it holds fields; an answer
// without a body or without them is an answerError.
func secretData(s *vault.Secret, fields ...string) (map[string]any, error) {
	if s == nil {
		return nil, notVaultAPI(http.StatusOK, "with an empty body")
	}
	if s.Data == nil {
		return nil, notVaultAPI(http.StatusOK, "without a data object")
	}
	if err := needFields(s.Data, fields...); err != nil {
		return nil, err
	}
	return s.Data, nil
}

// checkLookup checks a token lookup's data: the fields Vault always
// writes (tokenLookupFields), the TTL a number of seconds (0 for a token
// that does not expire: a missing or null one is not that).
func checkLookup(data map[string]any) error {
	if err := needFields(data, tokenLookupFields...); err != nil {
		return err
	}
	if _, ok := data["ttl"].(json.Number); !ok {
		return notVaultAPI(http.StatusOK, "with data.ttl that is not a number of seconds")
	}
	return nil
}
