package corpus

import (
	"bytes"
	"testing"
)

func TestGenerate_deterministic(t *testing.T) {
	a, b := Generate(2000, 1), Generate(2000, 1)
	if !bytes.Equal(a, b) {
		t.Error("two runs with seed 1 differ")
	}
	if bytes.Equal(a, Generate(2000, 2)) {
		t.Error("seeds 1 and 2 give the same log")
	}
	if n := bytes.Count(a, []byte("\n")); n != 2000 {
		t.Errorf("got %d lines, want 2000", n)
	}
	var w bytes.Buffer
	if err := Write(&w, 2000, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), a) {
		t.Error("Write and Generate differ")
	}
	// About 300 bytes a line, a third of them rotation events.
	if per := len(a) / 2000; per < 250 || per > 350 {
		t.Errorf("%d bytes a line, want about 300", per)
	}
	if n := bytes.Count(a, []byte(`"action":"cmek.rotation.`)); n < 550 || n > 800 {
		t.Errorf("%d rotation actions in 2000 lines, want about a third", n)
	}
}
