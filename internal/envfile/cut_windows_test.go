package envfile

import (
	"slices"
	"strings"
	"testing"
)

func TestCutWindows(t *testing.T) {
	tests := []struct {
		s, key, value string
		set           bool
	}{
		{"A=1", "A", "1", true},
		{"A=b=c", "A", "b=c", true},
		{"A", "A", "", false},
		{"=C:=C:\\work", "=C:", "C:\\work", true},
		{"=C:", "=C:", "", false},
		{"=A=B", "=A", "B", true},
		{"==x", "=", "x", true},
		{"=", "", "", true},
	}
	for _, tt := range tests {
		key, value, set := Cut(tt.s)
		if key != tt.key || value != tt.value || set != tt.set {
			t.Errorf("Cut(%q) = %q, %q, %v; want %q, %q, %v", tt.s, key, value, set, tt.key, tt.value, tt.set)
		}
	}
}

// In an env file too, a leading '=' is part of the name.
func TestParseWindowsHiddenVariables(t *testing.T) {
	vars, err := Parse(strings.NewReader("=C:=C:\\work\n=ExitCode=00000001\n"), "vars.env")
	if want := []Var{{"=C:", `C:\work`}, {"=ExitCode", "00000001"}}; err != nil || !slices.Equal(vars, want) {
		t.Errorf("Parse = %q, %v; want %q", vars, err, want)
	}
	if _, err := Parse(strings.NewReader("=1\n"), "vars.env"); err == nil || !strings.HasPrefix(err.Error(), "vars.env:1: malformed line") {
		t.Errorf("a name alone: error %v, want a malformed line", err)
	}
}
