//go:build unix

package proctree

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

const (
	// killPasses bounds the scans of Kill: its freeze and its kill each
	// give up after that many, killPause apart.
	killPasses = 1000
	killPause  = time.Millisecond
	// settledScans is how many scans in a row must find no new member for
	// a freeze to be over: a fork under way when its parent was sent
	// SIGSTOP may show its child only in the next one.
	settledScans = 2
	// environTries is how many times the environment of a process is
	// read while reading it fails (Linux shows none for a process in the
	// middle of an exec) before the process is taken to have no tag.
	environTries = 3
)

// Tag returns the environment entry that marks the processes of the
// family named name: "PROCMAN_TREE_<name>=1". Each family's entry has a
// variable of its own, so that a process in a family nested in another
// (procman run by a program procman runs) carries the tags of both. name
// must be made of ASCII letters, digits and underscores.
func Tag(name string) string { return TagVar + "_" + name + "=1" }

// A Family is a program and the processes it starts, found by scans (see
// the package comment). It is safe for concurrent use.
type Family struct {
	tag  string // "PROCMAN_TREE=value", or "" for a family without one
	uid  uint32 // whose processes may carry the tag
	self int    // the scanning process, never a member

	mu sync.Mutex
	// known holds the members alive at the last scan.
	known map[ID]bool
	// leaders holds the pids whose process group and session are the
	// family's, the program's and those a member was found leading, with
	// the start time of their leader. One whose group and session are
	// found empty, or whose pid is found to be another process's, is
	// dropped: the system reuses a pid only once no group or session has
	// it as its id, so a group of that id is from then on a new one.
	leaders map[int]uint64
	// untagged holds the processes whose environment was read and did
	// not hold the tag; a process's environment changes only when it
	// execs, which cannot bring the tag in unless it chooses to.
	untagged map[ID]bool
	// unread counts, for each process, the reads of its environment
	// that failed.
	unread map[ID]int
	// signalled holds the members that got the graceful signal, stopped
	// those frozen by Kill.
	signalled map[ID]bool
	stopped   map[ID]bool
}

// New returns the family of the program root, a process group (and
// possibly session) leader, and of every process of user uid that carries
// tag, an entry made by Tag, in its environment; an empty tag marks none.
// A zero root makes a family found by its tag alone, for a program about
// to start.
func New(root ID, uid uint32, tag string) *Family {
	f := &Family{
		tag:       tag,
		uid:       uid,
		self:      os.Getpid(),
		known:     make(map[ID]bool),
		leaders:   make(map[int]uint64),
		untagged:  make(map[ID]bool),
		unread:    make(map[ID]int),
		signalled: make(map[ID]bool),
		stopped:   make(map[ID]bool),
	}
	if root.Pid > 1 {
		f.known[root] = true
		f.leaders[root.Pid] = root.Start
	}
	return f
}

// Scan reads the table once and returns the family's live members, sorted
// by pid; zombies are not members.
func (f *Family) Scan(t Table) ([]Proc, error) {
	procs, err := t.Procs()
	if err != nil {
		return nil, err
	}
	return f.scan(t, newSnapshot(procs)), nil
}

// Signal sends sig to every member that this family has not sent a
// graceful signal yet: each member gets one, however many stops are asked
// for. A member gone meanwhile is no error.
func (f *Family) Signal(t Table, sig syscall.Signal) error {
	members, err := f.Scan(t)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var first error
	for _, p := range members {
		if f.signalled[p.ID()] {
			continue
		}
		f.signalled[p.ID()] = true
		if err := t.Signal(p, sig); err != nil && !errors.Is(err, ErrGone) && first == nil {
			first = fmt.Errorf("signal pid %d: %w", p.Pid, err)
		}
	}
	return first
}

// Kill ends every member: it freezes them with SIGSTOP, scanning again
// until settledScans scans in a row find no member it has not frozen, so
// that nothing can fork away while the family dies; then it sends SIGKILL
// to every member and scans again until none is left. It fails if members
// are still alive after killPasses scans (a process stuck in the kernel),
// naming them: call it again.
func (f *Family) Kill(t Table) error {
	settled := 0
	for pass := 0; pass < killPasses && settled < settledScans; pass++ {
		members, err := f.Scan(t)
		if err != nil {
			return err
		}
		if f.freeze(t, members) == 0 {
			settled++
		} else {
			settled = 0
		}
		if settled < settledScans {
			time.Sleep(killPause)
		}
	}
	var members []Proc
	for pass := 0; pass < killPasses; pass++ {
		var err error
		if members, err = f.Scan(t); err != nil {
			return err
		}
		if len(members) == 0 {
			return nil
		}
		for _, p := range members {
			t.Signal(p, syscall.SIGKILL)
		}
		time.Sleep(killPause)
	}
	pids := make([]int, len(members))
	for i, p := range members {
		pids[i] = p.Pid
	}
	return fmt.Errorf("%d processes still alive after %d rounds of SIGKILL: pids %v", len(pids), killPasses, pids)
}

// freeze sends SIGSTOP to the members not frozen yet and returns how many
// there were.
func (f *Family) freeze(t Table, members []Proc) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	fresh := 0
	for _, p := range members {
		if f.stopped[p.ID()] {
			continue
		}
		f.stopped[p.ID()] = true
		fresh++
		t.Signal(p, syscall.SIGSTOP)
	}
	return fresh
}

