package project

import (
	"fmt"
	"slices"
	"strings"
)

// Select returns the processes procman up runs for the names it is given,
// in the order of p.Processes (each after those it depends on). With no
// names, those are every process that is not disabled; with names, the
// processes named, disabled or not, since naming one asks for it. Either
// way the processes they depend on come too, and what those depend on,
// disabled or not: a process cannot run without them.
//
// A name that is no process of p is an error.
func (p *Project) Select(names ...string) ([]*Process, error) {
	byName := make(map[string]*Process, len(p.Processes))
	for _, proc := range p.Processes {
		byName[proc.Name] = proc
	}
	var wanted []*Process
	if len(names) == 0 {
		for _, proc := range p.Processes {
			if !proc.Disabled {
				wanted = append(wanted, proc)
			}
		}
	}
	for _, name := range names {
		proc, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("no process %s in %s (processes: %s)", name, p.Path, strings.Join(p.names(), ", "))
		}
		wanted = append(wanted, proc)
	}

	selected := make(map[string]bool)
	var add func(proc *Process)
	add = func(proc *Process) {
		if selected[proc.Name] {
			return
		}
		selected[proc.Name] = true
		for _, dep := range proc.DependsOn {
			if d, ok := byName[dep.Name]; ok {
				add(d)
			}
		}
	}
	for _, proc := range wanted {
		add(proc)
	}

	var procs []*Process
	for _, proc := range p.Processes {
		if selected[proc.Name] {
			procs = append(procs, proc)
		}
	}
	return procs, nil
}

// names returns the names of p's processes, sorted.
func (p *Project) names() []string {
	names := make([]string, len(p.Processes))
	for i, proc := range p.Processes {
		names[i] = proc.Name
	}
	slices.Sort(names)
	return names
}
