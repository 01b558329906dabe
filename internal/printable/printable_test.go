package printable

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		`read "v1" from a file`:   `read "v1" from a file`,
		`C:\Users\me`:             `C:\Users\me`,
		"tab\tkept":               "tab\tkept",
		"colour \x1b[31mred":      `"colour \x1b[31mred"`,
		"title \x1b]0;x\a":        `"title \x1b]0;x\a"`,
		"two\nlines":              `"two\nlines"`,
		"carriage\rreturn":        `"carriage\rreturn"`,
		"bad \xff byte":           `"bad \xff byte"`,
		"bidi \u202e txet":        `"bidi \u202e txet"`,
		"separator \u2028 inside": `"separator \u2028 inside"`,
		"plain ünicode ✓":         "plain ünicode ✓",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %s, want %s", in, got, want)
		}
	}
}
