package platform

import (
	"fmt"
	"sync"

	"golang.org/x/sys/windows"
)

// Windows has no SIGTERM. A graceful stop asks in the two ways programs
// listen for: console programs get CTRL_BREAK_EVENT (CTRL_C_EVENT cannot
// be sent to a process group but the caller's own), GUI programs WM_CLOSE
// on each top-level window. A program that listens to neither, a console
// program that does not share the host's console (the host has none, or
// it started the program detached), and a daemon that left the program's
// process group, is not asked: it is ended by TerminateJobObject once the
// caller's grace is over.

// stopRequester is what a graceful stop calls: the operating system, or a
// test's recorder (Wine delivers neither console events nor, without a
// desktop, window messages, so the sequence is tested against a fake).
type stopRequester interface {
	// ctrlBreak sends CTRL_BREAK_EVENT to the console process group
	// group, which must share this process's console.
	ctrlBreak(group uint32) error
	// topLevelWindows lists every top-level window and its process id.
	topLevelWindows() ([]topLevelWindow, error)
	// postClose posts WM_CLOSE to w.
	postClose(w windows.HWND) error
}

type topLevelWindow struct {
	hwnd windows.HWND
	pid  uint32
}

// requestStop asks the processes pids to end: with CTRL_BREAK_EVENT to
// the console process group group unless that is 0, and with WM_CLOSE to
// each of their top-level windows. The caller must hold a handle on each
// process of pids (and on the group's leader), so that no pid is recycled
// meanwhile. It does all it can and returns what failed.
func requestStop(sys stopRequester, group uint32, pids map[uint32]bool) error {
	var errs []error
	if group != 0 {
		if err := sys.ctrlBreak(group); err != nil {
			errs = append(errs, fmt.Errorf("send CTRL_BREAK_EVENT to process group %d: %w", group, err))
		}
	}
	if len(pids) == 0 {
		return joinErrors(errs...)
	}
	list, err := sys.topLevelWindows()
	if err != nil {
		errs = append(errs, fmt.Errorf("list top-level windows: %w", err))
	}
	for _, w := range list {
		if !pids[w.pid] {
			continue
		}
		if err := sys.postClose(w.hwnd); err != nil {
			errs = append(errs, fmt.Errorf("post WM_CLOSE to window %#x of pid %d: %w", w.hwnd, w.pid, err))
		}
	}
	return joinErrors(errs...)
}

// windowsStopRequester is the stopRequester of the operating system.
type windowsStopRequester struct{}

func (windowsStopRequester) ctrlBreak(group uint32) error {
	return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, group)
}

func (windowsStopRequester) postClose(w windows.HWND) error {
	return postMessage(w, wmClose, 0, 0)
}

// enumerated collects what EnumWindows finds; its callback is made once,
// as a process can make only so many, and fills it under mu.
var enumerated struct {
	mu       sync.Mutex
	callback uintptr
	once     sync.Once
	list     []topLevelWindow
}

func (windowsStopRequester) topLevelWindows() ([]topLevelWindow, error) {
	enumerated.once.Do(func() {
		enumerated.callback = windows.NewCallback(func(hwnd windows.HWND, _ uintptr) uintptr {
			var pid uint32
			if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err == nil {
				enumerated.list = append(enumerated.list, topLevelWindow{hwnd: hwnd, pid: pid})
			}
			return 1 // go on
		})
	})
	enumerated.mu.Lock()
	defer enumerated.mu.Unlock()
	enumerated.list = nil
	err := windows.EnumWindows(enumerated.callback, nil)
	list := enumerated.list
	enumerated.list = nil
	return list, err
}
