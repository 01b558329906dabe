//go:build unix

package proctree

import (
	"errors"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// The tests named TestScanRules, TestSignalRules and TestKillRules run a
// Family against a constructedTable, a process table made of Proc values,
// so that each membership rule can be met alone, and its edge cases made
// at will. The same code runs against real process trees in the Linux
// tests.

// Pids of constructed processes: far above any pid_max, so never the test
// process's own.
const (
	rootPid = 5_000_000 + iota*100
	otherPid
	strangerPid
)

// constructedTable is a Table made of Proc values. Environ answers from
// environ and counts its calls; Signal records what it is asked and
// answers ErrGone for a process not in the table, and SIGKILL removes the
// process.
type constructedTable struct {
	mu           sync.Mutex
	procs        []Proc
	environ      map[ID][]string
	environErr   map[ID]error // answered once, instead of the environment
	environCalls map[ID]int
	signals      []sentSignal
	// beforeProcs, if set, changes the table before each Procs answers.
	beforeProcs func(t *constructedTable)
}

type sentSignal struct {
	id  ID
	sig syscall.Signal
}

func newConstructedTable(procs ...Proc) *constructedTable {
	return &constructedTable{
		procs:        procs,
		environ:      make(map[ID][]string),
		environErr:   make(map[ID]error),
		environCalls: make(map[ID]int),
	}
}

func (c *constructedTable) Procs() ([]Proc, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.beforeProcs != nil {
		c.beforeProcs(c)
	}
	return slices.Clone(c.procs), nil
}

func (c *constructedTable) Environ(p Proc) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.environCalls[p.ID()]++
	if err := c.environErr[p.ID()]; err != nil {
		delete(c.environErr, p.ID())
		return nil, err
	}
	return c.environ[p.ID()], nil
}

func (c *constructedTable) Signal(p Proc, sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.signals = append(c.signals, sentSignal{p.ID(), sig})
	i := slices.IndexFunc(c.procs, func(q Proc) bool { return q.ID() == p.ID() })
	if i < 0 {
		return ErrGone
	}
	if sig == syscall.SIGKILL {
		c.procs = slices.Delete(c.procs, i, i+1)
	}
	return nil
}

// set replaces the table's processes.
func (c *constructedTable) set(procs ...Proc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.procs = procs
}

// sent returns the signals sent to id, in order.
func (c *constructedTable) sent(id ID) []syscall.Signal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return signalsTo(c.signals, id)
}

func signalsTo(signals []sentSignal, id ID) []syscall.Signal {
	var sigs []syscall.Signal
	for _, s := range signals {
		if s.id == id {
			sigs = append(sigs, s.sig)
		}
	}
	return sigs
}

const familyUid = 1000

// root is a constructed family's program: a process group leader.
var root = Proc{Pid: rootPid, PPid: 1, Pgid: rootPid, Sid: 1, Uid: familyUid, Start: 100}

// constructedChild returns a process of familyUid started at start, whose
// parent is parent, in the parent's group and session.
func constructedChild(pid int, parent Proc, start uint64) Proc {
	return Proc{Pid: pid, PPid: parent.Pid, Pgid: parent.Pgid, Sid: parent.Sid, Uid: familyUid, Start: start}
}

// scanPids scans f in table and returns the members' pids.
func scanPids(t *testing.T, f *Family, table Table) []int {
	t.Helper()
	members, err := f.Scan(table)
	if err != nil {
		t.Fatal(err)
	}
	pids := make([]int, len(members))
	for i, p := range members {
		pids[i] = p.Pid
	}
	return pids
}

