//go:build linux

package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// otherUID is the user whose links the log file tests plant: nobody, as
// seen by root.
const otherUID = 65534

// logLayout makes, in a fresh directory, what the log file tests need: a
// sticky world-writable "tmp" (as /tmp), an "etc" the caller owns with a
// file "target" in it, and an "other" directory that otherUID owns (as a
// home). It returns their paths.
func logLayout(t *testing.T) (tmp, etc, other string) {
	t.Helper()
	base := t.TempDir()
	tmp, etc, other = filepath.Join(base, "tmp"), filepath.Join(base, "etc"), filepath.Join(base, "other")
	for _, dir := range []string{tmp, etc, other} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "target"), []byte("original\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(other, otherUID, otherUID); err != nil {
			t.Fatal(err)
		}
	}
	return tmp, etc, other
}

// symlink makes the link path to target, owned by uid (-1: the caller).
func symlink(t *testing.T, target, path string, uid int) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Lchown(path, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
}

// As root, a log file named through another user's symbolic link — in a
// sticky world-writable directory as /tmp, in that user's own directory,
// as a directory of the path, or further down a chain of links — is
// refused: neither is the file it points to written nor a missing one
// created.
func TestLogFileRefusesAnotherUsersSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can plant another user's link")
	}
	tests := []struct {
		name  string
		plant func(t *testing.T, tmp, etc, other string) (logFile, link string)
	}{
		{"in a sticky world-writable directory", func(t *testing.T, tmp, etc, other string) (string, string) {
			link := filepath.Join(tmp, "x.log")
			symlink(t, filepath.Join(etc, "target"), link, otherUID)
			return link, link
		}},
		{"dangling", func(t *testing.T, tmp, etc, other string) (string, string) {
			link := filepath.Join(tmp, "x.log")
			symlink(t, filepath.Join(etc, "created"), link, otherUID)
			return link, link
		}},
		{"in its owner's directory", func(t *testing.T, tmp, etc, other string) (string, string) {
			link := filepath.Join(other, "x.log")
			symlink(t, filepath.Join(etc, "target"), link, otherUID)
			return link, link
		}},
		{"as a directory of the path", func(t *testing.T, tmp, etc, other string) (string, string) {
			link := filepath.Join(tmp, "logs")
			symlink(t, etc, link, otherUID)
			return filepath.Join(link, "created"), link
		}},
		{"behind a link of the caller's", func(t *testing.T, tmp, etc, other string) (string, string) {
			link := filepath.Join(tmp, "x.log")
			symlink(t, filepath.Join(etc, "target"), link, otherUID)
			mine := filepath.Join(tmp, "mine.log")
			symlink(t, link, mine, -1)
			return mine, link
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp, etc, other := logLayout(t)
			logFile, link := tt.plant(t, tmp, etc, other)
			marker := proctest.Marker(t)
			m := newManager(t)
			cfg := child(t, marker, "interleave", "1")
			cfg.LogFile = logFile
			h, err := m.Start(context.Background(), cfg)
			var se *host.StartError
			if !errors.As(err, &se) || se.Fault != host.ConfigFault || !errors.Is(err, host.ErrSymlinkNotFollowed) {
				t.Fatalf("Start = %v, want a *StartError, the config's fault, matching ErrSymlinkNotFollowed", err)
			}
			if want := fmt.Sprintf("log file: open %s: symbolic link not followed: %q belongs to uid %d", logFile, link, otherUID); !strings.Contains(err.Error(), want) {
				t.Errorf("Start = %q, want it to hold %q", err, want)
			}
			if st, _ := m.Status(h); st.State != host.Failed {
				t.Errorf("status = %v, want failed", st)
			}
			if data, _ := os.ReadFile(filepath.Join(etc, "target")); string(data) != "original\n" {
				t.Errorf("the link's target now holds %q", data)
			}
			if _, err := os.Lstat(filepath.Join(etc, "created")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file was created where the link points: %v", err)
			}
			if pids := proctest.Find(marker); len(pids) != 0 {
				t.Errorf("left running: %v", pids)
			}
		})
	}
}

