package platform

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// killExitCode is the exit code of a process that procman ends: of every
// member with TerminateJobObject, of the program with TerminateProcess.
// Windows has no signals; Wait reports the program ended so as killed by
// SIGKILL when procman ended it while it ran.
const killExitCode = 1

// errReleased is what Wait returns when the Process was released before
// its program was seen to exit.
var errReleased = errors.New("process released before its program exited")

// A jobTree is a program and everything it starts, in a Job Object of
// their own that kills them all when its handle, held only by this
// process, is closed: by release, or by the system when this process
// ends, whatever ends it.
type jobTree struct {
	job windows.Handle
	key uintptr // the job's key on jobPort

	// process is the program's handle, held until release so that neither
	// its pid nor its console process group id (the same number) can be
	// recycled meanwhile. process and pid are set once the program has
	// started, under jobPort.mu (see completionPort.started), and do not
	// change after.
	process windows.Handle
	pid     uint32

	// group is the console process group a graceful stop sends
	// CTRL_BREAK_EVENT to (the program's pid), 0 when the program does not
	// share this process's console.
	group uint32

	stop stopRequester // how a graceful stop asks

	// jobPort.mu guards these; exitedCh closes once hasExited is set, and
	// status and exitErr do not change after.
	hasExited bool
	status    ExitStatus
	exitErr   error
	exitedCh  chan struct{}
	isGone    bool
	goneCh    chan struct{}

	// killed is set when procman kills the program while it runs;
	// graceful holds the graceful signal last sent, 0 for none. They
	// tell how the program ended (see exited).
	killed   atomic.Bool
	graceful atomic.Int32

	// mu keeps the handles open while a method uses them: release closes
	// them with mu held for writing.
	mu       sync.RWMutex
	released bool
	used     Usage // what the job's processes used, read at release
}

// newJobTree makes a job that kills its members when closed and lets none
// break away (no JOB_OBJECT_LIMIT_BREAKAWAY_OK), and that reports to
// jobPort. Its handle is not inheritable: nothing but this process can
// hold it open.
func newJobTree() (*jobTree, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	var limits windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	limits.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if err := setJobInformation(job, windows.JobObjectExtendedLimitInformation, &limits); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("set job object limits: %w", err)
	}
	t := &jobTree{
		job:      job,
		stop:     windowsStopRequester{},
		exitedCh: make(chan struct{}),
		goneCh:   make(chan struct{}),
	}
	if err := jobPort.follow(t); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("associate job object with the completion port: %w", err)
	}
	return t, nil
}

// exited records how the program ended, which it has. jobPort.mu is held.
func (t *jobTree) exited() {
	var code uint32
	if err := windows.GetExitCodeProcess(t.process, &code); err != nil {
		t.exitErr = fmt.Errorf("exit code of pid %d: %w", t.pid, err)
	}
	switch {
	case t.killed.Load() && code == killExitCode:
		t.status = ExitStatus{Signal: syscall.SIGKILL}
	case t.graceful.Load() != 0 && code == uint32(windows.STATUS_CONTROL_C_EXIT):
		// A console program's default handler of CTRL_BREAK_EVENT.
		t.status = ExitStatus{Signal: syscall.Signal(t.graceful.Load())}
	default:
		t.status = ExitStatus{Code: int(code)}
	}
	t.markExited()
}

// markExited ends Wait. jobPort.mu is held.
func (t *jobTree) markExited() {
	t.hasExited = true
	close(t.exitedCh)
}

// markGone closes Gone's channel. jobPort.mu is held.
func (t *jobTree) markGone() {
	if !t.isGone {
		t.isGone = true
		close(t.goneCh)
	}
}

func (t *jobTree) wait() (ExitStatus, error) {
	<-t.exitedCh
	return t.status, t.exitErr
}

func (t *jobTree) gone() <-chan struct{} { return t.goneCh }

// programExited reports whether the program has exited. t.mu is held.
func (t *jobTree) programExited() bool {
	ev, err := windows.WaitForSingleObject(t.process, 0)
	return err == nil && ev == windows.WAIT_OBJECT_0
}

func (t *jobTree) signal(sig syscall.Signal) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.released || t.programExited() {
		return nil
	}
	switch sig {
	case syscall.SIGKILL:
		t.killed.Store(true)
		if err := windows.TerminateProcess(t.process, killExitCode); err != nil && !t.programExited() {
			return fmt.Errorf("terminate pid %d: %w", t.pid, err)
		}
		return nil
	case syscall.SIGTERM, syscall.SIGINT:
		t.graceful.Store(int32(sig))
		return requestStop(t.stop, t.group, map[uint32]bool{t.pid: true})
	}
	return unsupportedSignal(sig)
}

