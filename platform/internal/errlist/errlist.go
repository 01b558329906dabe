// Package errlist reports several failures as one error on one line.
package errlist

import "strings"

// List is several errors reported on one line, separated by "; ", each
// seen by errors.Is and errors.As. Unlike errors.Join, it never breaks a
// message across lines.
type List []error

func (l List) Error() string {
	msgs := make([]string, len(l))
	for i, err := range l {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (l List) Unwrap() []error { return l }
