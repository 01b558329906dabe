package platform

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// groupMembers lists the live (not zombie) processes whose process group is
// pgid. Many callers at once (a Close of thousands of processes) share
// scans of /proc: each caller is answered by a scan that started after it
// asked, so no answer is older than the question.
func groupMembers(pgid int) ([]int, error) {
	return groupCensus.members(pgid)
}

var groupCensus census

// census batches the questions that arrive while a scan runs into the next
// scan. Its goroutine runs only while there are questions.
type census struct {
	mu       sync.Mutex // guards waiting and scanning
	waiting  []question
	scanning bool
}

type question struct {
	pgid   int
	answer chan<- answer
}

type answer struct {
	members []int
	err     error
}

func (c *census) members(pgid int) ([]int, error) {
	ch := make(chan answer, 1)
	c.mu.Lock()
	c.waiting = append(c.waiting, question{pgid, ch})
	if !c.scanning {
		c.scanning = true
		go c.run()
	}
	c.mu.Unlock()
	a := <-ch
	return a.members, a.err
}

func (c *census) run() {
	for {
		c.mu.Lock()
		batch := c.waiting
		c.waiting = nil
		if len(batch) == 0 {
			c.scanning = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		wanted := make(map[int]bool, len(batch))
		for _, q := range batch {
			wanted[q.pgid] = true
		}
		groups, err := scanGroups(wanted)
		for _, q := range batch {
			q.answer <- answer{groups[q.pgid], err}
		}
	}
}

// scanGroups returns the live members of each wanted process group. It
// asks getpgid of every pid in /proc, which is cheap, and reads the costly
// /proc/PID/stat only of the members, for their state. A process that
// vanishes meanwhile is simply not counted.
func scanGroups(wanted map[int]bool) (map[int][]int, error) {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	groups := make(map[int][]int)
	buf := make([]byte, 512)
	for _, name := range names {
		id, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		pid, err := nsPid(id)
		if err != nil {
			continue // gone, or outside this namespace
		}
		group, err := unix.Getpgid(pid)
		if err != nil || !wanted[group] {
			continue
		}
		if state, ok := readState(name, buf); ok && state != 'Z' && state != 'X' {
			groups[group] = append(groups[group], pid)
		}
	}
	return groups, nil
}

// readState returns the state letter of /proc/PID/stat. The command name
// may hold spaces and parentheses, so the state is found after the last ')'.
func readState(pid string, buf []byte) (state byte, ok bool) {
	f, err := os.Open("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	n, _ := f.Read(buf)
	f.Close()
	data := buf[:n]
	end := bytes.LastIndexByte(data, ')')
	if end < 0 || end+2 >= len(data) {
		return 0, false
	}
	return data[end+2], true
}

// liveDescendants lists the live (not zombie) descendants of pid, found
// through the children of each of their threads.
func liveDescendants(pid int) ([]int, error) {
	id, err := procPid(pid)
	if errors.Is(err, unix.ESRCH) {
		return nil, nil // pid itself is gone, and so its tree
	}
	if err != nil {
		return nil, err
	}
	all, err := appendChildren(nil, id)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	for i := 0; i < len(all); i++ {
		all, _ = appendChildren(all, all[i]) // one may exit meanwhile
	}
	buf := make([]byte, 512)
	live := all[:0]
	for _, id := range all {
		if state, ok := readState(strconv.Itoa(id), buf); ok && state != 'Z' && state != 'X' {
			if pid, err := nsPid(id); err == nil {
				live = append(live, pid)
			}
		}
	}
	return live, nil
}

// children returns the pids of pid's children; both in this process's
// namespace.
func children(pid int) ([]int, error) {
	id, err := procPid(pid)
	if err != nil {
		return nil, err
	}
	ids, err := appendChildren(nil, id)
	if err != nil {
		return nil, err
	}
	pids := ids[:0]
	for _, id := range ids {
		if pid, err := nsPid(id); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// appendChildren appends the children of every thread of the process /proc
// names id (pids as /proc names them).
func appendChildren(pids []int, id int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(id) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return pids, err
	}
	for _, task := range tasks {
		data, err := os.ReadFile(dir + "/" + task.Name() + "/children")
		if err != nil {
			continue
		}
		for _, field := range bytes.Fields(data) {
			if child, err := strconv.Atoi(string(field)); err == nil {
				pids = append(pids, child)
			}
		}
	}
	return pids, nil
}
