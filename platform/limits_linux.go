package platform

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/procman-dev/procman/platform/internal/cgroup"
)

// cpuPeriod is the period of a CPU limit, in microseconds: the quota is
// the CPUs' share of it.
const cpuPeriod = 100000

// treeLimits are the cgroups that hold one tree's Limits.
type treeLimits struct {
	v1 []string // cgroup v1 directories made for the tree, removed with it

	// memory is the cgroup whose file memoryEvents counts the OOM kills
	// of the tree's memory limit ("" when it has none).
	memory, memoryEvents string
}

// setLimits puts the tree of in, which has not started its program yet,
// under limits: in the tree's own cgroup v2 when the controller is in its
// hierarchy, else in a cgroup v1 of the tree's own in the controller's
// hierarchy, which the init joins now (and the program, its child, from
// its birth). A limit no cgroup can hold is an error that says why.
func setLimits(in *initProc, l Limits, guard Guard) (lim *treeLimits, err error) {
	lim = &treeLimits{}
	defer func() {
		if err != nil {
			lim.remove()
			err = fmt.Errorf("limits: %w", err)
		}
	}()
	type setting struct {
		controller string
		write      func(dir string, v2 bool) error
	}
	var settings []setting
	if l.Memory > 0 {
		settings = append(settings, setting{"memory", func(dir string, v2 bool) error {
			return limitMemory(lim, dir, v2, l.Memory)
		}})
	}
	if l.CPU > 0 {
		settings = append(settings, setting{"cpu", func(dir string, v2 bool) error { return limitCPU(dir, v2, l.CPU) }})
	}
	if l.Tasks > 0 {
		settings = append(settings, setting{"pids", func(dir string, _ bool) error { return limitTasks(dir, l.Tasks) }})
	}
	name := strconv.FormatUint(v1Seq.Add(1), 10) // of the tree's cgroups v1, in each hierarchy
	// Each controller at once: moving a process into a cgroup v1 waits
	// for an RCU grace period (some 200 µs here), which concurrent moves
	// share.
	dirs := make([]string, len(settings)) // the v1 directory made, if any
	errs := make([]error, len(settings))
	var wg sync.WaitGroup
	for i, s := range settings {
		wg.Go(func() {
			dir, v2, err := limitCgroup(in, s.controller, name, guard)
			if err != nil {
				errs[i] = err
				return
			}
			if !v2 {
				dirs[i] = dir
				// Joined before the limit is written, so that
				// pids.current counts the init.
				if err := cgroup.Write(dir, "cgroup.procs", strconv.Itoa(in.pid)); err != nil {
					errs[i] = err
					return
				}
			}
			errs[i] = s.write(dir, v2)
		})
	}
	wg.Wait()
	for _, dir := range dirs {
		if dir != "" {
			lim.v1 = append(lim.v1, dir)
		}
	}
	for _, err := range errs {
		if err != nil {
			return lim, err // the first, in the order of settings: one line
		}
	}
	return lim, nil
}

// limitCgroup returns the cgroup of in's tree in which the controller's
// limit goes, and whether it is a cgroup v2: the tree's own when the
// controller is in its hierarchy, else a cgroup v1 made for the tree,
// named name.
func limitCgroup(in *initProc, controller, name string, guard Guard) (dir string, v2 bool, err error) {
	var v2Err error
	if in.cgroup != nil {
		dir := in.cgroup.Path()
		offered, err := cgroup.Offers(dir, controller)
		if err == nil && offered {
			if err := cgroup.Enable(filepath.Dir(dir), controller); err != nil {
				return "", false, err
			}
			return dir, true, nil
		}
		v2Err = err
		if err == nil {
			v2Err = fmt.Errorf("the cgroup v2 hierarchy of %s does not offer the %s controller", dir, controller)
		}
	} else {
		v2Err = errors.New("the tree has no cgroup v2 of its own (containment by a cgroup is unavailable)")
	}
	base, err := v1HostDir(controller, guard)
	if err != nil {
		return "", false, fmt.Errorf("no cgroup can hold the %s limit: %w; %w", controller, v2Err, err)
	}
	dir = filepath.Join(base, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", false, err
	}
	return dir, false, nil
}

