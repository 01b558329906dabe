package supervisor

import (
	"fmt"
	"time"
)

// ProcessStatus is what procman ps shows of one process (one replica).
type ProcessStatus struct {
	Name        string    `json:"name"`
	Process     string    `json:"process"` // the process's name in the file (differs from Name for a replica)
	State       State     `json:"state"`
	Since       time.Time `json:"since"`              // when it entered State
	PID         int       `json:"pid,omitempty"`      // while it runs
	Detached    bool      `json:"detached,omitempty"` // Running, the process itself ended and what it started lives on
	Ready       *bool     `json:"ready,omitempty"`    // its readiness probe's verdict; nil without one
	Restarts    int       `json:"restarts"`           // by its restart policy
	Reason      string    `json:"reason,omitempty"`   // how it last ended, or why it is Skipped
	Description string    `json:"description,omitempty"`
}

// Processes returns the status of every process, in dependency order.
func (s *Supervisor) Processes() []ProcessStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]ProcessStatus, 0, len(s.instances))
	for _, i := range s.instances {
		st := ProcessStatus{
			Name: i.name, Process: i.proc.Name, State: i.state, Since: i.since, PID: i.pid,
			Detached: i.detached, Restarts: i.restarts, Reason: i.reason, Description: i.proc.Description,
		}
		if i.proc.Readiness != nil {
			ready := i.ready
			st.Ready = &ready
		}
		list = append(list, st)
	}
	return list
}

// instancesNamed returns the instances name stands for: one replica
// (NAME-N), or a process with all its replicas.
func (s *Supervisor) instancesNamed(name string) ([]*instance, error) {
	var found []*instance
	for _, i := range s.instances {
		if i.name == name || i.proc.Name == name {
			found = append(found, i)
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no process %q is running under this procman up", name)
	}
	return found, nil
}

// Start starts the named process (all its replicas) if it is not running:
// one that ended, was stopped or skipped starts at once, one waiting for
// its dependencies or its restart stops waiting.
func (s *Supervisor) Start(name string) error { return s.command(name, cmdStart) }

// Stop stops the named process with its shutdown signal and timeout; it
// is not restarted until Start or Restart.
func (s *Supervisor) Stop(name string) error { return s.command(name, cmdStop) }

// Restart stops the named process and starts it again; a process not
// running just starts. Restarts asked for do not count towards
// max_restarts.
func (s *Supervisor) Restart(name string) error { return s.command(name, cmdRestart) }

func (s *Supervisor) command(name string, c command) error {
	list, err := s.instancesNamed(name)
	if err != nil {
		return err
	}
	if closed(s.stopping) {
		return fmt.Errorf("procman up is stopping")
	}
	for _, i := range list {
		select {
		case i.commands <- c:
		default:
			return fmt.Errorf("%s: a command is already waiting", i.name)
		}
	}
	return nil
}
