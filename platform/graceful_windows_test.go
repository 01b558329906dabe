package platform

import (
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/procman-dev/procman/internal/proctest"
)

// recordingStopRequester records a graceful stop's calls instead of
// making them: Wine delivers neither console control events nor window
// messages to windowless programs, so the calls are what can be checked.
type recordingStopRequester struct {
	windows  []topLevelWindow
	breakErr error
	calls    []string
}

func (r *recordingStopRequester) ctrlBreak(group uint32) error {
	r.calls = append(r.calls, fmt.Sprintf("CTRL_BREAK %d", group))
	return r.breakErr
}

func (r *recordingStopRequester) topLevelWindows() ([]topLevelWindow, error) {
	r.calls = append(r.calls, "EnumWindows")
	return r.windows, nil
}

func (r *recordingStopRequester) postClose(w windows.HWND) error {
	r.calls = append(r.calls, fmt.Sprintf("WM_CLOSE %#x", w))
	return nil
}

func TestRequestStopSequenceFakeOS(t *testing.T) {
	wins := []topLevelWindow{{hwnd: 0x10, pid: 7}, {hwnd: 0x20, pid: 8}, {hwnd: 0x30, pid: 7}, {hwnd: 0x40, pid: 99}}
	for _, tc := range []struct {
		name     string
		group    uint32
		pids     map[uint32]bool
		breakErr error
		want     []string
		wantErr  bool
	}{
		{name: "console and windows", group: 7, pids: map[uint32]bool{7: true, 8: true},
			want: []string{"CTRL_BREAK 7", "EnumWindows", "WM_CLOSE 0x10", "WM_CLOSE 0x20", "WM_CLOSE 0x30"}},
		{name: "no shared console", group: 0, pids: map[uint32]bool{8: true},
			want: []string{"EnumWindows", "WM_CLOSE 0x20"}},
		{name: "console event fails, windows still asked", group: 7, pids: map[uint32]bool{7: true}, breakErr: windows.ERROR_INVALID_HANDLE,
			want: []string{"CTRL_BREAK 7", "EnumWindows", "WM_CLOSE 0x10", "WM_CLOSE 0x30"}, wantErr: true},
		{name: "no member left", group: 7, pids: nil,
			want: []string{"CTRL_BREAK 7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recordingStopRequester{windows: wins, breakErr: tc.breakErr}
			err := requestStop(r, tc.group, tc.pids)
			if !slices.Equal(r.calls, tc.want) {
				t.Errorf("calls %q, want %q", r.calls, tc.want)
			}
			if (err != nil) != tc.wantErr || tc.wantErr && !errors.Is(err, tc.breakErr) {
				t.Errorf("requestStop() = %v, want error %v", err, tc.breakErr)
			}
		})
	}
}

// TestSignalTreeGracefulFakeOS: a graceful SignalTree asks the program's
// console process group and the windows of the job's live members, and
// no other process's; and a program ended by CTRL_BREAK's default
// handler would be reported as ended by the signal sent. The processes
// are real, the requests recorded (see recordingStopRequester).
func TestSignalTreeGracefulFakeOS(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, tree := startTree(t, "tree", w)
	c.Await(treeRoles...)
	r := &recordingStopRequester{}
	for _, role := range treeRoles {
		r.windows = append(r.windows, topLevelWindow{hwnd: windows.HWND(0x100 + len(r.windows)), pid: uint32(c.Pid(role))})
	}
	r.windows = append(r.windows, topLevelWindow{hwnd: 0x999, pid: uint32(windows.GetCurrentProcessId())})
	tree.stop = r
	tree.group = uint32(p.Pid) // as when the host has a console

	if err := p.SignalTree(syscall.SIGTERM); err != nil {
		t.Fatalf("SignalTree(SIGTERM): %v", err)
	}
	want := []string{fmt.Sprintf("CTRL_BREAK %d", p.Pid), "EnumWindows", "WM_CLOSE 0x100", "WM_CLOSE 0x101", "WM_CLOSE 0x102", "WM_CLOSE 0x103"}
	if !slices.Equal(r.calls, want) {
		t.Errorf("calls %q, want %q", r.calls, want)
	}

	r.calls = nil
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("Signal(SIGINT): %v", err)
	}
	want = []string{fmt.Sprintf("CTRL_BREAK %d", p.Pid), "EnumWindows", "WM_CLOSE 0x100"}
	if !slices.Equal(r.calls, want) {
		t.Errorf("calls %q, want %q", r.calls, want)
	}
	if got := tree.graceful.Load(); got != int32(syscall.SIGINT) {
		t.Errorf("graceful signal recorded %d, want SIGINT", got)
	}

	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	awaitGone(t, p)
	c.AwaitEnded()
}

// TestSignalTreeGracefulUnderWine: with the system's own requester, a
// graceful SignalTree fails nothing, and a SIGKILL after it ends the tree
// (under Wine the test binary has no console, and the tree's programs
// get no CTRL_BREAK_EVENT).
func TestSignalTreeGracefulUnderWine(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, tree := startTree(t, "tree", w)
	c.Await(treeRoles...)
	if tree.group != 0 && !hostHasConsole() {
		t.Errorf("console process group %d to signal, but the host has no console", tree.group)
	}
	if err := p.SignalTree(syscall.SIGTERM); err != nil {
		t.Errorf("SignalTree(SIGTERM): %v", err)
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	awaitGone(t, p)
	c.AwaitEnded()
}
