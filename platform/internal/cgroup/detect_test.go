//go:build linux

package cgroup

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestDetect(t *testing.T) {
	probeName := selfName(t) + "-probe"
	base, err := Detect(probeName)
	if err != nil {
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Detect: %v; want an error wrapping ErrUnavailable", err)
		}
		if os.Geteuid() == 0 {
			t.Skipf("no cgroup v2 here even for root: %v", err)
		}
		// An unprivileged user without a delegated cgroup: the error must
		// name the directory that was tried and why it failed.
		own, ownErr := ownCgroup()
		mounts, mountsErr := cgroup2Mounts()
		if ownErr != nil || mountsErr != nil || len(mounts) == 0 {
			t.Skipf("Detect as uid %d: %v", os.Geteuid(), err)
		}
		dir, _ := mounts[0].dirOf(own)
		if !strings.Contains(err.Error(), dir+" (this process's cgroup): ") {
			t.Errorf("Detect as uid %d: %q does not name %s", os.Geteuid(), err, dir)
		}
		t.Logf("Detect as uid %d: %v", os.Geteuid(), err)
		return
	}
	var st unix.Statfs_t
	if err := unix.Statfs(base, &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		t.Errorf("Detect() = %s: statfs type %#x, %v; want a cgroup2 directory", base, st.Type, err)
	}
	probes, _ := filepath.Glob(filepath.Join(base, probeName+"-*"))
	if len(probes) > 0 {
		t.Errorf("probes left behind: %v", probes)
	}
	t.Logf("Detect as uid %d: %s", os.Geteuid(), base)
}

// TestDetectAsUnprivilegedUser runs TestDetect again as uid 65534, from a
// copy of this test binary that user can reach.
func TestDetectAsUnprivilegedUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: TestDetect itself ran unprivileged")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is missing")
	}
	dir, err := os.MkdirTemp("", "cgroup-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "cgroup.test")
	if err := copyFile(bin, "/proc/self/exe"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		bin, "-test.run=^TestDetect$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=/tmp"}
	out, err := cmd.CombinedOutput()
	t.Logf("as uid 65534:\n%s", out)
	if err != nil {
		t.Fatalf("TestDetect as uid 65534: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestDetect") && !strings.Contains(string(out), "--- SKIP: TestDetect") {
		t.Errorf("TestDetect did not run as uid 65534")
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func TestUnescapeMountField(t *testing.T) {
	for in, want := range map[string]string{
		`/sys/fs/cgroup`:     `/sys/fs/cgroup`,
		`/mnt/my\040cgroups`: `/mnt/my cgroups`,
		`/a\134b`:            `/a\b`,
		`/trailing\04`:       `/trailing\04`,
		`/not\09octal`:       `/not\09octal`,
	} {
		if got := unescapeMountField(in); got != want {
			t.Errorf("unescapeMountField(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestMountDirOf(t *testing.T) {
	for _, tc := range []struct {
		m      mount
		cgroup string
		want   string
		ok     bool
	}{
		{mount{point: "/sys/fs/cgroup", root: "/"}, "/user.slice/a", "/sys/fs/cgroup/user.slice/a", true},
		{mount{point: "/sys/fs/cgroup", root: "/"}, "/", "/sys/fs/cgroup", true},
		{mount{point: "/mnt/cg", root: "/user.slice"}, "/user.slice/a", "/mnt/cg/a", true},
		{mount{point: "/mnt/cg", root: "/user.slice"}, "/user.slice", "/mnt/cg", true},
		{mount{point: "/mnt/cg", root: "/user.slice"}, "/user.slice2/a", "", false},
		{mount{point: "/mnt/cg", root: "/user.slice"}, "/system.slice", "", false},
	} {
		got, ok := tc.m.dirOf(tc.cgroup)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%+v.dirOf(%q) = %q, %v; want %q, %v", tc.m, tc.cgroup, got, ok, tc.want, tc.ok)
		}
	}
}

// TestSweepDirsReadsOnceWhatCandidatesAndV1DirSay checks that SweepDirs,
// from one read of each /proc file, gives what Candidates and V1Dir give
// from their own.
func TestSweepDirsReadsOnceWhatCandidatesAndV1DirSay(t *testing.T) {
	want, err := Candidates()
	if err != nil {
		t.Fatal(err)
	}
	controllers := []string{"memory", "cpu", "pids", "no-such-controller"}
	for _, c := range controllers {
		if dir, err := V1Dir(c); err == nil {
			want = append(want, filepath.Join(dir, "procman"))
		}
	}
	if got := SweepDirs(controllers...); !slices.Equal(got, want) {
		t.Errorf("SweepDirs = %q, want %q", got, want)
	}
}

// SweepDirs and FirstCandidate, which a host calls at once as it starts,
// share one read of /proc/self/mountinfo and /proc/self/cgroup, but no
// read older than recentFor.
func TestSweepDirsAndFirstCandidateShareARecentRead(t *testing.T) {
	recent.Lock()
	recent.at = time.Time{} // no read yet
	recent.Unlock()
	readAt := func() time.Time {
		recent.Lock()
		defer recent.Unlock()
		return recent.at
	}
	SweepDirs()
	first := readAt()
	if first.IsZero() {
		t.Fatal("SweepDirs read nothing")
	}
	if _, err := FirstCandidate(); err != nil && !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
	if at := readAt(); !at.Equal(first) {
		t.Errorf("FirstCandidate read the files again (at %v, after SweepDirs' read at %v)", at, first)
	}
	time.Sleep(recentFor + 10*time.Millisecond)
	SweepDirs()
	if at := readAt(); !at.After(first) {
		t.Errorf("a read %v old served SweepDirs", time.Since(first))
	}
}
