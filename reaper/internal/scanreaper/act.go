//go:build linux || darwin

package main

import (
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/procman-dev/procman/internal/proctree"
)

// Waiting for processes to end, the table is read again after an interval
// that grows from firstPoll to lastPoll.
const (
	firstPoll = time.Millisecond
	lastPoll  = 50 * time.Millisecond
)

// snapshot is a Table whose process list was read once: the scans of
// many trees at one moment share one read of the table.
type snapshot struct {
	proctree.Table
	procs []proctree.Proc
}

func (s snapshot) Procs() ([]proctree.Proc, error) { return s.procs, nil }

// rescan scans every tree, so that what joined it since is known should
// it leave its groups and lose its parent link before the host dies.
func (r *reaper) rescan() {
	var snap *snapshot
	for _, reg := range r.regs {
		t, ok := reg.(tree)
		if !ok {
			continue
		}
		if snap == nil {
			procs, err := r.table.Procs()
			if err != nil {
				return
			}
			snap = &snapshot{r.table, procs}
		}
		t.family.Scan(snap)
	}
}

// act stops everything registered, the host being dead: SIGTERM to every
// process and every member of every tree at once, then each is killed
// when its own grace has passed since; then it clears the directories and
// exits.
func (r *reaper) act() {
	start := time.Now()
	var procs []process
	var dirs []dir
	trees := make(map[time.Duration][]*proctree.Family) // by grace
	for _, reg := range r.regs {
		switch reg := reg.(type) {
		case process:
			procs = append(procs, reg)
		case tree:
			trees[reg.grace] = append(trees[reg.grace], reg.family)
		case dir:
			dirs = append(dirs, reg)
		}
	}
	for i := range procs {
		if !procs[i].done && r.table.Signal(procs[i].proc, syscall.SIGTERM) != nil {
			procs[i].done = true
		}
	}
	if table, err := r.table.Procs(); err == nil {
		snap := snapshot{r.table, table}
		for _, families := range trees {
			for _, f := range families {
				f.Signal(snap, syscall.SIGTERM)
			}
		}
	}
	var wg sync.WaitGroup
	for grace, families := range trees {
		// Every member got its SIGTERM above: Stop's own finds none left
		// to send it to but those that joined since.
		wg.Go(func() { proctree.Stop(r.table, syscall.SIGTERM, time.Until(start.Add(grace)), families...) })
	}
	wg.Go(func() { r.await(procs, start) })
	wg.Wait()
	for _, d := range dirs {
		clearDir(d.path)
	}
	os.Exit(0)
}

// await waits for each process to end, and kills it once its grace has
// passed since start.
func (r *reaper) await(procs []process, start time.Time) {
	interval := firstPoll
	for {
		// Unread, the table leaves every process judged alive until its
		// deadline.
		live, err := r.live()
		now := time.Now()
		next := now.Add(lastPoll)
		waiting := false
		for i := range procs {
			p := &procs[i]
			if p.done {
				continue
			}
			if q, ok := live[p.proc.Pid]; err == nil && (!ok || q.Start != p.proc.Start) {
				p.done = true
				continue
			}
			deadline := start.Add(p.grace)
			if !now.Before(deadline) {
				r.table.Signal(p.proc, syscall.SIGKILL)
				p.done = true
				continue
			}
			waiting = true
			next = minTime(next, deadline)
		}
		if !waiting {
			return
		}
		time.Sleep(min(interval, max(time.Until(next), 0)))
		interval = min(2*interval, lastPoll)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
