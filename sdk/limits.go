package sdk

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits bound what a process and everything it starts may use. The zero
// value sets no limit. They are the host's to set: plugins may not change
// them. Linux only: elsewhere a config that sets one is invalid.
type Limits struct {
	// Memory is the most memory, in bytes, the process's tree may use
	// together, swap included; beyond it the kernel reclaims what it can,
	// then its OOM killer ends a process of the tree. It needs a cgroup
	// (see the README): a Start that cannot make one fails. 0: no limit.
	Memory int64

	// CPU is how much CPU time the tree may use, in CPUs: 0.5 is half of
	// one, 2 is two. At least 0.01; it needs a cgroup, as Memory does. 0:
	// no limit.
	CPU float64

	// Tasks is the most processes and threads the tree may have at once;
	// a fork beyond fails. It needs a cgroup, as Memory does. 0: no
	// limit.
	Tasks int

	// Nice, when not nil, is the process's nice value, from -20 (first
	// served) to 19 (last); what it starts inherits it. Lowering it below
	// procman's own needs privilege.
	Nice *int

	// Rlimits are set on the process before it runs, as setrlimit(2)
	// does, and inherited by what it starts. Each resource at most once.
	// Raising a hard limit above procman's own needs privilege.
	Rlimits []Rlimit
}

// Rlimit is one resource limit of setrlimit(2).
type Rlimit struct {
	// Resource is the name of the resource without its RLIMIT_ prefix:
	// AS, CORE, CPU, DATA, FSIZE, LOCKS, MEMLOCK, MSGQUEUE, NICE, NOFILE,
	// NPROC, RSS, RTPRIO, RTTIME, SIGPENDING or STACK.
	Resource string
	// Soft is the limit in force, Hard the most the process may raise it
	// to; RlimInfinity for none. Soft may not exceed Hard.
	Soft, Hard uint64
}

// RlimInfinity is the value of an Rlimit that sets no limit.
const RlimInfinity = ^uint64(0)

// RlimitResources are the names Rlimit.Resource may take, sorted.
var RlimitResources = []string{
	"AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE",
	"NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK",
}

// MinCPU is the smallest CPU limit a cgroup can give: 1 ms per 100 ms.
const MinCPU = 0.01

// IsZero reports whether l sets no limit.
func (l Limits) IsZero() bool {
	return l.Memory == 0 && l.CPU == 0 && l.Tasks == 0 && l.Nice == nil && len(l.Rlimits) == 0
}

// Equal reports whether l and o set the same limits.
func (l Limits) Equal(o Limits) bool {
	return l.Memory == o.Memory && l.CPU == o.CPU && l.Tasks == o.Tasks &&
		(l.Nice == nil) == (o.Nice == nil) && (l.Nice == nil || *l.Nice == *o.Nice) &&
		slices.Equal(l.Rlimits, o.Rlimits)
}

// NeedsCgroup reports whether l sets a limit that only a cgroup can
// enforce: Memory, CPU or Tasks.
func (l Limits) NeedsCgroup() bool { return l.Memory != 0 || l.CPU != 0 || l.Tasks != 0 }

func (l Limits) clone() Limits {
	if l.Nice != nil {
		nice := *l.Nice
		l.Nice = &nice
	}
	l.Rlimits = slices.Clone(l.Rlimits)
	return l
}

// check validates l, field by field.
func (l Limits) check() error {
	switch {
	case l.Memory < 0:
		return invalid("Limits.Memory", fmt.Sprintf("%d is negative", l.Memory))
	case math.IsNaN(l.CPU) || math.IsInf(l.CPU, 0) || l.CPU < 0:
		return invalid("Limits.CPU", fmt.Sprintf("%v is not a number of CPUs", l.CPU))
	case l.CPU > 0 && l.CPU < MinCPU:
		return invalid("Limits.CPU", fmt.Sprintf("%v is below the least a cgroup can give, %v", l.CPU, MinCPU))
	case l.CPU > 1<<20:
		return invalid("Limits.CPU", fmt.Sprintf("%v CPUs is more than any machine has", l.CPU))
	case l.Tasks < 0:
		return invalid("Limits.Tasks", fmt.Sprintf("%d is negative", l.Tasks))
	case l.Nice != nil && (*l.Nice < -20 || *l.Nice > 19):
		return invalid("Limits.Nice", fmt.Sprintf("%d is not from -20 to 19", *l.Nice))
	}
	seen := make(map[string]bool)
	for i, r := range l.Rlimits {
		field := fmt.Sprintf("Limits.Rlimits[%d]", i)
		switch {
		case !slices.Contains(RlimitResources, r.Resource):
			return invalid(field, fmt.Sprintf("unknown resource %q (known: %s)", r.Resource, strings.Join(RlimitResources, ", ")))
		case seen[r.Resource]:
			return invalid(field, fmt.Sprintf("%s is limited twice", r.Resource))
		case r.Soft > r.Hard:
			return invalid(field, fmt.Sprintf("%s soft limit %s is above its hard limit %s", r.Resource, FormatRlimitValue(r.Soft), FormatRlimitValue(r.Hard)))
		}
		seen[r.Resource] = true
	}
	return nil
}

// FormatRlimitValue formats an Rlimit value: "unlimited" for RlimInfinity.
func FormatRlimitValue(v uint64) string {
	if v == RlimInfinity {
		return "unlimited"
	}
	return fmt.Sprint(v)
}
