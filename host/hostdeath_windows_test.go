package host_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
	"golang.org/x/sys/windows"

	"github.com/procman-dev/procman/internal/proctest"
)

// runHost is a program that embeds a Manager with the default options but
// for the grace and the plugin search path, pluginDir: it starts the tree
// role, its output this process's, through the plugins chain-a and
// chain-b, announces itself as "host" once it runs, and then, without
// closing the Manager, exits when its stdin ends (how "exit") or waits to
// be killed (how "terminate").
func runHost(how, pluginDir, marker string) {
	m := host.New(
		host.WithStopGracePeriod(testGrace),
		host.WithPluginSearchPath(pluginDir, ""),
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
	)
	exe, _ := os.Executable()
	cfg := sdk.ProcessConfig{
		Command: exe,
		Args:    []string{roleArg, "tree", marker},
		Dir:     os.TempDir(),
		Env:     map[string]string{"SYSTEMROOT": os.Getenv("SYSTEMROOT")},
	}
	h, err := m.Start(context.Background(), cfg, host.WithOutput(os.Stdout, os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(102)
	}
	if used, _ := m.Config(h); used.Env["CHAIN"] != "chain-a,chain-b" {
		report, _ := m.Report(h)
		fmt.Fprintf(os.Stderr, "host: the plugins did not run: %+v\n", report)
		os.Exit(103)
	}
	announce("host")
	switch how {
	case "exit":
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	case "terminate":
		sleepForever()
	}
	os.Exit(104)
}

// TestTreeAndPluginsEndWithHost: however a program that embeds a Manager
// ends — it exits without closing the Manager, or another process ends it
// with TerminateProcess — its tree, detached grandchild included, and its
// plugin processes end with it (their jobs' only handles were the
// program's), and it leaves no directory behind.
func TestTreeAndPluginsEndWithHost(t *testing.T) {
	for _, how := range []string{"exit", "terminate"} {
		t.Run(how, func(t *testing.T) {
			marker := newMarker(t)
			pluginDir := installPlugins(t, "chain-a", "chain-b")
			c, w := proctest.NewChildren(t, deadline)
			cmd := exec.Command(testBinary, roleArg, "host", how, pluginDir, marker)
			cmd.Stdout, cmd.Stderr = w, os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			hostProcess, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
			if err != nil {
				t.Fatal(err)
			}
			defer windows.CloseHandle(hostProcess)
			t.Cleanup(func() {
				windows.TerminateProcess(hostProcess, 1)
				cmd.Wait()
			})

			c.Await(append(treeNames, "host")...)
			plugins := findProcesses(inDir(pluginDir))
			if len(plugins) != 2 {
				t.Fatalf("plugin processes under the host: %v, want chain-a's and chain-b's", plugins)
			}
			for _, pid := range plugins {
				c.Hold("plugin", pid)
			}

			switch how {
			case "exit":
				stdin.Close()
			case "terminate":
				if err := windows.TerminateProcess(hostProcess, 9); err != nil {
					t.Fatal(err)
				}
			}
			if ev, err := windows.WaitForSingleObject(hostProcess, uint32(deadline.Milliseconds())); err != nil || ev != windows.WAIT_OBJECT_0 {
				t.Fatalf("the host did not end: %v %v", ev, err)
			}
			c.AwaitEnded()
			left, _ := filepath.Glob(filepath.Join(os.TempDir(), "procman-"+strconv.Itoa(cmd.Process.Pid)+"-*"))
			if len(left) > 0 {
				t.Errorf("the host left %v behind", left)
			}
		})
	}
}
