package sdk

import (
	"strings"
	"testing"
)

func TestValidateEnvVar(t *testing.T) {
	accepted := []struct{ key, value string }{
		{"PATH", "/usr/bin:/bin"},
		{"npm_config_cache", "/tmp/npm"},
		{"ProgramFiles(x86)", `C:\Program Files (x86)`},
		{"BASH_FUNC_greet%%", "() {  echo hi\n}"}, // a value may span lines
		{"spring.profiles.active", "dev"},
		{"my-var", ""},
		{"1ST", "x"},
		{"ÉTÉ", "chaud"},
		{"CERT", "-----BEGIN-----\r\nAAAA\r\n-----END-----\r\n"},
		{"BYTES", "\xff\xfe"}, // a value need not be UTF-8
	}
	for _, tt := range accepted {
		if err := ValidateEnvVar(tt.key, tt.value); err != nil {
			t.Errorf("ValidateEnvVar(%q, %q) = %v, want nil", tt.key, tt.value, err)
		}
	}
	rejected := []struct {
		name, key, value string
		reason           string // the whole error
	}{
		{"empty key", "", "1", `a key is empty`},
		{"=", "A=B", "1", `key "A=B" contains '='`},
		{"NUL in key", "A\x00B", "1", `key "A\x00B" contains a NUL byte`},
		{"newline forging another variable", "NL\nX", "3", `key "NL\nX" contains white space`},
		{"space", "A B", "1", `key "A B" contains white space`},
		{"tab", "A\tB", "1", `key "A\tB" contains white space`},
		{"trailing space", "A ", "1", `key "A " contains white space`},
		{"carriage return", "A\r", "1", `key "A\r" contains white space`},
		{"no-break space", "A\u00a0B", "1", `key "A\u00a0B" contains white space`},
		{"line separator", "A\u2028B", "1", `key "A\u2028B" contains white space`},
		{"escape", "A\x1bB", "1", `key "A\x1bB" contains a control character`},
		{"delete", "A\x7f", "1", `key "A\x7f" contains a control character`},
		{"C1 control", "A\u0090", "1", `key "A\u0090" contains a control character`},
		{"byte-order mark", "\ufeffA", "1", `key "\ufeffA" contains U+FEFF, which is not a letter, mark, number, punctuation or symbol`},
		{"zero-width space", "A\u200bB", "1", `key "A\u200bB" contains U+200B, which is not a letter, mark, number, punctuation or symbol`},
		{"not UTF-8", "K\xc3", "1", `key "K\xc3" is not valid UTF-8`},
		{"NUL in value", "A", "1\x002", `value of "A" contains a NUL byte`},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEnvVar(tt.key, tt.value)
			if err == nil || err.Error() != tt.reason {
				t.Errorf("ValidateEnvVar(%q, %q) = %v, want %s", tt.key, tt.value, err, tt.reason)
			}
			if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q spans more than one line", err)
			}
		})
	}
}
