package host

import (
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
)

// Mechanism is how the processes of one tree are held together so that
// all of them can be stopped; see the constants.
type Mechanism = platform.Mechanism

// The containment mechanisms, weakest first. On Linux a Manager uses the
// strongest one the system allows that keeps what the program sees
// unchanged — Cgroup where a cgroup v2 subtree can be written, else
// Subreaper — unless WithContainment says otherwise: PIDNamespace
// isolates the program (it sees its namespace's pids and a /proc of its
// own), so it is used only when asked for. On macOS a tree is a process
// group and what scans of the process table find with it, guarded by the
// reaper (ProcessGroup; Containment's Escapes says what can still leave
// it unseen); on Windows, a Job Object.
const (
	Automatic    = platform.Automatic
	ProcessGroup = platform.ProcessGroup
	Subreaper    = platform.Subreaper
	Cgroup       = platform.Cgroup
	PIDNamespace = platform.PIDNamespace
	JobObject    = platform.JobObject
)

// Containment reports the mechanism in force and why no stronger one is.
type Containment = platform.Containment

// ParseMechanism returns the mechanism named s ("pid-namespace", "cgroup",
// "subreaper", "process-group" or "automatic").
func ParseMechanism(s string) (Mechanism, error) { return platform.ParseMechanism(s) }

// WithContainment forces a containment mechanism instead of the default.
// If it is not available, every Start fails with the reason, and so does
// Containment. WithContainment(PIDNamespace) is how a Manager isolates
// its programs in PID namespaces.
func WithContainment(m Mechanism) Option {
	return func(s *settings) { s.containment = m }
}

// WithMinContainment makes m the weakest mechanism the Manager accepts:
// should the mechanism it would use (detected, or forced with
// WithContainment) be weaker, it starts nothing — every Start fails with a
// *StartError (HostFault) wrapping a *WeakError that says what is missing
// and why, and so does Containment — instead of running programs under a
// weaker guarantee.
func WithMinContainment(m Mechanism) Option {
	return func(s *settings) { s.minContainment = m }
}

// WeakError is what Start (wrapped in a *StartError) and Containment
// report when the mechanism in force would be weaker than
// WithMinContainment allows.
type WeakError = platform.WeakError

// Containment reports how the Manager contains each process tree and why
// no stronger mechanism is in force. It fails when WithContainment forced
// a mechanism this system does not allow, or when the mechanism is weaker
// than WithMinContainment allows: the error every Start would fail with.
// It makes the Manager ready to start processes, as Warm does.
func (m *Manager) Containment() (Containment, error) {
	m.ready()
	spawner, err := m.getSpawner()
	if err != nil {
		return Containment{}, err
	}
	return spawner.Containment(), nil
}

// DetectContainment reports what a Manager made WithContainment(m) would
// use (Automatic: the default), reaper included, or why it cannot, without
// making one. It starts the program's reaper, on systems that need one, if
// none runs yet.
func DetectContainment(m Mechanism) (Containment, error) {
	return platform.DetectContainment(platform.SpawnerOptions{Mechanism: m, Guard: newGuard(hclog.NewNullLogger())})
}

// warned holds the containments already warned of: each is told once per
// process, not once per Manager.
var warned sync.Map

// warnIfWeak logs, once per process, that c was detected weaker than the
// default mechanisms, and why the stronger ones are not available: a
// warning when nothing stands between the host and its programs (process
// groups: nothing survives the host to stop them), a debug line when the
// subreaper init stands in for a cgroup.
func warnIfWeak(logger hclog.Logger, c Containment) {
	if c.Forced || c.Mechanism >= Cgroup || c.Mechanism == ProcessGroup && c.Guarded {
		return // the default, or all that macOS offers: process groups and the reaper
	}
	if _, seen := warned.LoadOrStore(c.String(), true); seen {
		return
	}
	msg := fmt.Sprintf("containment is %v, weaker than %v: %s", c.Mechanism, Cgroup, c.Why())
	if c.Mechanism < Subreaper {
		logger.Warn(msg)
	} else {
		logger.Debug(msg)
	}
}
