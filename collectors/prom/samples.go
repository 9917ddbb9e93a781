package prom

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Samples is one series' raw samples, oldest first.
type Samples struct {
	Labels map[string]string
	Times  []time.Time
	Values []float64
}

// RawSamples reads the raw samples of metric (a counter such as
// cmek_rotation_total) from start to end — every scraped value with its own
// time, not steps — for the series of namespace (and those without a
// namespace label), in one request bounded by timeout. It returns the
// error worded for a person (target says how Prometheus is reached).
func RawSamples(ctx context.Context, client promapi.Client, target, namespace, metric string, start, end time.Time, timeout time.Duration) ([]Samples, error) {
	if client == nil {
		return nil, errors.New("no Prometheus is configured: pass --prometheus-url or --prometheus-service NS/NAME:PORT (or set prometheus.url/service in the config)")
	}
	secs := int64(end.Sub(start).Seconds())
	if secs < 1 {
		secs = 1
	}
	q := fmt.Sprintf("%s[%ds]", metric, secs)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, _, _, err := newAPI(client, nil).Query(ctx, q, end)
	mat, ok := v.(model.Matrix)
	if err == nil && !ok {
		// a range selector answers a matrix, [] when it holds nothing
		err = &promv1.Error{Type: promv1.ErrBadResponse, Msg: fmt.Sprintf("answered a %s, not the samples' matrix", v.Type())}
	}
	if err != nil {
		return nil, fmt.Errorf("%s", promErr(target, "read the samples of "+metric, err))
	}
	c := &collector{namespace: namespace}
	var out []Samples
	for _, ss := range mat {
		l := labelsOf(model.LabelSet(ss.Metric))
		delete(l, "__name__")
		if !c.inNamespace(l) {
			continue
		}
		s := Samples{Labels: l}
		for _, p := range ss.Values {
			if v := finite(p.Value); v != nil {
				s.Times = append(s.Times, p.Timestamp.Time().UTC())
				s.Values = append(s.Values, *v)
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return seriesKey(out[i].Labels) < seriesKey(out[j].Labels) })
	return out, nil
}
