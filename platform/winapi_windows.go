package platform

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// What golang.org/x/sys/windows does not define.

const (
	// PROC_THREAD_ATTRIBUTE_JOB_LIST: the new process is in these jobs
	// from its creation, before its first instruction (Windows 10+).
	procThreadAttributeJobList = 0x0002000D

	// Job notifications: the message, as the completion's byte count.
	jobObjectMsgActiveProcessZero    = 4
	jobObjectMsgNewProcess           = 6
	jobObjectMsgExitProcess          = 7
	jobObjectMsgAbnormalExitProcess  = 8
	jobObjectAssociateCompletionPort = windows.JobObjectAssociateCompletionPortInformation

	wmClose = 0x0010
)

// jobAssociateCompletionPort is JOBOBJECT_ASSOCIATE_COMPLETION_PORT.
type jobAssociateCompletionPort struct {
	CompletionKey  uintptr
	CompletionPort windows.Handle
}

// jobProcessIDList is the head of JOBOBJECT_BASIC_PROCESS_ID_LIST; the
// ids (ULONG_PTR each) follow it.
type jobProcessIDList struct {
	NumberOfAssignedProcesses uint32
	NumberOfProcessIdsInList  uint32
}

var (
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")
	user32   = windows.NewLazySystemDLL("user32.dll")

	procGetQueuedCompletionStatus = kernel32.NewProc("GetQueuedCompletionStatus")
	procSetInformationJobObject   = kernel32.NewProc("SetInformationJobObject")
	procQueryInformationJobObject = kernel32.NewProc("QueryInformationJobObject")
	procGetConsoleProcessList     = kernel32.NewProc("GetConsoleProcessList")
	procIsProcessInJob            = kernel32.NewProc("IsProcessInJob")
	procPostMessageW              = user32.NewProc("PostMessageW")
)

// getQueuedCompletionStatus is GetQueuedCompletionStatus with the
// "overlapped" result as an integer: a job's notifications put a process
// id there, which must not sit in a Go pointer.
func getQueuedCompletionStatus(port windows.Handle, timeout uint32) (qty uint32, key, overlapped uintptr, err error) {
	r, _, e := procGetQueuedCompletionStatus.Call(uintptr(port),
		uintptr(unsafe.Pointer(&qty)), uintptr(unsafe.Pointer(&key)), uintptr(unsafe.Pointer(&overlapped)), uintptr(timeout))
	if r == 0 {
		return 0, 0, 0, e
	}
	return qty, key, overlapped, nil
}

// setJobInformation sets information of class on job. It calls through
// LazyProc.Call, whose arguments keep what they point to in place, unlike
// windows.SetInformationJobObject's uintptr.
func setJobInformation[T any](job windows.Handle, class uint32, info *T) error {
	r, _, e := procSetInformationJobObject.Call(uintptr(job), uintptr(class), uintptr(unsafe.Pointer(info)), unsafe.Sizeof(*info))
	if r == 0 {
		return e
	}
	return nil
}

// queryJobInformation reads information of class of job into buf.
func queryJobInformation(job windows.Handle, class uint32, buf []uintptr) error {
	r, _, e := procQueryInformationJobObject.Call(uintptr(job), uintptr(class),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf))*unsafe.Sizeof(buf[0]), 0)
	if r == 0 {
		return e
	}
	return nil
}

// queryJob reads the information of class of job into info.
func queryJob[T any](job windows.Handle, class uint32, info *T) error {
	r, _, e := procQueryInformationJobObject.Call(uintptr(job), uintptr(class),
		uintptr(unsafe.Pointer(info)), unsafe.Sizeof(*info), 0)
	if r == 0 {
		return e
	}
	return nil
}

// jobBasicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION; times are
// in 100 ns units.
type jobBasicAccounting struct {
	TotalUserTime, TotalKernelTime                       int64
	ThisPeriodTotalUserTime, ThisPeriodTotalKernelTime   int64
	TotalPageFaultCount, TotalProcesses, ActiveProcesses uint32
	TotalTerminatedProcesses                             uint32
}

// hostHasConsole reports whether this process is attached to a console.
func hostHasConsole() bool {
	var pid uint32
	n, _, _ := procGetConsoleProcessList.Call(uintptr(unsafe.Pointer(&pid)), 1)
	return n != 0
}

// isProcessInJob reports whether process is a member of job. The handle
// needs PROCESS_QUERY_INFORMATION: Wine refuses the limited right.
func isProcessInJob(process, job windows.Handle) (bool, error) {
	var in int32
	r, _, e := procIsProcessInJob.Call(uintptr(process), uintptr(job), uintptr(unsafe.Pointer(&in)))
	if r == 0 {
		return false, e
	}
	return in != 0, nil
}

func postMessage(w windows.HWND, msg uint32, wparam, lparam uintptr) error {
	r, _, e := procPostMessageW.Call(uintptr(w), uintptr(msg), wparam, lparam)
	if r == 0 {
		return e
	}
	return nil
}
