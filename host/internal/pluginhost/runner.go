//go:build !procman_lean

package pluginhost

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"
	"github.com/procman-dev/procman/platform"
)

// treeRunner is go-plugin's runner for one launch of a plugin: it starts
// the plugin's checked file in a tree of its own, contained as the host's
// commands are, so that whatever the plugin starts — daemons that setsid
// and double-fork included — ends with it: when it is killed, when it
// exits, and when the host dies.
//
// go-plugin calls Start once, then, from goroutines of its own, Stdout,
// Stderr, Wait, Kill and ID; Kill may also come from the External, at any
// time.
type treeRunner struct {
	// spawner contains the tree (see External.spawner); nil: the plugin
	// starts as startAlone says.
	spawner   *platform.Spawner
	program   string   // what is executed: the checked file (see programPath)
	name      string   // the plugin's path: its argv[0], and its name in go-plugin's logs
	socketDir string   // the directory of its socket; "" on Windows (see listenEnv)
	dir       string   // its working directory (see workDir)
	env       []string // its whole environment, as go-plugin made it

	stdout, stderr *os.File            // read ends, go-plugin's from Start on
	stderrTail     *tail               // the last lines of stderr, as go-plugin reads them
	stderrRead     chan struct{}       // closed once go-plugin has read stderr to its end
	lifeline       *os.File            // write end of the lifeline, without a spawner; nil on Windows
	done           chan struct{}       // closed by watch once the tree is gone and released
	exitErr        error               // how the plugin ended, once done
	exit           platform.ExitStatus // its exit status, once done

	// mu guards proc, killed and released: Kill may come during Start, and
	// must not signal a released tree, whose pids may be reused.
	mu       sync.Mutex
	proc     *platform.Process
	killed   bool
	released bool
}

var _ runner.Runner = (*treeRunner)(nil)

func newTreeRunner(spawner *platform.Spawner, exe *os.File, name, socketDir string) *treeRunner {
	return &treeRunner{
		spawner:    spawner,
		program:    programPath(exe),
		name:       name,
		socketDir:  socketDir,
		dir:        workDir(name, socketDir),
		done:       make(chan struct{}),
		stderrTail: newTail(),
		stderrRead: make(chan struct{}),
	}
}

// runnerFunc is the ClientConfig.RunnerFunc that hands r to go-plugin. The
// environment of cmd is all r takes from it: the handshake's cookie and
// versions and where the plugin listens, and nothing of the host's
// (ClientConfig.SkipHostEnv; see listenEnv for what is added on
// Windows). Its Path, Args and Dir are go-plugin's placeholders, there
// being no ClientConfig.Cmd.
//
// go-plugin has made socketDir, in r's socket directory, for the plugin's
// socket; the socket goes in r's socket directory itself instead, whose
// files the reaper removes should the host die, but not its
// subdirectories: socketDir is removed (go-plugin's own removal of it, once
// the plugin is gone, finds nothing).
func (r *treeRunner) runnerFunc(_ hclog.Logger, cmd *exec.Cmd, socketDir string) (runner.Runner, error) {
	if err := os.Remove(socketDir); err != nil {
		return nil, err
	}
	r.env = listenEnv(cmd.Env, r.socketDir)
	return r, nil
}

// Start starts the plugin, its stdin /dev/null and its stdout and stderr
// pipes to go-plugin. ctx bounds the start under a spawner.
func (r *treeRunner) Start(ctx context.Context) error {
	devNull, err := platform.DevNull()
	if err != nil {
		return err
	}
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer stdoutW.Close() // the plugin has its own copy
	stderr, stderrW, err := os.Pipe()
	if err != nil {
		stdout.Close()
		return err
	}
	defer stderrW.Close()
	spec := platform.Spec{
		Path:   r.program,
		Args:   []string{r.name}, // its own path, not the descriptor's
		Dir:    r.dir,
		Env:    r.env,
		Stdin:  devNull,
		Stdout: stdoutW,
		Stderr: stderrW,
	}
	proc, err := r.start(ctx, spec)
	if err != nil {
		stdout.Close()
		stderr.Close()
		return err
	}
	r.stdout, r.stderr = stdout, stderr
	r.mu.Lock()
	r.proc = proc
	killed := r.killed
	r.mu.Unlock()
	if killed { // during the start
		proc.SignalTree(syscall.SIGKILL)
	}
	go r.watch()
	return nil
}