func wantPids(t *testing.T, scan string, got []int, want ...int) {
	t.Helper()
	if want == nil {
		want = []int{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: members %v, want %v", scan, got, want)
	}
}

func TestScanRulesFollowChildrenGroupsAndSessions(t *testing.T) {
	// The child leads a session of its own; the grandchild, in it, is an
	// orphan in a group of its own; the great-grandchild, in that group,
	// has a parent that is no member.
	child := Proc{Pid: rootPid + 1, PPid: rootPid, Pgid: rootPid + 1, Sid: rootPid + 1, Uid: familyUid, Start: 101}
	inSession := Proc{Pid: rootPid + 2, PPid: 1, Pgid: rootPid + 2, Sid: rootPid + 1, Uid: familyUid, Start: 102}
	inGroup := Proc{Pid: rootPid + 3, PPid: otherPid, Pgid: rootPid + 2, Sid: rootPid + 1, Uid: familyUid, Start: 103}
	other := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50}
	table := newConstructedTable(root, child, inSession, inGroup, other)
	f := New(root.ID(), familyUid, "")
	wantPids(t, "scan", scanPids(t, f, table), root.Pid, child.Pid, inSession.Pid, inGroup.Pid)
}

func TestScanRulesChildStartedBeforeParentIsNoMember(t *testing.T) {
	// A process started before the root is not its child, whatever its
	// parent pid says: the table is read one process at a time, and that
	// line was read while the pid was an earlier process's.
	older := Proc{Pid: rootPid + 1, PPid: rootPid, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: root.Start - 1}
	younger := Proc{Pid: rootPid + 2, PPid: rootPid, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: root.Start}
	table := newConstructedTable(root, older, younger)
	f := New(root.ID(), familyUid, "")
	wantPids(t, "scan", scanPids(t, f, table), root.Pid, younger.Pid)
}

func TestScanRulesKnownPidWithAnotherStartIsNoMember(t *testing.T) {
	member := Proc{Pid: rootPid + 1, PPid: rootPid, Pgid: rootPid + 1, Sid: 1, Uid: familyUid, Start: 101}
	table := newConstructedTable(root, member)
	f := New(root.ID(), familyUid, "")
	wantPids(t, "first scan", scanPids(t, f, table), root.Pid, member.Pid)

	// The member and its group are gone, and another process, of no
	// group of the family and of a parent that is no member, has its pid.
	reused := Proc{Pid: member.Pid, PPid: otherPid, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 500}
	table.set(root, reused)
	wantPids(t, "scan after the pid's reuse", scanPids(t, f, table), root.Pid)
	// The same process with its own start time is still a member.
	table.set(root, reused, member)
	wantPids(t, "scan with the member", scanPids(t, f, table), root.Pid, member.Pid)
}

func TestScanRulesEmptyGroupIsPrunedAndItsIdNotTaken(t *testing.T) {
	// The root leaves a process in its group, which is found through it.
	inGroup := Proc{Pid: rootPid + 1, PPid: 1, Pgid: rootPid, Sid: 1, Uid: familyUid, Start: 101}
	table := newConstructedTable(inGroup)
	f := New(root.ID(), familyUid, "")
	wantPids(t, "scan of the root's group", scanPids(t, f, table), inGroup.Pid)

	// The group is empty, for one scan.
	table.set()
	wantPids(t, "scan of nothing", scanPids(t, f, table))

	// Its id is a new group's, whose leader has already exited: only the
	// scan that saw the group empty tells that this is not the root's.
	stranger := Proc{Pid: strangerPid, PPid: 1, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 900}
	table.set(stranger)
	wantPids(t, "scan after the group id's reuse", scanPids(t, f, table))
}

func TestScanRulesLeaderPidWithAnotherStartEndsItsGroup(t *testing.T) {
	child := constructedChild(rootPid+1, root, 101)
	table := newConstructedTable(root, child)
	f := New(root.ID(), familyUid, "")
	wantPids(t, "first scan", scanPids(t, f, table), root.Pid, child.Pid)

	// Between two scans, the family ended and the root's pid was reused
	// by a stranger leading a group of its own: a pid is free again only
	// once no group or session has it as its id, so that group is a new
	// one, whatever it holds.
	stranger := Proc{Pid: rootPid, PPid: otherPid, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 900}
	strangersChild := Proc{Pid: strangerPid, PPid: otherPid, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 901}
	table.set(stranger, strangersChild)
	wantPids(t, "scan after the root's pid's reuse", scanPids(t, f, table))
}

