//go:build linux

package acceptance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// As root, --log through another user's symbolic link in a sticky
// world-writable directory (as /tmp) neither appends to the file the link
// names nor creates the one a dangling link names: procman exits with 2
// and says why in one line.
func TestLogThroughAnotherUsersSymlinkIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can plant another user's link")
	}
	base := t.TempDir()
	tmp, etc := filepath.Join(base, "tmp"), filepath.Join(base, "etc")
	for _, dir := range []string{tmp, etc} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(etc, "target")
	if err := os.WriteFile(target, []byte("original\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, points := range map[string]string{"x.log": target, "dangling.log": filepath.Join(etc, "created")} {
		link := filepath.Join(tmp, name)
		if err := os.Symlink(points, link); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(link, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		marker := proctest.Marker(t)
		r := run(t, procman(t, "run", "--no-plugins", "--log", link, "--", testchildBin, "interleave", "1", marker))
		r.wantExit(t, 2)
		r.wantOneLine(t, fmt.Sprintf("log file: open %s: symbolic link not followed: %q belongs to uid 65534", link, link))
	}
	if data, _ := os.ReadFile(target); string(data) != "original\n" {
		t.Errorf("the link's target now holds %q", data)
	}
	if _, err := os.Lstat(filepath.Join(etc, "created")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created where the dangling link points: %v", err)
	}
}

// A FIFO is refused at once without --log-special: procman does not wait
// for a reader of a log file it was not told to expect.
func TestLogFIFONeedsLogSpecial(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "log.fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--no-plugins", "--log", fifo, "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 2)
	r.wantOneLine(t, "log file: open "+fifo+": not a regular file: a FIFO (--log-special allows a FIFO or a character device)")
}
