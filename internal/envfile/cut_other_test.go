//go:build !windows

package envfile

import (
	"strings"
	"testing"
)

func TestCut(t *testing.T) {
	tests := []struct {
		s, key, value string
		set           bool
	}{
		{"A=1", "A", "1", true},
		{"A=b=c", "A", "b=c", true},
		{"A=", "A", "", true},
		{"A", "A", "", false},
		{"=C:=C:\\work", "", "C:=C:\\work", true},
		{"=C:", "", "C:", true},
	}
	for _, tt := range tests {
		key, value, set := Cut(tt.s)
		if key != tt.key || value != tt.value || set != tt.set {
			t.Errorf("Cut(%q) = %q, %q, %v; want %q, %q, %v", tt.s, key, value, set, tt.key, tt.value, tt.set)
		}
	}
}

// Outside of Windows a key never starts with '=' (see
// TestParseWindowsHiddenVariables for Windows' rule).
func TestParseEmptyKey(t *testing.T) {
	_, err := Parse(strings.NewReader("=1\n"), "vars.env")
	if err == nil || !strings.HasPrefix(err.Error(), "vars.env:1: a key is empty") {
		t.Errorf("error = %v, want one starting with %q", err, "vars.env:1: a key is empty")
	}
}
