//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/procman-dev/procman/discovery"
)

// grpcBuild is the file name of procman built with gRPC, which a lean
// procman (built with the procman_lean tag, as make builds bin/procman)
// hands over to when a plugin executable is to run: gRPC, which only plugin
// executables need, doubles the time a procman takes to start.
const grpcBuild = "procman-grpc"

// handOver replaces this process by procman-grpc, found next to this
// program's executable, run with the same arguments and environment, when
// this build is lean, plugins are on, and discovery finds a plugin
// executable that only (nil: all) lets run. It returns when it does not:
// a build with gRPC, no such plugin, or no procman-grpc to run, in which
// case the host reports each plugin executable as not run, and why. none
// reports that it looked and found no plugin executable to run: the host
// need not look again.
func handOver(plugins bool, only []string) (none bool) {
	if !leanBuild || !plugins {
		return false
	}
	found := discovery.Find(os.Getenv(discovery.EnvPluginPath), os.Getenv("PATH"))
	if !slices.ContainsFunc(found.Plugins(), func(c discovery.Candidate) bool {
		return only == nil || slices.Contains(only, c.Name)
	}) {
		return true
	}
	execFull()
	return false
}

// execFull replaces this process by procman-grpc, found next to this
// program's executable, run with the same arguments and environment. It
// returns only when it cannot, and says why.
func execFull() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	full := filepath.Join(filepath.Dir(self), grpcBuild)
	err = syscall.Exec(full, append([]string{full}, os.Args[1:]...), os.Environ())
	return &os.PathError{Op: "exec", Path: full, Err: err}
}
