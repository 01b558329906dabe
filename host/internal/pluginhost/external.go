//go:build !procman_lean

// Package pluginhost runs plugin executables for the host: it launches
// them with go-plugin, each in a contained tree of its own as the host's
// commands are, keeps them for reuse, relaunches them after a crash, and
// kills them with whatever they started.
package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/discovery"
	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// External is one plugin executable. It is safe for concurrent use.
type External struct {
	path      string
	socketDir string                   // host-owned directory for the plugin's socket; "" on Windows
	spawner   func() *platform.Spawner // what contains each plugin process's tree, as of its launch; nil: a process group with a lifeline
	logger    hclog.Logger

	// mu guards client, runner, impl and closed: one plugin process at a
	// time.
	mu     sync.Mutex
	client *plugin.Client
	runner *treeRunner
	impl   sdk.Plugin
	closed bool

	kills sync.WaitGroup // background cleanups of ended processes
}

// NewExternal describes the plugin at path. Nothing runs until Plugin is
// called. socketDir must exist and be writable only by the host's user; on
// Windows, where go-plugin has plugins listen on loopback TCP, it is "".
//
// spawner, when it returns a Spawner stronger than unguarded process
// groups at a launch, has that plugin process started as commands are, in a tree of its own
// that ends with the plugin, whenever the plugin is killed, exits or the
// host dies (on macOS, process groups with the reaper). Otherwise the
// plugin is a direct child of the host in a process group of its own,
// which it exits when the host dies (pluginwire.EnvLifeline); what it starts in
// that group ends with it, what leaves the group does not. On Windows
// every plugin process is in a job of its own either way.
func NewExternal(path, socketDir string, spawner func() *platform.Spawner, logger hclog.Logger) *External {
	return &External{path: path, socketDir: socketDir, spawner: spawner, logger: logger}
}

// treeSpawner returns the Spawner that contains the next plugin process,
// or nil when it is to be started alone.
func (e *External) treeSpawner() *platform.Spawner {
	if e.spawner == nil {
		return nil
	}
	s := e.spawner()
	if s == nil {
		return nil
	}
	if m, guarded := s.Mechanism(); m == platform.ProcessGroup && !guarded {
		return nil // nothing outlives the host to end the tree: the same, plus a lifeline
	}
	return s
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
	// Checked at each launch, and run through the descriptor checked: a
	// file swapped in since discovery, or since the check, never runs.
	exe, err := discovery.Open(e.path)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	// The plugin has started, or failed to, once dispense returns.
	defer exe.Close()
	startTimeout := time.Minute
	if deadline, ok := ctx.Deadline(); ok {
		startTimeout = time.Until(deadline)
	}
	r := newTreeRunner(e.treeSpawner(), exe, e.path, e.socketDir)
	// Under the name go-plugin logs the plugin's stderr lines with.
	logger := e.logger.Named(filepath.Base(e.path))
	glue := pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]().GRPC
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  glue.Handshake,
		VersionedPlugins: glue.ClientPlugins(),
		RunnerFunc:       r.runnerFunc,
		// Where go-plugin makes a directory for the plugin's socket,
		// which the runner replaces with socketDir itself (on Windows,
		// where it is in the temporary directory, with nothing).
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: e.socketDir},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     startTimeout,
		Logger:           demoting{e.logger},
		SkipHostEnv:      true, // never the host's environment, and so its secrets
		// What the plugin writes to os.Stdout and os.Stderr once it
		// serves comes over the connection: each line is logged, stray
		// stdout output as a warning.
		SyncStdout: newLineRelay(logger, hclog.Warn, "stdout"),
		SyncStderr: newLineRelay(logger, hclog.Info, "stderr"),
	})
	e.client, e.runner = client, r
	impl, err := dispense(ctx, client, r, startTimeout)
	if err != nil {
		e.stopLocked(true)
		return nil, err
	}
	e.impl = impl
	return impl, nil
}

// dispense connects, negotiates the protocol and fetches Info under ctx;
// once ctx is done, it kills r, the client's runner, and returns.
func dispense(ctx context.Context, client *plugin.Client, r *treeRunner, timeout time.Duration) (sdk.Plugin, error) {
	type result struct {
		impl sdk.Plugin
		err  error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := client.Client()
		if err != nil {
			done <- result{err: r.startError(err)}
			return
		}
		raw, err := rpc.Dispense(pluginwire.Key)
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
	case res := <-done:
		return res.impl, res.err
	case <-ctx.Done():
		// Killing the plugin, even while it starts, makes the goroutine's
		// calls fail and return.
		r.Kill(context.Background())
		<-done
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("start: the plugin did not start serving within %v, the start timeout: %w", timeout.Round(10*time.Millisecond), ctx.Err())
		}
		return nil, fmt.Errorf("start: %w", ctx.Err())
	}
}

// exitedWait bounds how long a failed start waits to see the plugin
// process end, to say how it ended rather than what go-plugin saw.
const exitedWait = 500 * time.Millisecond