func (t *jobTree) signalTree(sig syscall.Signal) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.released {
		return nil
	}
	switch sig {
	case syscall.SIGKILL:
		if !t.programExited() {
			t.killed.Store(true)
		}
		if err := windows.TerminateJobObject(t.job, killExitCode); err != nil {
			if ids, lerr := t.processIDs(); lerr == nil && len(ids) == 0 {
				return nil
			}
			return fmt.Errorf("terminate the job of pid %d: %w", t.pid, err)
		}
		return nil
	case syscall.SIGTERM, syscall.SIGINT:
		members, err := t.holdMembers()
		defer func() {
			for _, h := range members {
				windows.CloseHandle(h)
			}
		}()
		if err != nil {
			return err
		}
		if !t.programExited() {
			t.graceful.Store(int32(sig))
		}
		pids := make(map[uint32]bool, len(members))
		for pid := range members {
			pids[pid] = true
		}
		return requestStop(t.stop, t.group, pids)
	}
	return unsupportedSignal(sig)
}

// unsupportedSignal is the error of a signal that has no meaning here.
func unsupportedSignal(sig syscall.Signal) error {
	return fmt.Errorf("signal %v: Windows has no signals, and procman sends only SIGKILL, SIGTERM and SIGINT: %w", sig, errors.ErrUnsupported)
}

// holdMembers opens a handle on each live member of the job, which keeps
// its pid from being recycled until the handle is closed: a pid is
// signalled only while its process is held and known to be a member.
// t.mu is held.
func (t *jobTree) holdMembers() (map[uint32]windows.Handle, error) {
	ids, err := t.processIDs()
	if err != nil {
		return nil, err
	}
	held := make(map[uint32]windows.Handle, len(ids))
	for _, id := range ids {
		h, err := windows.OpenProcess(windows.PROCESS_QUERY_INFORMATION|windows.SYNCHRONIZE, false, id)
		if err != nil {
			continue // it has exited
		}
		if in, err := isProcessInJob(h, t.job); err != nil || !in {
			windows.CloseHandle(h) // the pid was recycled
			continue
		}
		held[id] = h
	}
	return held, nil
}

func (t *jobTree) members() ([]int, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.released {
		return nil, errReleased
	}
	ids, err := t.processIDs()
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(ids))
	for _, id := range ids {
		if !isConsoleHost(id) {
			pids = append(pids, int(id))
		}
	}
	return pids, nil
}

// isConsoleHost reports whether process id runs conhost.exe, which Windows
// starts in the job for the console a program gets when the host has none
// to share, and which may outlive the program a moment: it is the
// system's, as procman-init is procman's on Linux, so Members leaves it
// out. (A program that names itself conhost.exe hides from Members only:
// Gone waits for it, and a kill ends it.)
func isConsoleHost(id uint32) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, id)
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_PATH) // a longer path is no conhost.exe of the system's
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) != nil {
		return false
	}
	return strings.EqualFold(filepath.Base(windows.UTF16ToString(buf[:n])), "conhost.exe")
}

// processIDs lists the job's live processes (JobObjectBasicProcessIdList),
// growing its buffer for as long as the job has more than it holds.
func (t *jobTree) processIDs() ([]uint32, error) {
	const header = int(unsafe.Sizeof(jobProcessIDList{}) / unsafe.Sizeof(uintptr(0)))
	n := 16
	for {
		buf := make([]uintptr, header+n)
		err := queryJobInformation(t.job, windows.JobObjectBasicProcessIdList, buf)
		list := (*jobProcessIDList)(unsafe.Pointer(&buf[0]))
		if err == windows.ERROR_MORE_DATA || err == nil && list.NumberOfAssignedProcesses > list.NumberOfProcessIdsInList {
			n = max(2*n, int(list.NumberOfAssignedProcesses)+8)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list the processes of the job of pid %d: %w", t.pid, err)
		}
		ids := make([]uint32, list.NumberOfProcessIdsInList)
		for i := range ids {
			ids[i] = uint32(buf[header+i])
		}
		return ids, nil
	}
}

// release stops following the job, takes its accounting and closes it,
// which ends whatever of the tree lives on, and the program's handle.
func (t *jobTree) release() error {
	jobPort.forget(t)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.released {
		t.used = jobUsage(t.job)
	}
	t.released = true
	return joinErrors(windows.CloseHandle(t.job), windows.CloseHandle(t.process))
}

func (t *jobTree) usage() Usage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.used
}

// jobUsage reads what the processes of job used; what cannot be read is 0.
func jobUsage(job windows.Handle) Usage {
	var u Usage
	var acct jobBasicAccounting
	if queryJob(job, windows.JobObjectBasicAccountingInformation, &acct) == nil {
		u.CPUTime = time.Duration(acct.TotalUserTime+acct.TotalKernelTime) * 100 // 100 ns units
	}
	var limits windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if queryJob(job, windows.JobObjectExtendedLimitInformation, &limits) == nil {
		u.PeakMemory = uint64(limits.PeakProcessMemoryUsed)
	}
	return u
}
