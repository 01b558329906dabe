//go:build unix

package main

import "strings"

// baselineKeys are the variables the command gets from procman's own
// environment unless --clean-env is given: enough for a program to find its
// user, its tools and its language, and nothing that might be a secret, as
// sudo's env_reset does.
var baselineKeys = []string{"HOME", "USER", "LOGNAME", "PATH", "LANG", "TERM"}

// cutVar splits KEY=VALUE at its first '='; set is false when there is
// none (a KEY alone).
func cutVar(s string) (key, value string, set bool) {
	return strings.Cut(s, "=")
}
