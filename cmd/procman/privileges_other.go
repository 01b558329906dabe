//go:build !linux

package main

import "flag"

// privilegesHelp is empty: the flags of who COMMAND runs as and what it
// may use are Linux's only.
const privilegesHelp = ""

func definePrivilegeFlags(*flag.FlagSet, *runOptions) {}

func (o runOptions) accountEnv(lookupEnv func(string) (string, bool)) func(string) (string, bool) {
	return lookupEnv
}
