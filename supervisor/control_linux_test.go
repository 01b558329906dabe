//go:build linux

package supervisor

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// TestListenSweepsStaleSockets: the socket of a procman up that was killed
// is removed by the next one to start, whatever its project; a socket that
// is listened on, or one too new to tell, is kept.
func TestListenSweepsStaleSockets(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", proctest.ShortTempDir(t))
	dir := filepath.Dir(SocketPath("/any"))
	if err := privateDir(dir); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	stale := socketAt(t, filepath.Join(dir, "up-0000000000000001.sock"), false, old)
	fresh := socketAt(t, filepath.Join(dir, "up-0000000000000002.sock"), false, time.Now())
	live := socketAt(t, filepath.Join(dir, "up-0000000000000003.sock"), true, old)

	l, err := Listen(filepath.Join(t.TempDir(), "procman.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := os.Lstat(stale); err == nil {
		t.Errorf("the stale socket %s is left", stale)
	}
	for _, kept := range []string{fresh, live} {
		if _, err := os.Lstat(kept); err != nil {
			t.Errorf("socket %s removed: %v", kept, err)
		}
	}
}

// socketAt makes a unix socket at path, listened on or left as a killed
// process leaves it, modified at mtime.
func socketAt(t *testing.T, path string, listening bool, mtime time.Time) string {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	if listening {
		t.Cleanup(func() { l.Close() })
	} else {
		l.SetUnlinkOnClose(false)
		l.Close()
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}
