//go:build procman_lean && !windows

package main

import (
	"fmt"
	"os"
)

// A lean procman (built with the procman_lean tag, as make builds
// bin/procman) leaves out procman up and the commands that talk to it: the
// packages they need (a YAML parser, HTTP for probes and, with it, TLS and
// X.509) took half a millisecond to initialize at every start of procman
// run. It hands them over to procman-grpc, the full build, next to it.

func up(args []string) int                 { return runFull("up") }
func ps(args []string) int                 { return runFull("ps") }
func control(op string, args []string) int { return runFull(op) }
func logs(args []string) int               { return runFull("logs") }

// runFull hands the command cmd over to procman-grpc, and returns only when
// it cannot.
func runFull(cmd string) int {
	err := execFull()
	fmt.Fprintf(os.Stderr, "procman %s: this procman is built without it (tag procman_lean), and cannot hand it over to %s: %v\n", cmd, grpcBuild, err)
	return exitFailure
}
