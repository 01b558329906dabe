//go:build !windows

package envfile

import "strings"

// Cut splits KEY=VALUE at its first '='; set is false when there is none
// (a KEY alone).
func Cut(s string) (key, value string, set bool) {
	return strings.Cut(s, "=")
}
