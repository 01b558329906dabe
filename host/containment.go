package host

import (
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/reaper"
)

// Mechanism is how the processes of one tree are held together so that
// all of them can be stopped; see the constants.
type Mechanism = platform.Mechanism

// The containment mechanisms, weakest first. On Linux a Manager uses the
// strongest one the system allows unless WithContainment says otherwise.
const (
	Automatic    = platform.Automatic
	ProcessGroup = platform.ProcessGroup
	Subreaper    = platform.Subreaper
	Cgroup       = platform.Cgroup
	PIDNamespace = platform.PIDNamespace
)

// Containment reports the mechanism in force and why no stronger one is.
type Containment = platform.Containment

// ParseMechanism returns the mechanism named s ("pid-namespace", "cgroup",
// "subreaper", "process-group" or "automatic").
func ParseMechanism(s string) (Mechanism, error) { return platform.ParseMechanism(s) }

// WithContainment forces a containment mechanism instead of the strongest
// available one. If it is not available, every Start fails with the reason,
// and so does Containment.
func WithContainment(m Mechanism) Option {
	return func(s *settings) { s.containment = m }
}

// Containment reports how the Manager contains each process tree and why
// no stronger mechanism is in force. It fails only when WithContainment
// forced a mechanism this system does not allow.
func (m *Manager) Containment() (Containment, error) {
	if m.spawnerErr != nil {
		return Containment{}, m.spawnerErr
	}
	return m.spawner.Containment(), nil
}

// DetectContainment reports what a Manager made WithContainment(m) would
// use (Automatic: the default), or why it cannot, without making one.
func DetectContainment(m Mechanism) (Containment, error) {
	return platform.DetectContainment(m)
}

// The reaper is shared by every Manager of the program: one process that
// outlives the program and stops what it protects if the program dies
// without doing so. It is started on first need.
var shared struct {
	once   sync.Once
	reaper *reaper.Reaper
	err    error
}

func sharedReaper(logger hclog.Logger) (*reaper.Reaper, error) {
	shared.once.Do(func() {
		opts := reaper.Options{
			Logger:           logger.Named("reaper"),
			SweepDirPrefixes: []string{pluginSocketDirPrefix()},
		}
		if c, err := platform.DetectContainment(Automatic); err == nil && c.CgroupDir != "" {
			opts.SweepCgroupDirs = []string{c.CgroupDir}
		}
		shared.reaper, shared.err = reaper.Start(opts)
	})
	return shared.reaper, shared.err
}

// reaperGuard is the platform.Guard of a Manager: the shared reaper.
type reaperGuard struct {
	logger hclog.Logger
}

func (g reaperGuard) ProtectProcess(pid int, startTime uint64, grace time.Duration) (func(), error) {
	return g.protect(func(r *reaper.Reaper) (*reaper.Registration, error) {
		return r.ProtectProcess(pid, startTime, grace)
	})
}

func (g reaperGuard) ProtectCgroup(path string, grace time.Duration) (func(), error) {
	return g.protect(func(r *reaper.Reaper) (*reaper.Registration, error) {
		return r.ProtectCgroup(path, grace)
	})
}

// protect registers with the shared reaper, starting it if need be, and
// returns what ends the registration.
func (g reaperGuard) protect(register func(*reaper.Reaper) (*reaper.Registration, error)) (func(), error) {
	r, err := sharedReaper(g.logger)
	if err != nil {
		return nil, err
	}
	reg, err := register(r)
	if err != nil {
		return nil, err
	}
	return func() { reg.Release() }, nil
}
