package auditlog

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestAggregator_Phrases(t *testing.T) {
	log := strings.Join([]string{
		`{"level":"warn","msg":"Version limit exceeded for secret/tenants/t-1/cmek","time":"2026-12-07T10:00:00Z"}`,
		`2026-12-07T12:00:00Z warn Version limit exceeded for secret/tenants/t-2/cmek (Version limit exceeded twice)`,
		`{"level":"warn","msg":"Version limit exceeded for secret/tenants/t-3/cmek","time":"2026-12-07T11:00:00Z"}`,
		`plain Too many versions, no time`,
		`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","time":"2026-12-07T13:00:00Z"}`,
		`version limit exceeded (another case: not the phrase)`,
		`{"broken json Too many versions`,
	}, "\n")
	for name, bufSize := range map[string]int{"whole": bufSize, "longLines": 16} {
		t.Run(name, func(t *testing.T) {
			a := New(Options{Phrases: []string{"Version limit exceeded", "Too many versions", "Encryption key not found", "", "Too many versions", "a\nb"}})
			a.bufSize = bufSize
			if err := a.Read(context.Background(), "pod-a", strings.NewReader(log)); err != nil {
				t.Fatal(err)
			}
			s := a.Result()
			if len(s.Phrases) != 3 {
				t.Fatalf("phrases = %+v, want the three that can be found, each once", s.Phrases)
			}
			vl, ok := s.Phrase("Version limit exceeded")
			if !ok || vl.Lines != 3 || vl.Last == nil || vl.Last.Time == nil || !vl.Last.Time.Equal(time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)) || !strings.Contains(vl.Last.Text, "t-3") || vl.Last.Source != "pod-a" {
				t.Errorf("Version limit exceeded = %+v (last %+v), want 3 lines, the last one read, at 11:00, naming t-3", vl, vl.Last)
			}
			tm, _ := s.Phrase("Too many versions")
			if tm.Lines != 2 || tm.Last == nil || tm.Last.Time != nil || tm.Last.Text != `{"broken json Too many versions` {
				t.Errorf("Too many versions = %+v (last %+v), want 2 lines, none dated, the last read kept", tm, tm.Last)
			}
			if nf, _ := s.Phrase("Encryption key not found"); nf.Lines != 0 || nf.Last != nil {
				t.Errorf("Encryption key not found = %+v, want none", nf)
			}
			if s.Events != 1 || s.Lines != 7 {
				t.Errorf("events %d lines %d: counting phrases changed the rest", s.Events, s.Lines)
			}
		})
	}
	t.Run("merge", func(t *testing.T) {
		opt := Options{Phrases: []string{"Version limit exceeded"}}
		a, b := New(opt), New(opt)
		_ = a.Read(context.Background(), "pod-a", strings.NewReader(`{"msg":"Version limit exceeded","time":"2026-12-07T09:00:00Z"}`))
		_ = b.Read(context.Background(), "pod-b", strings.NewReader("Version limit exceeded undated\n"+`{"msg":"Version limit exceeded","time":"2026-12-07T10:00:00Z"}`))
		for _, order := range [][]Summary{{a.Result(), b.Result()}, {b.Result(), a.Result()}} {
			all := New(Options{})
			for _, s := range order {
				all.Merge(s)
			}
			got, ok := all.Result().Phrase("Version limit exceeded")
			if !ok || got.Lines != 3 || got.Last == nil || got.Last.Source != "pod-b" || got.Last.Time == nil || got.Last.Time.Hour() != 10 {
				t.Errorf("merged = %+v (last %+v), want 3 lines, the latest dated from pod-b at 10:00", got, got.Last)
			}
		}
	})
	t.Run("oversized", func(t *testing.T) {
		a := New(Options{Phrases: []string{"Version limit exceeded"}, MaxLineBytes: 64})
		a.bufSize = 16
		_ = a.Read(context.Background(), "p", strings.NewReader(strings.Repeat("x", 100)+" Version limit exceeded\nshort Version limit exceeded\n"))
		if got, _ := a.Result().Phrase("Version limit exceeded"); got.Lines != 1 {
			t.Errorf("lines = %d, want 1: an oversized line is not searched", got.Lines)
		}
	})
}