func TestScanRulesTagOnlyForTheFamilysUser(t *testing.T) {
	const tag = TagVar + "=family"
	mine := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50}
	theirs := Proc{Pid: strangerPid, PPid: 1, Pgid: strangerPid, Sid: strangerPid, Uid: familyUid + 1, Start: 50}
	table := newConstructedTable(root, mine, theirs)
	table.environ[mine.ID()] = []string{"A=1", tag}
	table.environ[theirs.ID()] = []string{tag}
	f := New(root.ID(), familyUid, tag)
	wantPids(t, "scan", scanPids(t, f, table), root.Pid, mine.Pid)
	if n := table.environCalls[theirs.ID()]; n != 0 {
		t.Errorf("the environment of another user's process was read %d times", n)
	}
	// A family without a tag reads no environment.
	table = newConstructedTable(root, mine, theirs)
	table.environ[mine.ID()] = []string{TagVar + "="}
	wantPids(t, "scan without a tag", scanPids(t, New(root.ID(), familyUid, ""), table), root.Pid)
	if len(table.environCalls) != 0 {
		t.Errorf("a family without a tag read environments: %v", table.environCalls)
	}
}

func TestScanRulesEnvironReadOncePerProcess(t *testing.T) {
	const tag = TagVar + "=family"
	untagged := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50}
	tagged := Proc{Pid: strangerPid, PPid: 1, Pgid: strangerPid, Sid: strangerPid, Uid: familyUid, Start: 50}
	table := newConstructedTable(root, untagged, tagged)
	table.environ[untagged.ID()] = []string{TagVar + "=another"}
	table.environ[tagged.ID()] = []string{tag}
	f := New(root.ID(), familyUid, tag)
	for range 3 {
		wantPids(t, "scan", scanPids(t, f, table), root.Pid, tagged.Pid)
	}
	// The root is a member before any tag is looked for, and a tagged
	// process is one from then on.
	want := map[ID]int{untagged.ID(): 1, tagged.ID(): 1}
	for id, n := range table.environCalls {
		if n != want[id] {
			t.Errorf("environment of %v read %d times, want %d", id, n, want[id])
		}
	}
	// Another process at the pid of the untagged one is read in turn.
	newcomer := untagged
	newcomer.Start++
	table.set(root, newcomer)
	scanPids(t, f, table)
	if n := table.environCalls[newcomer.ID()]; n != 1 {
		t.Errorf("environment of the pid's new process read %d times, want 1", n)
	}
}

func TestScanRulesEnvironReadAgainAfterAnError(t *testing.T) {
	// Linux shows no environment for a process in the middle of an exec:
	// the read that fails must not count as one that found no tag.
	const tag = TagVar + "=family"
	daemon := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50}
	table := newConstructedTable(root, daemon)
	table.environ[daemon.ID()] = []string{tag}
	table.environErr[daemon.ID()] = errors.New("environment not there yet")
	f := New(root.ID(), familyUid, tag)
	wantPids(t, "scan with the environment unreadable", scanPids(t, f, table), root.Pid)
	wantPids(t, "scan with the environment readable", scanPids(t, f, table), root.Pid, daemon.Pid)
}

func TestScanRulesEnvironReadAtMostEnvironTriesWhileItFails(t *testing.T) {
	// An environment that cannot be read at all (another user's process
	// running as this one, say) is not read again at every scan.
	const tag = TagVar + "=family"
	unreadable := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50}
	table := newConstructedTable(root, unreadable)
	f := New(root.ID(), familyUid, tag)
	for range environTries + 3 {
		table.environErr[unreadable.ID()] = errors.New("permission denied")
		wantPids(t, "scan", scanPids(t, f, table), root.Pid)
	}
	if n := table.environCalls[unreadable.ID()]; n != environTries {
		t.Errorf("an unreadable environment was read %d times, want %d", n, environTries)
	}
}

