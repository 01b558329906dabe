package platform

import (
	"sync"

	"golang.org/x/sys/windows"
)

// Every job reports to one I/O completion port, read by one goroutine
// while any job is followed: a host with a thousand trees waits on one
// OS thread, not a thousand.
//
// Windows does not promise to deliver every job notification, and Wine,
// after TerminateJobObject, often delivers only ACTIVE_PROCESS_ZERO. So a
// notification only prompts a look: whether the program exited is asked
// of its process handle, and whether the tree is gone of the job's
// process list; and every pollInterval without any notification, every
// job is looked at.

// pollInterval bounds how late a lost notification makes Wait or Gone.
const pollInterval = 1000 // milliseconds

// jobPort is the completion port of every job of this process.
var jobPort completionPort

type completionPort struct {
	// mu guards every field, and the exited and gone state of each job
	// followed: a job is looked at, and released, under it.
	mu      sync.Mutex
	handle  windows.Handle // made on first use, never closed
	jobs    map[uintptr]*jobTree
	lastKey uintptr
	reading bool // a goroutine reads the port
}

// follow has t's job report to the port, under a key of its own, and
// starts the reader if none runs. t is looked at only once it has a
// program (see started).
func (p *completionPort) follow(t *jobTree) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handle == 0 {
		h, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
		if err != nil {
			return err
		}
		p.handle = h
		p.jobs = make(map[uintptr]*jobTree)
	}
	p.lastKey++
	info := jobAssociateCompletionPort{CompletionKey: p.lastKey, CompletionPort: p.handle}
	if err := setJobInformation(t.job, jobObjectAssociateCompletionPort, &info); err != nil {
		return err
	}
	t.key = p.lastKey
	p.jobs[t.key] = t
	if !p.reading {
		p.reading = true
		go p.read()
	}
	return nil
}

// started records t's program, started, and looks at t at once for what
// the port said before.
func (p *completionPort) started(t *jobTree, process windows.Handle, pid uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.process, t.pid = process, pid
	p.look(t)
}

// forget stops following t, and ends its Wait and Gone with errReleased
// unless they ended before.
func (p *completionPort) forget(t *jobTree) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.jobs[t.key]; !ok {
		return
	}
	delete(p.jobs, t.key)
	if !t.hasExited {
		t.exitErr = errReleased
		t.markExited()
	}
	t.markGone()
	if len(p.jobs) == 0 && p.reading {
		// Wake the reader, so that it ends now.
		windows.PostQueuedCompletionStatus(p.handle, 0, 0, nil)
	}
}

// read reads the port until no job is left to follow.
func (p *completionPort) read() {
	for {
		msg, key, _, err := getQueuedCompletionStatus(p.handle, pollInterval)
		p.mu.Lock()
		switch t := p.jobs[key]; {
		case err != nil:
			// A timeout, or a failure of the port itself: look at
			// every job, so that nothing waits for a lost message.
			for _, t := range p.jobs {
				p.look(t)
			}
		case t == nil:
			// A job forgotten, or the wake-up of forget.
		case msg == jobObjectMsgActiveProcessZero:
			// No process is left: the program too has exited.
			if t.process != 0 {
				if !t.hasExited {
					t.exited()
				}
				t.markGone()
				delete(p.jobs, key)
			}
		case msg == jobObjectMsgExitProcess, msg == jobObjectMsgAbnormalExitProcess:
			p.look(t)
		}
		if len(p.jobs) == 0 {
			p.reading = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// look records whether t's program has exited and whether its tree is
// gone, and stops following it once it is.
func (p *completionPort) look(t *jobTree) {
	if t.process == 0 {
		return // not started yet
	}
	if !t.hasExited {
		if ev, err := windows.WaitForSingleObject(t.process, 0); err == nil && ev == windows.WAIT_OBJECT_0 {
			t.exited()
		}
	}
	if t.hasExited && !t.isGone {
		if ids, err := t.processIDs(); err == nil && len(ids) == 0 {
			t.markGone()
		}
	}
	if t.isGone {
		delete(p.jobs, t.key)
	}
}
