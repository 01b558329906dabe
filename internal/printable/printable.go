// Package printable shows text that procman did not write itself (a
// plugin's messages, notes and output) so that it cannot act on a
// terminal.
package printable

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// String returns s as it is when it holds nothing a terminal would act on
// or that would hide what follows, and Go-quoted otherwise: control
// characters (a tab aside), escape sequences, line and paragraph
// separators, bidirectional controls, invalid UTF-8. Quotes and
// backslashes alone do not make it quoted.
func String(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return strconv.Quote(s)
		}
	}
	return s
}
