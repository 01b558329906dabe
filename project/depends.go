package project

import (
	"slices"
	"strconv"
	"strings"
)

// checkDependencies adds the problems of the processes' depends_on: a
// dependency on no process of the file, or on the process itself;
// process_healthy on a process without readiness probe, which would never
// be healthy; and every cycle, once, at the dependency closing it.
func (c *checker) checkDependencies(procs []*Process) {
	byName := make(map[string]*Process, len(procs))
	for _, p := range procs {
		byName[p.Name] = p
	}
	for _, p := range procs {
		field := "processes." + p.Name + ".depends_on"
		for i, d := range p.DependsOn {
			line := c.dependencyLines[p][i]
			dep, ok := byName[d.Name]
			switch {
			case !ok:
				c.problemAt(line, field, "unknown process %q", d.Name)
			case dep == p:
				c.problemAt(line, field, "%q depends on itself", p.Name)
			case d.Condition == ProcessHealthy && dep.Readiness == nil:
				c.problemAt(line, field, "%q has no readiness_probe, which %s needs", d.Name, ProcessHealthy)
			}
		}
	}
	c.checkCycles(procs, byName)
}

// checkCycles adds a problem for every dependency cycle among procs,
// found by a depth-first walk: a dependency on a process still on the
// walk's path closes a cycle.
func (c *checker) checkCycles(procs []*Process, byName map[string]*Process) {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[*Process]int, len(procs))
	var path []*Process
	var visit func(p *Process)
	visit = func(p *Process) {
		state[p] = onPath
		path = append(path, p)
		for i, d := range p.DependsOn {
			dep, ok := byName[d.Name]
			if !ok || dep == p {
				continue // reported by checkDependencies
			}
			switch state[dep] {
			case unvisited:
				visit(dep)
			case onPath:
				c.problemAt(c.dependencyLines[p][i], "processes."+p.Name+".depends_on",
					"dependency cycle %s", cycleText(path, dep))
			}
		}
		path = path[:len(path)-1]
		state[p] = done
	}
	for _, p := range procs {
		if state[p] == unvisited {
			visit(p)
		}
	}
}

// cycleText names the cycle that the last process of path closes by
// depending on dep, an earlier one, starting from that last process:
// "c -> a -> b -> c".
func cycleText(path []*Process, dep *Process) string {
	last := path[len(path)-1]
	names := []string{last.Name}
	for _, p := range path[slices.Index(path, dep):] {
		names = append(names, p.Name)
	}
	return strings.Join(names, " -> ")
}

// dependencyOrder returns procs in an order where each comes after the
// processes it depends on, the first by name of those ready going first.
// The dependencies of procs must all be among them, without cycle: Load
// orders only files without problems.
func dependencyOrder(procs []*Process) []*Process {
	pending := slices.Clone(procs)
	slices.SortFunc(pending, func(a, b *Process) int { return strings.Compare(a.Name, b.Name) })
	placed := make(map[string]bool, len(procs))
	ready := func(p *Process) bool {
		for _, d := range p.DependsOn {
			if !placed[d.Name] {
				return false
			}
		}
		return true
	}
	ordered := make([]*Process, 0, len(procs))
	for len(pending) > 0 {
		i := slices.IndexFunc(pending, ready)
		if i < 0 {
			// A cycle, which checkDependencies refuses: never here, but
			// the loop must end.
			return append(ordered, pending...)
		}
		placed[pending[i].Name] = true
		ordered = append(ordered, pending[i])
		pending = slices.Delete(pending, i, i+1)
	}
	return ordered
}

// checkReplicaNames adds a problem for every process whose replicas'
// names (NAME-1, NAME-2, ...) would be another process's.
func (c *checker) checkReplicaNames(procs []*Process) {
	names := make(map[string]bool, len(procs))
	for _, p := range procs {
		names[p.Name] = true
	}
	for _, p := range procs {
		for n := 1; n <= p.Replicas && p.Replicas > 1; n++ {
			if replica := p.Name + "-" + strconv.Itoa(n); names[replica] {
				c.problemAt(p.Line, "processes."+p.Name+".replicas", "replica %d would be named %q, as another process is", n, replica)
			}
		}
	}
}
