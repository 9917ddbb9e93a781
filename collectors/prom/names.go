package prom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// namesAnswer is what queryNames keeps of an instant query's answer: the
// envelope, and of each sample the tenant labels' values. A group by the
// tenant labels answers with those labels alone, so the fields' names are
// the only keys (encoding/json also takes a key differing in case only;
// there is none).
type namesAnswer struct {
	Status    string           `json:"status"`
	ErrorType promv1.ErrorType `json:"errorType"`
	Error     string           `json:"error"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric struct {
				Tenant      string `json:"tenant"`
				TenantID    string `json:"tenant_id"`
				TenantCamel string `json:"tenantId"`
			} `json:"metric"`
		} `json:"result"`
	} `json:"data"`
}

// errorAnswer is the error of an answer whose code is not 2xx, as
// client_golang words it: its message from the body when Prometheus sent
// one (400, 422), else a generic one by the code's class.
func errorAnswer(code int, body []byte) error {
	generic := func() error {
		typ, msg := promv1.ErrBadResponse, fmt.Sprintf("bad response code %d", code)
		switch code / 100 {
		case 4:
			typ, msg = promv1.ErrClient, fmt.Sprintf("client error: %d", code)
		case 5:
			typ, msg = promv1.ErrServer, fmt.Sprintf("server error: %d", code)
		}
		return &promv1.Error{Type: typ, Msg: msg, Detail: string(body)}
	}
	if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		return generic()
	}
	var a struct {
		Status    string           `json:"status"`
		ErrorType promv1.ErrorType `json:"errorType"`
		Error     string           `json:"error"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return generic()
	}
	if a.Status == "success" {
		return &promv1.Error{Type: promv1.ErrBadResponse, Msg: "inconsistent body for response code"}
	}
	if a.ErrorType == "" {
		a.ErrorType = promv1.ErrClient
	}
	if a.Error == "" {
		a.Error = fmt.Sprintf("client error: %d", code)
	}
	return &promv1.Error{Type: a.ErrorType, Msg: a.Error}
}

// queryNames asks expr, a group by the tenant labels, at `at`, and returns
// the values of those labels, sorted, each once. It decodes the answer
// itself rather than into client_golang's model.Vector, a label map per
// sample: at 100,000 tenants that was most of the source's memory. The
// request (a form POST, a GET when a proxy refuses the POST) and the errors
// are client_golang's (promv1.Error, its types and messages), so promErr
// words them as any other query's.
func queryNames(ctx context.Context, client promapi.Client, expr string, at time.Time) ([]string, error) {
	u := client.URL("/api/v1/query", nil)
	args := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.Unix())+float64(at.Nanosecond())/1e9, 'f', -1, 64)}}
	encoded := args.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(encoded))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil // retried on a network error, as client_golang's
	resp, body, err := client.Do(ctx, req)
	if err == nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		u.RawQuery = encoded
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil); err != nil {
			return nil, err
		}
		resp, body, err = client.Do(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	return decodeNames(resp.StatusCode, body)
}

// decodeNames reads an answer of code with body as client_golang does
// (api/prometheus/v1 apiClientImpl.Do): a code that is not 2xx is an
// error (errorAnswer); an answer that is not the API's JSON is
// ErrBadResponse; a 2xx whose status is "error" is that error.
func decodeNames(code int, body []byte) ([]string, error) {
	if code/100 != 2 {
		return nil, errorAnswer(code, body)
	}
	var a namesAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, &promv1.Error{Type: promv1.ErrBadResponse, Msg: err.Error()}
	}
	if a.Status == "error" {
		return nil, &promv1.Error{Type: a.ErrorType, Msg: a.Error}
	}
	if a.Data.ResultType != "vector" {
		return nil, &promv1.Error{Type: promv1.ErrBadResponse, Msg: fmt.Sprintf("the tenants' names came as a %q, not a vector", a.Data.ResultType)}
	}
	out := make([]string, 0, len(a.Data.Result))
	for _, r := range a.Data.Result {
		for _, v := range [...]string{r.Metric.Tenant, r.Metric.TenantID, r.Metric.TenantCamel} {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
