//go:build linux

// Command testembed is a program that embeds host as a user would, with the
// default options plus plugin discovery, for tests of what happens when such
// a program is signalled or killed. It starts the processes its arguments describe (each
// argument is a testchild command line, split on spaces, with
// $PROCMAN_MARKER appended), prints "ready" and waits to be signalled.
//
//	testembed GRACE TESTCHILD "tree 3" "tree-ignore-term 2"
//
// PROCMAN_TEST_CONTAINMENT forces a containment mechanism. With
// PROCMAN_TEST_SIGNALS set, the Manager handles signals (WithSignalHandling).
// With PROCMAN_TEST_OWN_HANDLER set, the program also listens for SIGINT,
// SIGTERM and SIGHUP itself, from before New: at the first it prints
// "handler got SIGNAL", takes 1 s to clean up, prints "cleanup done" and
// exits with status 7. With
// PROCMAN_TEST_CHURN set, after "ready" it goes on starting and stopping
// the same processes as fast as it can, so that a kill finds it at a
// random moment of a spawn or a stop. With PROCMAN_TEST_EXIT_ON_INPUT set,
// it exits (status 0, without closing the Manager, as a program that
// returns from main does) once a line or end of file reaches its stdin.
// With PROCMAN_TEST_FILL set, after "ready" it starts the first command
// line again and again until a Start fails, prints "failed after N: ERROR",
// closes the Manager and exits with status 3.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

func main() {
	grace, err := time.ParseDuration(os.Args[1])
	if err != nil {
		fail(err)
	}
	if os.Getenv("PROCMAN_TEST_OWN_HANDLER") != "" {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			fmt.Println("handler got", <-sigs)
			time.Sleep(time.Second)
			fmt.Println("cleanup done")
			os.Exit(7)
		}()
	}
	opts := []host.Option{host.WithStopGracePeriod(grace), host.WithPluginDiscovery(true)}
	if os.Getenv("PROCMAN_TEST_SIGNALS") != "" {
		opts = append(opts, host.WithSignalHandling(true))
	}
	if name := os.Getenv("PROCMAN_TEST_CONTAINMENT"); name != "" {
		mech, err := host.ParseMechanism(name)
		if err != nil {
			fail(err)
		}
		opts = append(opts, host.WithContainment(mech))
	}
	m := host.New(opts...)
	startAll := func() []host.Handle {
		var handles []host.Handle
		for _, line := range os.Args[3:] {
			cfg := sdk.ProcessConfig{
				Command: os.Args[2],
				Args:    append(strings.Fields(line), os.Getenv("PROCMAN_MARKER")),
			}
			h, err := m.Start(context.Background(), cfg)
			if err != nil {
				fail(err)
			}
			handles = append(handles, h)
		}
		return handles
	}
	startAll()
	c, err := m.Containment()
	if err != nil {
		fail(err)
	}
	fmt.Println("ready", c.Mechanism)
	if os.Getenv("PROCMAN_TEST_FILL") != "" {
		for n := 0; ; n++ {
			if _, err := m.Start(context.Background(), sdk.ProcessConfig{
				Command: os.Args[2],
				Args:    append(strings.Fields(os.Args[3]), os.Getenv("PROCMAN_MARKER")),
			}); err != nil {
				fmt.Printf("failed after %d: %v\n", n, err)
				m.Close(context.Background())
				os.Exit(3)
			}
		}
	}
	if os.Getenv("PROCMAN_TEST_EXIT_ON_INPUT") != "" {
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}
	if os.Getenv("PROCMAN_TEST_CHURN") == "" {
		time.Sleep(time.Hour)
		return
	}
	for {
		for _, h := range startAll() {
			go m.Stop(context.Background(), h)
		}
		time.Sleep(time.Millisecond)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "testembed:", err)
	os.Exit(1)
}
