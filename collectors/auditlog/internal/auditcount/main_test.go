package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/auditlog"
)

func TestRun(t *testing.T) {
	lab := "../../testdata/lab.log"
	t.Run("OK digest", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{lab}, false, &out); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.HasPrefix(got, "lines=7 ") || !strings.Contains(got, " events=3 ") {
			t.Errorf("got %q, want a digest of 7 lines and 3 events", got)
		}
	})
	t.Run("OK JSON", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{lab, lab}, true, &out); err != nil {
			t.Fatal(err)
		}
		var s auditlog.Summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		if s.Events != 6 || len(s.Sources) != 1 {
			t.Errorf("got %d events from %v, want 6 from one source read twice", s.Events, s.Sources)
		}
	})
	t.Run("ErrNoFile", func(t *testing.T) {
		if err := run(context.Background(), nil, false, &bytes.Buffer{}); err == nil {
			t.Error("no error without a file")
		}
		if err := run(context.Background(), []string{"testdata/missing.log"}, false, &bytes.Buffer{}); err == nil {
			t.Error("no error for a missing file")
		}
	})
}