// v1Seq names the cgroup v1 directories of this process's trees.
var v1Seq atomic.Uint64

// v1Hosts are this process's directories in the cgroup v1 hierarchies,
// by controller: <own cgroup>/procman/<host name>, made on first use,
// reclaimed by the guard once the host is gone.
var v1Hosts struct {
	mu   sync.Mutex
	dirs map[string]string
}

func v1HostDir(controller string, guard Guard) (string, error) {
	v1Hosts.mu.Lock()
	defer v1Hosts.mu.Unlock()
	if dir, ok := v1Hosts.dirs[controller]; ok {
		return dir, nil
	}
	own, err := cgroup.V1Dir(controller)
	if err != nil {
		return "", err
	}
	name, err := HostName()
	if err != nil {
		return "", err
	}
	procman := filepath.Join(own, "procman")
	if err := os.Mkdir(procman, 0o755); err != nil && !os.IsExist(err) {
		return "", err
	}
	dir := filepath.Join(procman, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if guard != nil {
		if _, err := guard.ReclaimCgroup(dir, 0); err != nil {
			os.Remove(dir)
			return "", fmt.Errorf("protect cgroup: %w", err)
		}
	}
	if v1Hosts.dirs == nil {
		v1Hosts.dirs = make(map[string]string)
	}
	v1Hosts.dirs[controller] = dir
	return dir, nil
}

// v1Controllers are the controllers whose cgroup v1 hierarchies hold, in
// "<own cgroup>/procman", the hosts' cgroup v1 directories, which the
// reaper sweeps.
var v1Controllers = []string{"memory", "cpu", "pids"}

// limitMemory caps the tree's memory, swap included, and notes where its
// OOM kills are counted.
func limitMemory(lim *treeLimits, dir string, v2 bool, bytes int64) error {
	value := strconv.FormatInt(bytes, 10)
	if v2 {
		lim.memory, lim.memoryEvents = dir, "memory.events"
		if err := cgroup.Write(dir, "memory.max", value); err != nil {
			return err
		}
		return writeIfPresent(dir, "memory.swap.max", "0")
	}
	lim.memory, lim.memoryEvents = dir, "memory.oom_control"
	if err := cgroup.Write(dir, "memory.limit_in_bytes", value); err != nil {
		return err
	}
	return writeIfPresent(dir, "memory.memsw.limit_in_bytes", value)
}

// limitCPU gives the tree cpus CPUs' worth of time in each period.
func limitCPU(dir string, v2 bool, cpus float64) error {
	quota := strconv.FormatInt(int64(math.Round(cpus*cpuPeriod)), 10)
	if v2 {
		return cgroup.Write(dir, "cpu.max", quota+" "+strconv.Itoa(cpuPeriod))
	}
	if err := cgroup.Write(dir, "cpu.cfs_period_us", strconv.Itoa(cpuPeriod)); err != nil {
		return err
	}
	return cgroup.Write(dir, "cpu.cfs_quota_us", quota)
}

// limitTasks lets the tree have tasks processes and threads beyond
// procman-init's own, which are in the cgroup already.
func limitTasks(dir string, tasks int) error {
	current, err := cgroup.ReadInt(dir, "pids.current")
	if err != nil {
		return err
	}
	return cgroup.Write(dir, "pids.max", strconv.FormatInt(int64(tasks)+current, 10))
}

// writeIfPresent writes value to the control file name of dir, if the
// kernel has it (memory.swap.max without swap accounting has not).
func writeIfPresent(dir, name, value string) error {
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return nil
	}
	return cgroup.Write(dir, name, value)
}

// oomKills returns how many processes the OOM killer ended under the
// tree's memory limit.
func (lim *treeLimits) oomKills() int {
	if lim == nil || lim.memory == "" {
		return 0
	}
	n, err := cgroup.ReadKey(lim.memory, lim.memoryEvents, "oom_kill")
	if err != nil {
		return 0
	}
	return int(n)
}

// remove removes the cgroup v1 directories made for the tree, empty once
// its init has exited.
func (lim *treeLimits) remove() {
	if lim == nil {
		return
	}
	for _, dir := range lim.v1 {
		cgroup.RemoveEmpty(dir)
	}
	lim.v1 = nil
}