// startError says why the plugin did not start: how it ended, with its
// last lines on stderr, when it exited by itself; else (it runs, or it
// was killed, by go-plugin) go-plugin's error, shortened to its first line
// (the rest is advice about architectures and file modes; for output on
// stdout before the handshake, ours is more to the point).
func (r *treeRunner) startError(err error) error {
	select {
	case <-r.done:
		if r.exit.Signal != 0 || r.exitErr != nil && r.exit == (platform.ExitStatus{}) {
			break // killed, by go-plugin, whose error says why, or not waited for
		}
		// Its tree is gone, and with it every writer of its stderr: the
		// end of stderr is near, if not already read.
		select {
		case <-r.stderrRead:
		case <-time.After(exitedWait):
		}
		msg := fmt.Sprintf("start: the plugin exited with code %d before its handshake", r.exit.Code)
		if tail := r.stderrTail.lines(); len(tail) > 0 {
			msg += "; its last lines on stderr: " + strings.Join(tail, " | ")
		} else {
			msg += ", saying nothing on stderr"
		}
		return errors.New(msg)
	case <-time.After(exitedWait):
	}
	first, _, more := strings.Cut(err.Error(), "\n")
	if msg, ok := versionMismatch(first); ok {
		return errors.New(msg)
	}
	if strings.HasPrefix(first, "Unrecognized remote plugin message") {
		return fmt.Errorf("start: no handshake: the plugin printed %q on stdout (it wrote there before the handshake, failed to start serving, or is no procman plugin)", strings.TrimPrefix(first, "Unrecognized remote plugin message: "))
	}
	if more {
		return fmt.Errorf("start: %s", first)
	}
	return fmt.Errorf("start: %w", err)
}

// versionMismatch says, for go-plugin's error of a plugin that speaks no
// version of the protocol this host speaks ("Incompatible API version with
// plugin. Plugin version: 2, Client versions: [1]", its first letter in
// either case), which side to update.
func versionMismatch(msg string) (string, bool) {
	_, rest, ok := strings.Cut(msg, "ncompatible API version with plugin. Plugin version: ")
	if !ok {
		return "", false
	}
	v, err := strconv.Atoi(strings.TrimSpace(strings.Split(rest, ",")[0]))
	if err != nil {
		return "", false
	}
	speaks := fmt.Sprintf("%d", sdk.ProtocolVersion)
	if sdk.MinProtocolVersion != sdk.ProtocolVersion {
		speaks = fmt.Sprintf("%d to %d", sdk.MinProtocolVersion, sdk.ProtocolVersion)
	}
	if v > sdk.ProtocolVersion {
		return fmt.Sprintf("start: the plugin speaks protocol version %d, newer than this procman, which speaks %s: upgrade procman (or use a release of the plugin built for it)", v, speaks), true
	}
	return fmt.Sprintf("start: the plugin speaks protocol version %d, older than this procman, which speaks %s: rebuild the plugin with a current procman SDK", v, speaks), true
}

// demoting is the logger go-plugin logs through: what it reports at Warn
// or Error of a plugin's end, which procman reports itself in its words
// (a failed start, a crash during a call), or of a kill procman asked
// for, goes to Debug.
type demoting struct{ hclog.Logger }

// demoted are the messages of go-plugin that demoting sends to Debug.
var demoted = []string{"plugin failed to exit gracefully", "plugin process exited", "error closing client during Kill"}

func (l demoting) Log(level hclog.Level, msg string, args ...any) {
	if level > hclog.Debug && slices.Contains(demoted, msg) {
		level = hclog.Debug
	}
	l.Logger.Log(level, msg, args...)
}

func (l demoting) Warn(msg string, args ...any)  { l.Log(hclog.Warn, msg, args...) }
func (l demoting) Error(msg string, args ...any) { l.Log(hclog.Error, msg, args...) }

func (l demoting) Named(name string) hclog.Logger      { return demoting{l.Logger.Named(name)} }
func (l demoting) ResetNamed(name string) hclog.Logger { return demoting{l.Logger.ResetNamed(name)} }
func (l demoting) With(args ...any) hclog.Logger       { return demoting{l.Logger.With(args...)} }

// Kill ends the plugin process and everything it started at once, without
// waiting for it to wind down: a plugin that missed a deadline may be
// stuck. The next call of Plugin launches a new one.
func (e *External) Kill() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(true)
}

// stopLocked ends the current process, if any, and its tree: by SIGKILL
// when force is set, else by closing its connection, on which a plugin
// exits by itself (go-plugin kills it after 2 s if it does not), and what
// it leaves in its tree is killed. go-plugin cleans up its connections and
// socket in the background.
func (e *External) stopLocked(force bool) {
	if e.client == nil {
		return
	}
	if force {
		e.runner.Kill(context.Background())
	}
	e.kills.Go(e.client.Kill)
	e.client, e.runner, e.impl = nil, nil, nil
}

// Stop ends the plugin process gracefully, as Close does, without
// waiting; the next call of Plugin launches a new one.
func (e *External) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(false)
}

// Close ends the plugin process gracefully and waits until it, its tree
// and its connections are gone. Plugin fails after Close.
func (e *External) Close() {
	e.mu.Lock()
	e.closed = true
	e.stopLocked(false)
	e.mu.Unlock()
	e.kills.Wait()
}

// ErrClosed is returned by Plugin after Close.
var ErrClosed = errors.New("plugin host is closed")

// Exited reports whether the last plugin process has ended, and its tree
// is gone.
func (e *External) Exited() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client == nil || e.client.Exited()
}
