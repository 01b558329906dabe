//go:build !linux

package main

import (
	"os"
	"runtime"
)

// terminal is procman's controlling terminal; procman acts for its command
// as a shell does for a job only on Linux (see terminal_linux.go).
type terminal struct{ pgrp int }

func openTerminal() *terminal { return nil }

func (t *terminal) inForeground() bool   { return false }
func (t *terminal) foregroundGroup() int { return 0 }
func (t *terminal) suspendJob()          {}
func (t *terminal) resumeJob(int)        {}
func (t *terminal) restore()             {}
func (t *terminal) gave(int)             {}

func processStopped(int) bool { return false }

// jobControl says whether procman acts for its command as a shell does for
// a job: only on Linux.
const jobControl = false

// commandStdin is the command's stdin: procman's own, but for a terminal
// outside Windows, where the command would run in the background of the
// terminal (see WithForeground): nil, /dev/null.
func commandStdin() *os.File {
	if runtime.GOOS != "windows" && isTerminal(os.Stdin) {
		return nil
	}
	return os.Stdin
}
