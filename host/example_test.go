//go:build linux

package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// The child gets exactly the environment in its config: a bare command name
// is looked up in that PATH, never in the host's.
func ExampleManager_Start() {
	m := host.New()
	defer m.Close(context.Background())

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	h, err := m.Start(context.Background(), sdk.ProcessConfig{
		Command: "sh",
		Args:    []string{"-c", `echo "hello from $GREETER"; echo "to the same file" >&2`},
		Dir:     dir,
		Env:     map[string]string{"PATH": "/usr/bin:/bin", "GREETER": "procman"},
		LogFile: "out.log", // relative to Dir
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.Wait(context.Background(), h)
	out, _ := os.ReadFile(filepath.Join(dir, "out.log"))
	fmt.Print(string(out))
	// Output:
	// hello from procman
	// to the same file
}

// Stop sends SIGTERM to the whole process tree and, after the grace period,
// SIGKILL to whatever is left. It returns when the tree is gone.
func ExampleManager_Stop() {
	m := host.New()
	defer m.Close(context.Background())

	h, err := m.Start(context.Background(), sdk.ProcessConfig{
		Command: "sh",
		Args:    []string{"-c", "sleep 600 & sleep 600"},
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Stop(context.Background(), h); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := m.Status(h)
	fmt.Println(st)
	// Output: terminated by signal 15 (terminated)
}

// Wait returns the final status: the exit code, or the signal that ended
// the process.
func ExampleManager_Wait() {
	m := host.New()
	defer m.Close(context.Background())

	h, err := m.Start(context.Background(), sdk.ProcessConfig{
		Command: "/bin/sh",
		Args:    []string{"-c", "exit 3"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := m.Wait(context.Background(), h)
	fmt.Println(st.State, st.ExitCode)
	// Output: exited 3
}

// Validation errors name the field and the reason, and match
// sdk.ErrInvalidConfig.
func ExampleManager_Start_invalidConfig() {
	m := host.New()
	defer m.Close(context.Background())

	_, err := m.Start(context.Background(), sdk.ProcessConfig{
		Command: "node",
		Env:     map[string]string{"PATH": "/nonexistent"},
	})
	fmt.Println(err)
	// Output: invalid config: Command: "node" not found in PATH "/nonexistent"
}

// A restart policy built on Events: one loop, no goroutine per process.
// The program fails twice (a counter in a file), then succeeds; every
// failure is started again, a requested stop or a success is not.
func ExampleManager_Events() {
	m := host.New()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	cfg := sdk.ProcessConfig{
		Command: "sh",
		Args:    []string{"-c", `n=$(cat runs 2>/dev/null || echo 0); echo $((n+1)) > runs; [ $n -ge 2 ]`},
		Dir:     dir,
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	}

	ctx := context.Background()
	events := m.Events(ctx) // before Start, to see every event
	if _, err := m.Start(ctx, cfg); err != nil {
		fmt.Println(err)
		return
	}
	for ev := range events {
		switch ev.Kind {
		case host.EventExited, host.EventTerminated:
			fmt.Println(ev.Kind, ev.Status.ExitCode)
			m.Forget(ev.Handle)
			if ev.Status.ExitCode == 0 || ev.Status.StopRequested {
				m.Close(ctx) // the loop ends once the Manager is closed
				continue
			}
			if _, err := m.Start(ctx, cfg); err != nil {
				fmt.Println(err)
				m.Close(ctx)
			}
		}
	}
	// Output:
	// exited 1
	// exited 1
	// exited 0
}