// Stop ends families together: sig once to every member of each
// (Signal), then, once none is left or grace has passed, Kill of each. It
// reads the table once for all families each time it looks, and returns
// the first error of a Kill.
func Stop(t Table, sig syscall.Signal, grace time.Duration, families ...*Family) error {
	for _, f := range families {
		f.Signal(t, sig)
	}
	deadline := time.Now().Add(grace)
	interval := time.Millisecond
	for {
		procs, err := t.Procs()
		if err == nil && allEmpty(t, newSnapshot(procs), families) {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		time.Sleep(min(interval, left))
		interval = min(2*interval, 100*time.Millisecond)
	}
	var first error
	for _, f := range families {
		if err := f.Kill(t); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func allEmpty(t Table, s *snapshot, families []*Family) bool {
	for _, f := range families {
		if len(f.scan(t, s)) > 0 {
			return false
		}
	}
	return true
}

// snapshot is one read of the table, indexed.
type snapshot struct {
	procs    []Proc
	byPid    map[int]int   // index in procs
	children map[int][]int // by parent pid
	byGroup  map[int][]int // by process group, and by session
}

func newSnapshot(procs []Proc) *snapshot {
	s := &snapshot{
		procs:    procs,
		byPid:    make(map[int]int, len(procs)),
		children: make(map[int][]int),
		byGroup:  make(map[int][]int),
	}
	for i, p := range procs {
		s.byPid[p.Pid] = i
		s.children[p.PPid] = append(s.children[p.PPid], i)
		s.byGroup[p.Pgid] = append(s.byGroup[p.Pgid], i)
		if p.Sid != p.Pgid {
			s.byGroup[p.Sid] = append(s.byGroup[p.Sid], i)
		}
	}
	return s
}

// scan finds the family's members in s and remembers them.
func (f *Family) scan(t Table, s *snapshot) []Proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	for l, start := range f.leaders {
		i, alive := s.byPid[l]
		if len(s.byGroup[l]) == 0 || alive && s.procs[i].Start != start {
			delete(f.leaders, l)
		}
	}
	m := membership{f: f, s: s, in: make(map[int]bool)}
	for i, p := range s.procs {
		if f.known[p.ID()] {
			m.add(i)
		}
	}
	for l := range f.leaders {
		m.addGroup(l)
	}
	m.close()
	if f.tag != "" {
		for i, p := range s.procs {
			if !m.in[p.Pid] && f.tagged(t, p) {
				m.add(i)
			}
		}
		m.close()
	}
	f.known = make(map[ID]bool, len(m.members))
	members := make([]Proc, 0, len(m.members))
	for _, i := range m.members {
		p := s.procs[i]
		f.known[p.ID()] = true
		members = append(members, p)
	}
	slices.SortFunc(members, func(a, b Proc) int { return a.Pid - b.Pid })
	f.forgetGone(s)
	return members
}

// tagged reports whether p, not yet a member, carries the family's tag.
// A process found without it is remembered as untagged; so is one whose
// environment could not be read environTries times (one the user may not
// read, say), but not before: Linux shows none for a process in the
// middle of an exec, which a later scan reads. The caller holds mu.
func (f *Family) tagged(t Table, p Proc) bool {
	id := p.ID()
	if p.Zombie || p.Uid != f.uid || p.Pid == f.self || f.untagged[id] {
		return false
	}
	env, err := t.Environ(p)
	if err != nil && !errors.Is(err, ErrGone) {
		if f.unread[id]++; f.unread[id] < environTries {
			return false
		}
	}
	delete(f.unread, id)
	if err == nil && slices.Contains(env, f.tag) {
		return true
	}
	f.untagged[id] = true
	return false
}

// forgetGone drops what the family remembers of processes no longer in s.
// The caller holds mu.
func (f *Family) forgetGone(s *snapshot) {
	for _, set := range []map[ID]bool{f.untagged, f.signalled, f.stopped} {
		for id := range set {
			if i, ok := s.byPid[id.Pid]; !ok || s.procs[i].Start != id.Start {
				delete(set, id)
			}
		}
	}
	for id := range f.unread {
		if i, ok := s.byPid[id.Pid]; !ok || s.procs[i].Start != id.Start {
			delete(f.unread, id)
		}
	}
}

// membership grows a family's members in a snapshot to a fixed point.
type membership struct {
	f       *Family
	s       *snapshot
	in      map[int]bool // by pid
	members []int        // indexes in s.procs
	queue   []int
}

// add makes s.procs[i] a member, unless it is a zombie, the scanning
// process or init.
func (m *membership) add(i int) {
	p := m.s.procs[i]
	if m.in[p.Pid] || p.Zombie || p.Pid <= 1 || p.Pid == m.f.self {
		return
	}
	m.in[p.Pid] = true
	m.members = append(m.members, i)
	m.queue = append(m.queue, i)
}

// addGroup adds every process of the process group or session l. No
// group of the system's first processes is ever the family's, nor is the
// id 0 a table gives a process whose session it could not read.
func (m *membership) addGroup(l int) {
	if l <= 1 {
		return
	}
	for _, i := range m.s.byGroup[l] {
		m.add(i)
	}
}

// close adds, until nothing changes, the children of members (a child
// started no earlier than its parent: a later start would mean the
// parent's pid was reused) and the groups and sessions members lead.
func (m *membership) close() {
	for len(m.queue) > 0 {
		p := m.s.procs[m.queue[0]]
		m.queue = m.queue[1:]
		for _, c := range m.s.children[p.Pid] {
			if m.s.procs[c].Start >= p.Start {
				m.add(c)
			}
		}
		if _, known := m.f.leaders[p.Pid]; !known && (p.Pgid == p.Pid || p.Sid == p.Pid) {
			m.f.leaders[p.Pid] = p.Start
			m.addGroup(p.Pid)
		}
	}
}
