package host

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultStopGracePeriod is how long Stop waits after the graceful signal
// before it kills a process tree, unless WithStopGracePeriod says otherwise.
const DefaultStopGracePeriod = 10 * time.Second

// MaxStopGracePeriod is the longest stop grace period a Manager takes.
const MaxStopGracePeriod = 24 * time.Hour

// DefaultFinishedRecords is how many records of finished processes a
// Manager keeps unless WithFinishedRecords says otherwise.
const DefaultFinishedRecords = 1000

// An Option configures a Manager in New.
type Option func(*settings)

type settings struct {
	logger          hclog.Logger
	stopGracePeriod time.Duration
	keepFinished    int
	keepFinishedFor time.Duration
	handleSignals   bool
	containment     Mechanism
	minContainment  Mechanism
	plugins         pluginSettings
}

// check reports what in s keeps a Manager from starting anything.
func (s settings) check() error {
	if s.stopGracePeriod > MaxStopGracePeriod {
		return fmt.Errorf("stop grace period %v is longer than the maximum, %v", s.stopGracePeriod, MaxStopGracePeriod)
	}
	return nil
}

func defaultSettings() settings {
	return settings{
		logger: hclog.New(&hclog.LoggerOptions{
			Name:   "procman",
			Level:  hclog.Warn,
			Output: os.Stderr,
		}),
		stopGracePeriod: DefaultStopGracePeriod,
		keepFinished:    DefaultFinishedRecords,
		plugins:         defaultPluginSettings(),
	}
}

// WithLogger makes the Manager log through logger. By default it logs
// warnings and errors to stderr; pass hclog.NewNullLogger() for silence.
func WithLogger(logger hclog.Logger) Option {
	return func(s *settings) { s.logger = logger }
}

// WithStopGracePeriod sets how long Stop and Close wait after the graceful
// signal before they kill what is left of a process tree, and how long the
// tree gets when the program dies without stopping it (on Windows none:
// the system ends it at once). The default is
// DefaultStopGracePeriod; zero kills at once. A period longer than
// MaxStopGracePeriod makes a Manager that starts nothing: New logs why, and
// every Start fails with a *StartError saying so.
func WithStopGracePeriod(d time.Duration) Option {
	return func(s *settings) { s.stopGracePeriod = max(d, 0) }
}

// WithSignalHandling sets whether the Manager handles SIGINT, SIGTERM and
// SIGHUP. It does not by default: a program that does not close its
// Managers on these signals dies by them as it would without procman, and
// its trees end all the same, killed by the procman-inits and the reaper
// (after the grace, for a tree that ignores SIGTERM). With it on, on the
// first of those signals every Manager that handles signals is closed
// (every process stopped gracefully, in parallel); then the signal is
// passed on. A program that listens for it itself (signal.Notify) gets
// it then, a second time, with every process stopped, and ends when it
// chooses; any other program ends as the signal would have ended it. On
// Windows, where a console event cannot be raised again, the program
// then exits with status 128+n whether it listens or not. A signal the
// program was started with ignored (as under nohup) stays ignored.
func WithSignalHandling(on bool) Option {
	return func(s *settings) { s.handleSignals = on }
}

// WithFinishedRecords bounds the records a Manager keeps of processes whose
// tree is gone, which Status, Wait, Config and Report read: at most n of
// them (the oldest are dropped first; a negative n keeps all), each for
// at most maxAge after its tree ended (0: no limit). Once dropped, a
// handle is unknown: ErrNotFound. The default is DefaultFinishedRecords
// and no age limit, so that a Manager starting processes for ever does
// not grow for ever; Forget drops one record at once. Processes still
// running, or still followed as RunningDetached, are never dropped.
func WithFinishedRecords(n int, maxAge time.Duration) Option {
	return func(s *settings) { s.keepFinished, s.keepFinishedFor = n, max(maxAge, 0) }
}

// A StartOption configures one call of Start.
type StartOption func(*startSettings)

type startSettings struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	exitWithMain   bool
	specialLogFile bool // the LogFile may be a FIFO or a character device
	grace          time.Duration
	stopSignal     syscall.Signal
	foreground     bool
}

