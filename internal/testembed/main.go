//go:build linux

// Command testembed is a program that embeds host as a user would, with the
// default options, for tests of what happens when such a program is
// signalled. It starts the processes its arguments describe (each argument
// is a testchild command line, split on spaces, with $PROCMAN_MARKER
// appended), prints "ready" and waits to be signalled.
//
//	testembed GRACE TESTCHILD "tree 3" "tree-ignore-term 2"
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

func main() {
	grace, err := time.ParseDuration(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	m := host.New(host.WithStopGracePeriod(grace))
	for _, line := range os.Args[3:] {
		cfg := sdk.ProcessConfig{
			Command: os.Args[2],
			Args:    append(strings.Fields(line), os.Getenv("PROCMAN_MARKER")),
		}
		if _, err := m.Start(context.Background(), cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
}
