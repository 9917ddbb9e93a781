package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog/internal/corpus"
)

// benchCorpus is about 6 MB of the generator's realistic mix (a third
// rotation events in every spelling, renewal lines, other JSON, plain text,
// broken lines), or of one kind of line only.
func benchCorpus(mix corpus.Mix) []byte {
	g := corpus.New(1, mix)
	var b []byte
	for range 20000 {
		b = append(b, g.Line()...)
	}
	return b
}

var benchMixes = []struct {
	name string
	mix  corpus.Mix
}{
	{"mix", corpus.DefaultMix},
	{"rotation events only", corpus.Mix{Rotation: 1000}},
	{"other JSON only", corpus.Mix{AppJSON: 1000}},
	{"plain text only", corpus.Mix{Plain: 1000}},
}

func BenchmarkAggregator_Read(b *testing.B) {
	ctx := context.Background()
	for _, m := range benchMixes {
		b.Run(m.name, func(b *testing.B) {
			data := benchCorpus(m.mix)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				a := New(Options{})
				if err := a.Read(ctx, "pod", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// the runbook's phrases counted too, as the pod-log collector asks
	b.Run("mix, with phrases", func(b *testing.B) {
		data := benchCorpus(corpus.DefaultMix)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			a := New(Options{Phrases: benchPhrases})
			if err := a.Read(ctx, "pod", bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchPhrases are collectors.PodLogPhrases (not imported: a cycle).
var benchPhrases = []string{"Too many versions", "Version limit exceeded"}

// BenchmarkBaseline measures what the aggregator is compared with: finding
// the lines with the prefix (grep -c), and decoding every line with
// encoding/json (what jq does, in Go).
func BenchmarkBaseline(b *testing.B) {
	data := benchCorpus(corpus.DefaultMix)
	prefix := []byte(DefaultActionPrefix)
	b.Run("count lines with the prefix", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			n := 0
			for rest := data; len(rest) > 0; {
				line := rest
				if i := bytes.IndexByte(rest, '\n'); i >= 0 {
					line, rest = rest[:i], rest[i+1:]
				} else {
					rest = nil
				}
				if bytes.Contains(line, prefix) {
					n++
				}
			}
		}
	})
	b.Run("encoding/json every line", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				var v struct {
					Action  string `json:"action"`
					Outcome string `json:"outcome"`
					Tenant  string `json:"tenant"`
					Ts      any    `json:"ts"`
				}
				if json.Unmarshal(sc.Bytes(), &v) == nil && bytes.HasPrefix([]byte(v.Action), prefix) {
					n++
				}
			}
		}
	})
}

// BenchmarkAggregator_Read_lines reads the realistic mix at two sizes:
// allocations come from what is counted (tenants, actions, kept events),
// not from the lines, so allocs/line falls tenfold when the input grows
// tenfold, and B/op stays flat.
func BenchmarkAggregator_Read_lines(b *testing.B) {
	ctx := context.Background()
	for _, lines := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			data := corpus.Generate(lines, 1)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				a := New(Options{})
				if err := a.Read(ctx, "pod", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(lines), "allocs/line")
		})
	}
}
