// Package pluginhost runs plugin executables for the host: it launches
// them with go-plugin, keeps them for reuse, relaunches them after a crash,
// and kills them.
package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// External is one plugin executable. It is safe for concurrent use.
type External struct {
	path      string
	logger    hclog.Logger
	socketDir string // host-owned directory for the plugin's socket

	// mu guards client, cmd, impl and lifeline: one plugin process at a time.
	mu       sync.Mutex
	client   *plugin.Client
	cmd      *exec.Cmd
	impl     sdk.Plugin
	lifeline *os.File // write end of the lifeline pipe; the plugin holds the read end
	closed   bool

	kills sync.WaitGroup // background cleanups of killed processes
}

// NewExternal describes the plugin at path. Nothing runs until Plugin is
// called. socketDir must exist and be writable only by the host's user.
func NewExternal(path, socketDir string, logger hclog.Logger) *External {
	return &External{path: path, socketDir: socketDir, logger: logger}
}

// Plugin returns the running plugin, launching it first if it is not
// running (never launched, crashed, or killed). The launch, handshake and
// Info call must finish before ctx is done.
func (e *External) Plugin(ctx context.Context) (sdk.Plugin, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if e.client != nil && !e.client.Exited() {
		return e.impl, nil
	}
	e.stopLocked(true)
	return e.launchLocked(ctx)
}

func (e *External) launchLocked(ctx context.Context) (sdk.Plugin, error) {
	// A plugin gets no descriptor of the host but its lifeline.
	if err := platform.CloseOnExecAbove2(); err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close() // the child has its own copy
	cmd := exec.Command(e.path)
	cmd.ExtraFiles = []*os.File{r} // fd 3
	cmd.Env = []string{
		sdk.EnvLifeline + "=3",
		plugin.EnvUnixSocketDir + "=" + e.socketDir,
	}
	cmd.Dir = e.socketDir
	startTimeout := time.Minute
	if deadline, ok := ctx.Deadline(); ok {
		startTimeout = time.Until(deadline)
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.ClientPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     startTimeout,
		Logger:           e.logger,
		SkipHostEnv:      true, // never the host's environment, and so its secrets
	})
	e.client, e.cmd, e.lifeline = client, cmd, w
	impl, err := dispense(ctx, client)
	if err != nil {
		e.stopLocked(true)
		return nil, err
	}
	e.impl = impl
	return impl, nil
}

// dispense connects, negotiates the protocol and fetches Info under ctx.
func dispense(ctx context.Context, client *plugin.Client) (sdk.Plugin, error) {
	type result struct {
		impl sdk.Plugin
		err  error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := client.Client()
		if err != nil {
			done <- result{err: startError(err)}
			return
		}
		raw, err := rpc.Dispense(sdk.PluginKey)
		if err != nil {
			done <- result{err: fmt.Errorf("dispense: %w", err)}
			return
		}
		impl, ok := raw.(sdk.Plugin)
		if !ok {
			done <- result{err: fmt.Errorf("dispense: got %T, not a plugin", raw)}
			return
		}
		done <- result{impl: impl}
	}()
	select {
	case r := <-done:
		return r.impl, r.err
	case <-ctx.Done():
		// Killing the process makes the goroutine's calls fail and return.
		client.Kill()
		<-done
		return nil, fmt.Errorf("start: %w", ctx.Err())
	}
}

// startError shortens go-plugin's start errors to their first line: the
// rest is advice about architectures and file modes, and for output on
// stdout before the handshake, ours is more to the point.
func startError(err error) error {
	first, _, more := strings.Cut(err.Error(), "\n")
	if strings.HasPrefix(first, "Unrecognized remote plugin message") {
		return fmt.Errorf("start: no handshake: the plugin printed %q on stdout (it wrote there before the handshake, failed to start serving, or is no procman plugin)", strings.TrimPrefix(first, "Unrecognized remote plugin message: "))
	}
	if more {
		return fmt.Errorf("start: %s", first)
	}
	return fmt.Errorf("start: %w", err)
}

// Kill ends the plugin process at once, without waiting for it to wind
// down: a plugin that missed a deadline may be stuck. The next call of
// Plugin launches a new one.
func (e *External) Kill() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(true)
}

// stopLocked ends the current process, if any: by SIGKILL when force is
// set, else by closing its connection, on which a plugin exits by itself
// (go-plugin kills it after 2 s if it does not). go-plugin cleans up its
// connections and socket in the background.
func (e *External) stopLocked(force bool) {
	if e.client == nil {
		return
	}
	if force && e.cmd.Process != nil {
		e.cmd.Process.Kill() // by pidfd: never a recycled pid
	}
	e.kills.Go(e.client.Kill)
	e.lifeline.Close()
	e.client, e.cmd, e.impl, e.lifeline = nil, nil, nil, nil
}

// Close ends the plugin process gracefully and waits until it and its
// connections are gone. Plugin fails after Close.
func (e *External) Close() {
	e.mu.Lock()
	e.closed = true
	e.stopLocked(false)
	e.mu.Unlock()
	e.kills.Wait()
}

// ErrClosed is returned by Plugin after Close.
var ErrClosed = errors.New("plugin host is closed")

// Exited reports whether the last plugin process has ended.
func (e *External) Exited() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client == nil || e.client.Exited()
}
