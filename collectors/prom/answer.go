package prom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// getData GETs path (an /api/v1 endpoint) with query and decodes the
// answer's data into into, after checking that data holds field, the list
// Prometheus always writes there (an empty one when there is none).
// client_golang decodes an answer without it ({"status":"success"},
// "data":{}, "alerts":null) to an empty list: a proxy's or another
// server's answer read as "no alert firing". The errors are
// client_golang's (promv1.Error, worded by promErr): such an answer is
// ErrBadResponse naming what it lacks.
func getData(ctx context.Context, client promapi.Client, path string, query url.Values, field string, into any) error {
	u := client.URL(path, nil)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, body, err := client.Do(ctx, req)
	if err != nil {
		return err
	}
	return decodeData(resp.StatusCode, body, field, into)
}

// decodeData reads an answer of code with body as client_golang does
// (errorAnswer, an "error" status), and requires data.field.
func decodeData(code int, body []byte, field string, into any) error {
	if code/100 != 2 {
		return errorAnswer(code, body)
	}
	var env struct {
		Status    string           `json:"status"`
		ErrorType promv1.ErrorType `json:"errorType"`
		Error     string           `json:"error"`
		Data      json.RawMessage  `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return &promv1.Error{Type: promv1.ErrBadResponse, Msg: err.Error(), Detail: string(body)}
	}
	if env.Status == "error" {
		return &promv1.Error{Type: env.ErrorType, Msg: env.Error}
	}
	bad := func(msg string) error { return &promv1.Error{Type: promv1.ErrBadResponse, Msg: msg} }
	if env.Status != "success" {
		return bad(fmt.Sprintf("answered status %q, neither success nor error", env.Status))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(env.Data, &fields); err != nil || fields == nil {
		return bad("answered success without data")
	}
	if raw, ok := fields[field]; !ok || string(raw) == "null" {
		return bad("answered success without data." + field + " (Prometheus always sends it, [] when empty)")
	}
	if err := json.Unmarshal(env.Data, into); err != nil {
		return bad(err.Error())
	}
	return nil
}

// readAlerts reads /api/v1/alerts: the alerts list, never taken as empty
// when the answer has none.
func readAlerts(client promapi.Client) func(context.Context) (promv1.AlertsResult, error) {
	return func(ctx context.Context) (promv1.AlertsResult, error) {
		var res promv1.AlertsResult
		err := getData(ctx, client, "/api/v1/alerts", nil, "alerts", &res)
		return res, err
	}
}

// readRules reads /api/v1/rules: the rule groups, never taken as none
// when the answer has none.
func readRules(ctx context.Context, client promapi.Client) (promv1.RulesResult, error) {
	var res promv1.RulesResult
	err := getData(ctx, client, "/api/v1/rules", nil, "groups", &res)
	return res, err
}

// readTargets reads /api/v1/targets: the active targets.
func readTargets(ctx context.Context, client promapi.Client) (promv1.TargetsResult, error) {
	var res promv1.TargetsResult
	err := getData(ctx, client, "/api/v1/targets", nil, "activeTargets", &res)
	return res, err
}

// checkedAPI is client_golang's API whose queries fail on an answer
// without data ({"status":"success"}, "data":null), which client_golang
// returns as a nil value without an error: read as no series at all.
type checkedAPI struct {
	promv1.API
	warned *warnings // nil: warnings are dropped
}

// warnings gathers the warnings Prometheus attached to its answers
// (a partial response: "store unavailable, results may be incomplete"),
// each once.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) add(ws promv1.Warnings) {
	if w == nil || len(ws) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range ws {
		if !slices.Contains(w.seen, x) {
			w.seen = append(w.seen, x)
		}
	}
}

// list is the warnings gathered, in the order first seen.
func (w *warnings) list() []string {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

var errNoResult = &promv1.Error{Type: promv1.ErrBadResponse, Msg: "answered success without data.result"}

// Query implements promv1.API.
func (a checkedAPI) Query(ctx context.Context, query string, ts time.Time, opts ...promv1.Option) (model.Value, promv1.Warnings, promv1.Infos, error) {
	v, w, i, err := a.API.Query(ctx, query, ts, opts...)
	if err == nil && v == nil {
		err = errNoResult
	}
	a.warned.add(w)
	return v, w, i, err
}

// QueryRange implements promv1.API.
func (a checkedAPI) QueryRange(ctx context.Context, query string, r promv1.Range, opts ...promv1.Option) (model.Value, promv1.Warnings, promv1.Infos, error) {
	v, w, i, err := a.API.QueryRange(ctx, query, r, opts...)
	if err == nil && v == nil {
		err = errNoResult
	}
	a.warned.add(w)
	return v, w, i, err
}

// newAPI is the query API the collector uses over client, gathering the
// answers' warnings into w (nil: dropped).
func newAPI(client promapi.Client, w *warnings) promv1.API {
	return checkedAPI{API: promv1.NewAPI(client), warned: w}
}
