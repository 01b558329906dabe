//go:build linux

package host_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// The programs the tests start: internal/testchild, internal/testplugin and
// internal/testembed.
var testchild, testplugin, testembed string

func TestMain(m *testing.M) {
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testchild, err = proctest.TestChild(dir)
	if err == nil {
		testplugin, err = proctest.TestPlugin(dir)
	}
	if err == nil {
		testembed, err = proctest.TestEmbed(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// The reaper is shared by the whole program and watched for as long
		// as it runs.
		if err := findLeaks(ignoreReaper); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// newManager returns a Manager closed at the end of the test, with signal
// handling off (the test binary's own signals are not the tests' business)
// and the given options after the defaults.
func newManager(t *testing.T, opts ...host.Option) *host.Manager {
	t.Helper()
	opts = append([]host.Option{
		host.WithSignalHandling(false),
		host.WithLogger(hclog.NewNullLogger()),
		host.WithStopGracePeriod(5 * time.Second),
		host.WithPluginSearchPath("", ""), // no plugin unless a test asks
	}, opts...)
	m := host.New(opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

// child returns a config that runs testchild in mode with args, plus the
// test's marker, in a fresh directory, with a small explicit environment.
func child(t testing.TB, marker, mode string, args ...string) sdk.ProcessConfig {
	return sdk.ProcessConfig{
		Command: testchild,
		Args:    append(append([]string{mode}, args...), marker),
		Dir:     t.TempDir(),
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	}
}

func start(t *testing.T, m *host.Manager, cfg sdk.ProcessConfig, opts ...host.StartOption) (host.Handle, host.Status) {
	t.Helper()
	h, err := m.Start(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	st, err := m.Status(h)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	// A short-lived child may already have ended.
	if st.State == host.Starting || st.State == host.Failed || st.PID <= 0 {
		t.Fatalf("status after Start = %v, want started with a pid", st)
	}
	return h, st
}

func wait(t *testing.T, m *host.Manager, h host.Handle) host.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := m.Wait(ctx, h)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return st
}

func stop(t *testing.T, m *host.Manager, h host.Handle) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Stop(ctx, h); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}
