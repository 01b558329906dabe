package host

import (
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultStopGracePeriod is how long Stop waits after the graceful signal
// before it kills a process tree, unless WithStopGracePeriod says otherwise.
const DefaultStopGracePeriod = 10 * time.Second

// MaxStopGracePeriod is the longest stop grace period a Manager takes.
const MaxStopGracePeriod = 24 * time.Hour

// An Option configures a Manager in New.
type Option func(*settings)

type settings struct {
	logger          hclog.Logger
	stopGracePeriod time.Duration
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
		handleSignals:   true,
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
// SIGHUP. It does by default: on the first of those signals every Manager
// that handles signals is closed (every process stopped gracefully, in
// parallel), and then the program ends as that signal would have ended it.
// A signal the program was started with ignored (as under nohup) stays
// ignored. Turn this off when the program handles these signals itself, and
// call Close on its own way out.
func WithSignalHandling(on bool) Option {
	return func(s *settings) { s.handleSignals = on }
}

// A StartOption configures one call of Start.
type StartOption func(*startSettings)

type startSettings struct {
	stdout, stderr *os.File
	exitWithMain   bool
	specialLogFile bool // the LogFile may be a FIFO or a character device
}

// WithExitWithMain makes the process's tree end with the process itself:
// when it exits while processes it started live on, they are stopped (as by
// Stop) instead of being followed as RunningDetached until they end.
func WithExitWithMain() StartOption {
	return func(s *startSettings) { s.exitWithMain = true }
}

// WithOutput sends the child's stdout and stderr to the given files when its
// config has no LogFile. A nil file means discarded, which is also the
// default. The Manager does not close the files; the child gets its own
// descriptors for them, so a pipe's reader sees end of file only once the
// child and everything that inherited them are gone.
func WithOutput(stdout, stderr *os.File) StartOption {
	return func(s *startSettings) { s.stdout, s.stderr = stdout, stderr }
}