// check reports what in s keeps Start from starting anything.
func (s startSettings) check() error {
	if s.grace > MaxStopGracePeriod {
		return fmt.Errorf("start: stop grace period %v is longer than the maximum, %v", s.grace, MaxStopGracePeriod)
	}
	if s.stopSignal <= 0 || s.stopSignal == sigStop {
		return fmt.Errorf("start: %v cannot be a stop signal", s.stopSignal)
	}
	return nil
}

// WithStopGrace sets how long Stop and Close wait, after the graceful
// signal, before they kill what is left of this process's tree, instead
// of the Manager's WithStopGracePeriod; zero kills at once. A longer grace
// than MaxStopGracePeriod makes Start fail. Should the host die, the
// procman-inits and the reaper give every tree the Manager's grace: they
// are made ready before the Start that uses them.
func WithStopGrace(d time.Duration) StartOption {
	return func(s *startSettings) { s.grace = max(d, 0) }
}

// WithStopSignal sets the graceful signal that Stop, Close and
// WithExitWithMain send this process's tree, instead of SIGTERM: SIGINT
// for a program that cleans up on Ctrl-C, SIGQUIT for nginx's graceful
// shutdown. StopWithSignal still sends the signal it is given. SIGKILL
// makes every stop a kill; SIGSTOP is refused. On Windows, where a tree
// gets a console event or WM_CLOSE, it is ignored.
func WithStopSignal(sig syscall.Signal) StartOption {
	return func(s *startSettings) { s.stopSignal = sig }
}

// WithExitWithMain makes the process's tree end with the process itself:
// when it exits while processes it started live on, they are stopped (as by
// Stop) instead of being followed as RunningDetached until they end.
func WithExitWithMain() StartOption {
	return func(s *startSettings) { s.exitWithMain = true }
}

// WithOutput sends the child's stdout and stderr to the given writers when
// its config has no LogFile. A nil writer means discarded, which is also
// the default. An *os.File is given to the child as it is: the Manager
// does not close it, and a pipe's reader sees end of file only once the
// child and everything that inherited it are gone. Any other writer is fed
// from a pipe by a goroutine of the Manager, which Wait waits for: once
// Wait returns, everything the tree wrote has been written (unless a
// process outside the tree still held the pipe 2 s after the tree was
// gone). A writer given as both gets the two streams through one pipe,
// in the order they were written, from one goroutine at a time.
//
// Should the host die, the read end of a pipe to it closes: a process
// writing to it gets SIGPIPE (EPIPE if it ignores that) at its next
// write, and the procman-inits and the reaper end the tree as they do
// for any host death. Output to a file, or to a terminal, is not lost
// that way.
func WithOutput(stdout, stderr io.Writer) StartOption {
	return func(s *startSettings) { s.stdout, s.stderr = stdout, stderr }
}

// WithForeground makes the program's process group the foreground process
// group of the terminal that is its stdin (see WithStdin; give it
// os.Stdin), before the program runs, as a shell does for the job it runs:
// the program reads the terminal, takes it to raw mode if it likes, and
// the terminal's Ctrl-C and Ctrl-Z go to it, not to the host. It is for
// a host that stands for its program on a terminal, as procman run does;
// the host gets the terminal back with tcsetpgrp (SIGTTOU blocked) when it
// wants it. Without a controlling terminal on stdin the program runs in
// the background as usual. Linux only: ignored elsewhere.
func WithForeground() StartOption {
	return func(s *startSettings) { s.foreground = true }
}

// WithStdin makes r the child's stdin, instead of /dev/null. An *os.File
// is given to the child as it is (the host's os.Stdin passes its terminal
// or pipe on); any other reader is copied into a pipe by a goroutine of
// the Manager, which closes the pipe at r's end, so that the child sees
// end of file, and stops at r's first read after the tree is gone. Only
// the program's tree reads it: plugins never do.
func WithStdin(r io.Reader) StartOption {
	return func(s *startSettings) { s.stdin = r }
}
