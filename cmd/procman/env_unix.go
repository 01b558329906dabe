//go:build unix

package main

// baselineKeys are the variables the command gets from procman's own
// environment unless --clean-env is given: enough for a program to find its
// user, its tools and its language, and nothing that might be a secret, as
// sudo's env_reset does.
var baselineKeys = []string{"HOME", "USER", "LOGNAME", "PATH", "LANG", "TERM"}
