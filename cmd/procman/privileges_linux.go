package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/procman-dev/procman/internal/account"
	"github.com/procman-dev/procman/sdk"
)

// privilegesHelp describes the flags of who COMMAND runs as and what it
// may use.
const privilegesHelp = `
User and limits (Linux):
  --user USER       run COMMAND as USER (a name or a uid), with USER's
                    group and supplementary groups; HOME, USER and LOGNAME
                    of the baseline environment become USER's (--env still
                    wins). Only root may name another user than its own
  --group GROUP     run COMMAND with the group GROUP (a name or a gid)
  --no-new-privileges
                    keep COMMAND and what it starts from gaining privileges
                    through set-user-ID programs or file capabilities
  --memory SIZE     the most memory COMMAND's tree may use, swap included,
                    as bytes or with a unit: 512K, 64M, 1.5G, 2T (powers of
                    1024); past it the kernel's OOM killer ends a process
  --cpus N          the CPU time COMMAND's tree may use, in CPUs: 0.5 is
                    half of one (at least 0.01)
  --tasks N         the most processes and threads COMMAND's tree may have
  --rlimit NAME=SOFT[:HARD]
                    set the resource limit NAME (NOFILE, CORE, NPROC, ...:
                    see setrlimit(2)) of COMMAND, which what it starts
                    inherits; a value is a number or "unlimited", and HARD
                    is SOFT when left out. Repeat the flag for several
  --nice N          run COMMAND at nice value N, from -20 to 19
  --memory, --cpus and --tasks need a cgroup of the tree's own (as root, or
  with a delegated cgroup v2): without one, procman exits 125 and starts
  nothing. The log file of --log is opened by procman, before COMMAND
  becomes USER.
`

// definePrivilegeFlags defines the flags of privilegesHelp.
func definePrivilegeFlags(fs *flag.FlagSet, o *runOptions) {
	fs.StringVar(&o.user, "user", o.user, "")
	fs.StringVar(&o.group, "group", o.group, "")
	fs.BoolVar(&o.noNewPrivileges, "no-new-privileges", o.noNewPrivileges, "")
	fs.Var((*memoryFlag)(&o.limits.Memory), "memory", "")
	fs.Var((*cpusFlag)(&o.limits.CPU), "cpus", "")
	fs.Var((*tasksFlag)(&o.limits.Tasks), "tasks", "")
	fs.Var((*rlimitFlag)(&o.limits.Rlimits), "rlimit", "")
	fs.Var(niceFlag{&o.limits.Nice}, "nice", "")
}

// memoryFlag is the flag.Value of --memory: a size in bytes.
type memoryFlag int64

func (m *memoryFlag) String() string { return strconv.FormatInt(int64(*m), 10) }

func (m *memoryFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*m = memoryFlag(n)
	return nil
}

// parseSize parses a size: a number of bytes, or a number (with a
// fraction) followed by K, M, G or T, powers of 1024, and optionally B or
// iB.
func parseSize(s string) (int64, error) {
	const want = "want a size such as 512K, 64M or 1.5G"
	num := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "B"), "i"), "b")
	mult := 1.0
	if num != "" {
		if i := strings.IndexByte("KMGT", num[len(num)-1]&^0x20); i >= 0 {
			mult = math.Pow(1024, float64(i+1))
			num = num[:len(num)-1]
		} else if num != s {
			return 0, errors.New(want)
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, errors.New(want)
	case v*mult < 1:
		return 0, errors.New("must be positive")
	case v*mult >= math.MaxInt64:
		return 0, errors.New("too large")
	}
	return int64(v * mult), nil
}

// cpusFlag is the flag.Value of --cpus.
type cpusFlag float64

func (c *cpusFlag) String() string { return strconv.FormatFloat(float64(*c), 'g', -1, 64) }

func (c *cpusFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return errors.New("want a number of CPUs such as 0.5 or 2")
	case v < sdk.MinCPU:
		return fmt.Errorf("must be at least %v", sdk.MinCPU)
	}
	*c = cpusFlag(v)
	return nil
}

// tasksFlag is the flag.Value of --tasks.
type tasksFlag int

func (t *tasksFlag) String() string { return strconv.Itoa(int(*t)) }

func (t *tasksFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return errors.New("want a positive number")
	}
	*t = tasksFlag(v)
	return nil
}

// niceFlag is the flag.Value of --nice.
type niceFlag struct{ nice **int }

func (n niceFlag) String() string {
	if n.nice == nil || *n.nice == nil {
		return ""
	}
	return strconv.Itoa(**n.nice)
}

func (n niceFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < -20 || v > 19 {
		return errors.New("want a number from -20 to 19")
	}
	*n.nice = &v
	return nil
}

// rlimitFlag is the flag.Value of --rlimit: each use adds a limit.
type rlimitFlag []sdk.Rlimit

func (r *rlimitFlag) String() string { return fmt.Sprint(*r) }

func (r *rlimitFlag) Set(s string) error {
	name, values, ok := strings.Cut(s, "=")
	if !ok {
		return errors.New("want NAME=SOFT or NAME=SOFT:HARD, as in NOFILE=1024")
	}
	name = strings.TrimPrefix(strings.ToUpper(name), "RLIMIT_")
	if !slices.Contains(sdk.RlimitResources, name) {
		return fmt.Errorf("unknown resource %q (known: %s)", name, strings.Join(sdk.RlimitResources, ", "))
	}
	soft, hard, twoValues := strings.Cut(values, ":")
	limit := sdk.Rlimit{Resource: name}
	var err error
	if limit.Soft, err = parseRlimitValue(soft); err != nil {
		return err
	}
	limit.Hard = limit.Soft
	if twoValues {
		if limit.Hard, err = parseRlimitValue(hard); err != nil {
			return err
		}
	}
	if limit.Soft > limit.Hard {
		return fmt.Errorf("the soft limit %s is above the hard limit %s", soft, hard)
	}
	for _, l := range *r {
		if l.Resource == name {
			return fmt.Errorf("%s is given twice", name)
		}
	}
	*r = append(*r, limit)
	return nil
}

func parseRlimitValue(s string) (uint64, error) {
	if s == "unlimited" || s == "infinity" {
		return sdk.RlimInfinity, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a limit: want a number or unlimited", s)
	}
	return v, nil
}

// accountEnv returns lookupEnv with the variables of the user --user
// names in place of procman's own: HOME, USER and LOGNAME, as sudo -u with
// env_reset sets them; lookupEnv itself when there is no --user, or the
// user is not known (the start then fails on it).
func (o runOptions) accountEnv(lookupEnv func(string) (string, bool)) func(string) (string, bool) {
	if o.user == "" {
		return lookupEnv
	}
	self := account.Self()
	a, _, err := account.Lookup(o.user, o.group, self)
	if err != nil {
		return lookupEnv
	}
	vars := map[string]string{"HOME": a.Home, "USER": a.Name, "LOGNAME": a.Name}
	return func(key string) (string, bool) {
		if v, ok := vars[key]; ok {
			return v, v != ""
		}
		return lookupEnv(key)
	}
}