func TestScanRulesSelfAndInitNeverMembers(t *testing.T) {
	// The scanning process and init are children of the root, in its
	// group and session, and tagged: they are still no members.
	const tag = TagVar + "=family"
	leader := Proc{Pid: rootPid, PPid: 1, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 100}
	self := Proc{Pid: os.Getpid(), PPid: rootPid, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 150}
	pid1 := Proc{Pid: 1, PPid: rootPid, Pgid: rootPid, Sid: rootPid, Uid: familyUid, Start: 150}
	table := newConstructedTable(leader, self, pid1)
	for _, p := range table.procs {
		table.environ[p.ID()] = []string{tag}
	}
	f := New(leader.ID(), familyUid, tag)
	wantPids(t, "scan", scanPids(t, f, table), leader.Pid)
	if n := table.environCalls[self.ID()]; n != 0 {
		t.Errorf("the scanning process's environment was read %d times", n)
	}
}

func TestScanRulesZombiesNoMembers(t *testing.T) {
	const tag = TagVar + "=family"
	zombieChild := constructedChild(rootPid+1, root, 101)
	zombieChild.Zombie = true
	taggedZombie := Proc{Pid: otherPid, PPid: 1, Pgid: otherPid, Sid: otherPid, Uid: familyUid, Start: 50, Zombie: true}
	table := newConstructedTable(root, zombieChild, taggedZombie)
	table.environ[taggedZombie.ID()] = []string{tag}
	f := New(root.ID(), familyUid, tag)
	wantPids(t, "scan", scanPids(t, f, table), root.Pid)
	// The root exits too, and is a zombie until its parent reaps it.
	zombieRoot := root
	zombieRoot.Zombie = true
	table.set(zombieRoot, zombieChild, taggedZombie)
	wantPids(t, "scan after the root's exit", scanPids(t, f, table))
}

func TestSignalRulesGracefulSignalOncePerMember(t *testing.T) {
	child := constructedChild(rootPid+1, root, 101)
	table := newConstructedTable(root, child)
	f := New(root.ID(), familyUid, "")
	if err := f.Signal(table, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// A member started since gets it at the next call, and only it.
	late := constructedChild(rootPid+2, root, 102)
	table.set(root, child, late)
	if err := f.Signal(table, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[Proc][]syscall.Signal{
		root:  {syscall.SIGTERM},
		child: {syscall.SIGTERM},
		late:  {syscall.SIGINT},
	} {
		if got := table.sent(p.ID()); !slices.Equal(got, want) {
			t.Errorf("pid %d was sent %v, want %v", p.Pid, got, want)
		}
	}
}

func TestKillRulesFreezeBeforeKilling(t *testing.T) {
	// Every process not stopped forks a child at each read of the table
	// (fifty in all): nothing may be killed while a member that could
	// still fork runs, and all must end.
	table := newConstructedTable(root)
	created := []Proc{root}
	table.beforeProcs = func(c *constructedTable) {
		for _, p := range slices.Clone(c.procs) {
			if len(created) < 50 && !slices.Contains(signalsTo(c.signals, p.ID()), syscall.SIGSTOP) {
				child := constructedChild(rootPid+len(created), p, p.Start+1)
				c.procs = append(c.procs, child)
				created = append(created, child)
			}
		}
	}
	f := New(root.ID(), familyUid, "")
	if err := f.Kill(table); err != nil {
		t.Fatal(err)
	}
	firstKill := slices.IndexFunc(table.signals, func(s sentSignal) bool { return s.sig == syscall.SIGKILL })
	if firstKill < 0 {
		t.Fatal("no SIGKILL was sent")
	}
	for _, p := range created {
		if !slices.Contains(signalsTo(table.signals[:firstKill], p.ID()), syscall.SIGSTOP) {
			t.Errorf("pid %d was not stopped before the first SIGKILL", p.Pid)
		}
	}
	if procs, _ := table.Procs(); len(procs) != 0 {
		t.Errorf("processes left after Kill: %v", procs)
	}
}
