package reaper

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// The reaper holds its three standard descriptors, its socket and a pidfd
// of the host, nothing of the host's (seen as root: only root may read the
// descriptors of the non-dumpable reaper); the host's end of the socket
// goes to no other child.
func TestSocketStaysBetweenHostAndReaper(t *testing.T) {
	marker := proctest.Marker(t)
	// A descriptor the host left inheritable by mistake.
	leaked, err := syscall.Open(os.DevNull, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(leaked)

	r := startReaper(t, Options{})
	pidfds := 0
	for fd, target := range reaperDescriptors(t, r.Pid()) {
		switch {
		case fd <= 2 && target == os.DevNull:
		case fd == 3 && strings.HasPrefix(target, "socket:"):
		case fd > 3 && target == "anon_inode:[pidfd]":
			pidfds++
		default:
			t.Errorf("the reaper holds descriptor %d → %s", fd, target)
		}
	}
	if pidfds > 1 {
		t.Errorf("the reaper holds %d pidfds before any registration, want at most the host's", pidfds)
	}

	other := startOwnChild(t, marker, "sleep")
	proctest.WaitCount(t, marker, 1, 30*time.Second) // exec'd: its descriptors are settled
	for fd, target := range descriptors(t, other.Process.Pid) {
		if strings.HasPrefix(target, "socket:") {
			t.Errorf("another child of the host inherited a socket as descriptor %d", fd)
		}
	}
}

// reaperDescriptors is descriptors of the reaper pid; none when not root:
// the reaper is not dumpable, and its descriptors can be read only with
// CAP_SYS_PTRACE.
func reaperDescriptors(t *testing.T, pid int) map[int]string {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	return descriptors(t, pid)
}

// descriptors is what the descriptors of process pid refer to, by number.
func descriptors(t *testing.T, pid int) map[int]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[int]string)
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // closed since the listing (the own child closes its stdout once ready): not held
		}
		if err != nil {
			t.Fatal(err)
		}
		fds[fd] = target
	}
	return fds
}

// A reaper of an unprivileged host refuses a process it could not signal,
// and says so.
func TestReaperRefusesWhatItCannotSignal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to start an unprivileged host beside a privileged process")
	}
	marker := proctest.Marker(t)
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	binary := filepath.Join(dir, "reaper.test")
	data, err := os.ReadFile(testBinary)
	if err == nil {
		err = os.WriteFile(binary, data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	h := startHostWith(t, marker, hostOptions{}, cmd)

	privileged := identify(t, startOwnChild(t, marker, "sleep").Process.Pid)
	_, err = h.try("protect", strconv.Itoa(privileged.pid), strconv.FormatUint(privileged.start, 10), "100")
	if err == nil || !strings.Contains(err.Error(), "not permitted") {
		t.Errorf("an unprivileged reaper was asked to protect a root process: %v, want a refusal naming the permission", err)
	}
	h.spawn(10*time.Second, "sleep", marker) // its own processes it protects
}
