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
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/discovery"
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
//
// Each launch checks the file again with discovery.Open and executes the
// file it checked; a file it refuses is an error wrapping a
// *discovery.RefusedError.
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
	// A plugin must not ptrace the host or read its environment.
	if err := platform.ProtectHost(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	// Checked at each launch, and run through the descriptor checked: a
	// file swapped in since discovery, or since the check, never runs.
	exe, err := discovery.Open(e.path)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	// The child has started, or failed to, once dispense returns.
	defer func() { exe.Close() }()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close() // the child has its own copy
	cmd := &exec.Cmd{
		Args:       []string{e.path}, // its own path, not the descriptor's
		ExtraFiles: []*os.File{r},    // fd 3
		Env: []string{
			sdk.EnvLifeline + "=3",
			plugin.EnvUnixSocketDir + "=" + e.socketDir,
		},
		Dir: e.socketDir,
	}
	if exe, err = prepare(cmd, exe); err != nil {
		w.Close()
		return nil, fmt.Errorf("start: %w", err)
	}
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
		Logger:           stderrNamed{e.logger, filepath.Base(cmd.Path), filepath.Base(e.path)},
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

// prepare sets cmd up to run exe, the checked plugin file, with no
// descriptor of the host but its own (0, 1, 2 and its lifeline), whatever
// other goroutines or C code of the host open meanwhile: through
// procman-init's exec mode (platform.PrepareCommand). Where procman-init
// cannot run, the host's descriptors are marked close-on-exec first, which
// misses one opened between that and the fork. It returns the file to keep
// open until cmd has started.
func prepare(cmd *exec.Cmd, exe *os.File) (*os.File, error) {
	err := platform.PrepareCommand(cmd, exe)
	if !errors.Is(err, errors.ErrUnsupported) {
		return exe, err
	}
	if err := platform.CloseOnExecAbove2(); err != nil {
		return exe, err
	}
	exe, cmd.Path, err = execPath(exe, 3+len(cmd.ExtraFiles))
	return exe, err
}

// stderrNamed is a plugin's logger as go-plugin gets it. go-plugin names
// the logger of a plugin's stderr after the file name of the path it
// executes, the descriptor's number here; stderrNamed names it after the
// plugin's file instead.
type stderrNamed struct {
	hclog.Logger
	execName, fileName string
}

func (l stderrNamed) Named(name string) hclog.Logger {
	if name == l.execName {
		name = l.fileName
	}
	return l.Logger.Named(name)
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
