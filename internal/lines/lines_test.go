package lines

import (
	"slices"
	"testing"
)

func TestWriterSplitsLines(t *testing.T) {
	var got []string
	w := &Writer{Max: 8, Line: func(line []byte) { got = append(got, string(line)) }}
	for _, p := range []string{"one\ntw", "o\r\n", "", "a line too long\nend"} {
		w.Write([]byte(p))
	}
	want := []string{"one", "two", "a line t", "oo long"}
	if !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if p := string(w.Partial()); p != "end" {
		t.Errorf("Partial = %q, want end", p)
	}
}
