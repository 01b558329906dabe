package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
	"go.uber.org/goleak"
)

// newManager returns a Manager closed at the end of the test, with signal
// handling off (the test binary's own signals are not the tests' business)
// and the given options after the defaults.
func newManager(t *testing.T, opts ...host.Option) *host.Manager {
	t.Helper()
	opts = append([]host.Option{
		host.WithLogger(hclog.NewNullLogger()),
		host.WithStopGracePeriod(5 * time.Second),
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

// findLeaks is goleak.Find with time for the goroutines to end that a
// loaded machine has not run yet: goleak's own retries last less than a
// second.
func findLeaks(opts ...goleak.Option) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := goleak.Find(opts...)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor waits until cond holds, failing the test after 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