// The caller's own links are followed, to a file or to one to create, in
// a sticky world-writable directory too; so are root's, for any user
// (/dev/fd is one, see TestLogFileThroughADescriptorLink).
func TestLogFileFollowsTheCallersSymlinks(t *testing.T) {
	tmp, etc, _ := logLayout(t)
	dir := t.TempDir()
	symlink(t, filepath.Join(etc, "target"), filepath.Join(tmp, "x.log"), -1)
	symlink(t, filepath.Join(etc, "created"), filepath.Join(tmp, "dangling.log"), -1)
	symlink(t, etc, filepath.Join(tmp, "logs"), -1)
	if err := os.Symlink(filepath.Join(tmp, "x.log"), filepath.Join(dir, "chain.log")); err != nil {
		t.Fatal(err)
	}
	relative := filepath.Join(filepath.Dir(tmp), "rel")
	if err := os.Mkdir(relative, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, "../tmp/x.log", filepath.Join(relative, "x.log"), -1)
	// A directory the caller may search but not read is walked as the
	// system walks it.
	searchOnly := filepath.Join(dir, "search-only")
	if err := os.Mkdir(searchOnly, 0o311); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(searchOnly, 0o755) })

	m := newManager(t)
	for _, logFile := range []string{
		filepath.Join(tmp, "x.log"),
		filepath.Join(tmp, "dangling.log"),
		filepath.Join(tmp, "logs", "target"),
		filepath.Join(dir, "chain.log"),
		filepath.Join(relative, "x.log"),
		tmp + "/logs/./../etc/target", // ".." after a link: the target's parent
		filepath.Join(searchOnly, "new.log"),
	} {
		marker := proctest.Marker(t)
		cfg := child(t, marker, "interleave", "1")
		cfg.LogFile = logFile
		h, _ := start(t, m, cfg)
		if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 0 {
			t.Fatalf("with log file %s: status %v, want exited 0", logFile, st)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(etc, "target")); string(data) != "original\n"+strings.Repeat("stdout 0\nstderr 1\n", 5) {
		t.Errorf("the target holds %q, want the original line and five runs' output", data)
	}
	for _, path := range []string{filepath.Join(etc, "created"), filepath.Join(searchOnly, "new.log")} {
		if data, _ := os.ReadFile(path); string(data) != "stdout 0\nstderr 1\n" {
			t.Errorf("%s holds %q, want one run's output", path, data)
		}
	}
}

// A FIFO is no log file unless the start allows it, and then the start
// waits for its reader (TestLogFIFOGetsTheOutputOnceItHasAReader); without
// WithSpecialLogFile it is refused at once, never waited on.
func TestLogFileMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir)
	tests := []struct {
		name, logFile string
		kind          string
	}{
		{"FIFO without a reader", fifo, "a FIFO"},
		{"character device", os.DevNull, "a character device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := proctest.Marker(t)
			m := newManager(t)
			cfg := child(t, marker, "interleave", "1")
			cfg.LogFile = tt.logFile
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r := awaitStart(t, startInBackground(ctx, m, cfg), fifo, "it waits for a log file it refuses")
			var se *host.StartError
			if !errors.As(r.err, &se) || se.Fault != host.ConfigFault || !errors.Is(r.err, host.ErrNotRegularFile) {
				t.Fatalf("Start = %v, want a *StartError, the config's fault, matching ErrNotRegularFile", r.err)
			}
			if want := "log file: open " + tt.logFile + ": not a regular file: " + tt.kind; !strings.Contains(r.err.Error(), want) {
				t.Errorf("Start = %q, want it to hold %q", r.err, want)
			}
			if pids := proctest.Find(marker); len(pids) != 0 {
				t.Errorf("left running: %v", pids)
			}
		})
	}

	t.Run("character device allowed", func(t *testing.T) {
		marker := proctest.Marker(t)
		m := newManager(t)
		cfg := child(t, marker, "interleave", "1")
		cfg.LogFile = os.DevNull
		h, _ := start(t, m, cfg, host.WithSpecialLogFile())
		if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 0 {
			t.Errorf("status %v, want exited 0", st)
		}
	})
}

// A log file may be named through /dev/fd, root's link into /proc, whose
// links lead to what has no path: here the write end of a pipe.
func TestLogFileThroughADescriptorLink(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	logFile := fmt.Sprintf("/dev/fd/%d", w.Fd())
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "interleave", "1")
	cfg.LogFile = logFile

	_, err = m.Start(context.Background(), cfg)
	if !errors.Is(err, host.ErrNotRegularFile) {
		t.Fatalf("Start without WithSpecialLogFile = %v, want an error matching ErrNotRegularFile (a pipe)", err)
	}
	h, _ := start(t, m, cfg, host.WithSpecialLogFile())
	w.Close()
	wait(t, m, h)
	lines := bufio.NewScanner(r)
	var got []string
	for lines.Scan() {
		got = append(got, lines.Text())
	}
	if strings.Join(got, "\n") != "stdout 0\nstderr 1" {
		t.Errorf("the pipe got %q, want the child's two lines", got)
	}
}

// A loop of links ends the walk as it ends the system's.
func TestLogFileLinkLoop(t *testing.T) {
	dir := t.TempDir()
	symlink(t, "b", filepath.Join(dir, "a"), -1)
	symlink(t, "a", filepath.Join(dir, "b"), -1)
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "interleave", "1")
	cfg.LogFile = filepath.Join(dir, "a")
	_, err := m.Start(context.Background(), cfg)
	var se *host.StartError
	if !errors.As(err, &se) || se.Fault != host.ConfigFault || !errors.Is(err, syscall.ELOOP) {
		t.Errorf("Start = %v, want a *StartError, the config's fault, matching ELOOP", err)
	}
}