// start starts spec: under the spawner, whose procman-init passes the
// plugin only descriptors 0, 1 and 2 and whose containment ends the tree
// when the host dies; without one, as startAlone says.
func (r *treeRunner) start(ctx context.Context, spec platform.Spec) (*platform.Process, error) {
	if r.spawner != nil {
		return r.spawner.Start(ctx, spec)
	}
	proc, lifeline, err := startAlone(spec)
	if err != nil {
		return nil, err
	}
	r.lifeline = lifeline
	return proc, nil
}

// watch waits for the plugin to end, then kills what it left in its tree,
// waits for the tree to be gone and releases it.
func (r *treeRunner) watch() {
	defer close(r.done)
	status, err := r.proc.Wait()
	r.exit = status
	switch {
	case err != nil:
		r.exitErr = fmt.Errorf("wait for the plugin: %w", err)
	case status != platform.ExitStatus{}:
		r.exitErr = fmt.Errorf("plugin %v", status)
	}
	// Whatever the plugin started is of no use without it, and a plugin
	// closed gracefully ends here too.
	r.mu.Lock()
	r.proc.SignalTree(syscall.SIGKILL)
	r.mu.Unlock()
	<-r.proc.Gone()
	r.mu.Lock()
	r.released = true
	r.mu.Unlock()
	r.proc.Release()
	if r.lifeline != nil {
		r.lifeline.Close()
	}
}

// Wait waits until the plugin has ended and its tree is gone, and says
// how it ended. go-plugin calls it once it has read the plugin's stdout
// and stderr to their end, and it closes them.
func (r *treeRunner) Wait(ctx context.Context) error {
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.stdout.Close()
	r.stderr.Close()
	return r.exitErr
}

// Kill ends the plugin's whole tree with SIGKILL, at once, or as soon as
// it has started when a Start is under way; it does not wait (see Wait).
// Killing a tree that is gone is not an error.
func (r *treeRunner) Kill(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.killed = true
	if r.proc == nil || r.released {
		return nil
	}
	return r.proc.SignalTree(syscall.SIGKILL)
}

// Stdout is the plugin's stdout, on which it speaks the handshake.
func (r *treeRunner) Stdout() io.ReadCloser { return r.stdout }

// Stderr is the plugin's stderr, which go-plugin logs. What go-plugin
// reads goes to r's tail as it is read, and r.stderrRead is closed at its
// end: the tail then holds every line, which it would not if it were fed
// by go-plugin's copy, whose last write may come after the plugin's end
// is seen.
func (r *treeRunner) Stderr() io.ReadCloser {
	return &tailReader{File: r.stderr, tail: r.stderrTail, end: r.stderrRead}
}

// A tailReader is a stream that also gives what is read from it to a
// tail, and closes end once a read fails (at end of file, or once
// closed).
type tailReader struct {
	*os.File
	tail *tail
	end  chan struct{}
	once sync.Once
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.File.Read(p)
	t.tail.Write(p[:n])
	if err != nil {
		t.once.Do(func() { close(t.end) })
	}
	return n, err
}

// Name is the plugin's path, after whose file go-plugin names the logger
// of its stderr.
func (r *treeRunner) Name() string { return r.name }

// ID is the plugin's pid, once started.
func (r *treeRunner) ID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return ""
	}
	return strconv.Itoa(r.proc.Pid)
}

// Diagnose adds nothing to go-plugin's account of a failed handshake:
// startError keeps only its first line.
func (r *treeRunner) Diagnose(context.Context) string { return "" }

// PluginToHost returns the plugin's address as it is: the plugin shares
// the host's network and file system.
func (r *treeRunner) PluginToHost(network, address string) (string, string, error) {
	return network, address, nil
}

// HostToPlugin returns the host's address as it is.
func (r *treeRunner) HostToPlugin(network, address string) (string, string, error) {
	return network, address, nil
}
