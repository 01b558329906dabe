package platform

import (
	"context"
	"fmt"
)

// A Spawner starts programs and contains each one's tree in a Job Object
// of its own (JobObject, the one mechanism of Windows). It is safe for
// concurrent use.
//
// No reaper is needed: the job's only handle is the host's, the job kills
// its members when that handle closes, and the system closes it however
// the host ends — exit, Ctrl-C, TerminateProcess, a crash. So
// SpawnerOptions.Guard and Grace are not used: a dead host's trees end at
// once, without a graceful request.
type Spawner struct {
	containment Containment
}

// NewSpawner returns a Spawner using JobObject. Forcing another mechanism
// is an error; any Minimum is met, JobObject being the strongest
// mechanism of Windows.
func NewSpawner(opts SpawnerOptions) (*Spawner, error) {
	c, err := DetectContainment(opts)
	if err != nil {
		return nil, err
	}
	return &Spawner{containment: c}, nil
}

// DetectContainment reports what a Spawner made with opts would use:
// JobObject, the only mechanism of Windows.
func DetectContainment(opts SpawnerOptions) (Containment, error) {
	if opts.Mechanism < Automatic || opts.Mechanism > JobObject {
		return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(opts.Mechanism))
	}
	if opts.Minimum < Automatic || opts.Minimum > JobObject {
		return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(opts.Minimum))
	}
	if opts.Mechanism != Automatic && opts.Mechanism != JobObject {
		return Containment{}, fmt.Errorf("containment %v is not available: not a mechanism of Windows, which offers only %v", opts.Mechanism, JobObject)
	}
	return Containment{Mechanism: JobObject, Forced: opts.Mechanism == JobObject}, nil
}

// Containment reports the mechanism in force.
func (s *Spawner) Containment() Containment { return s.containment }

// Mechanism returns the mechanism in force, and whether a Guard stands
// ready (Containment's Mechanism and Guarded).
func (s *Spawner) Mechanism() (m Mechanism, guarded bool) {
	return s.containment.Mechanism, s.containment.Guarded
}

// Start starts the program of spec in a Job Object of its own, as Start
// does. ctx is only checked first: a start does not block.
func (s *Spawner) Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return startInJob(spec)
}

// Close does nothing: a Spawner keeps nothing ready on Windows. Processes
// already started are not affected.
func (s *Spawner) Close() {}
