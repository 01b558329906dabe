package discovery_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/procman-dev/procman/discovery"
)

// copyProgram copies the program name (found in PATH) to path, executable.
func copyProgram(t *testing.T, name, path string) {
	t.Helper()
	src, err := exec.LookPath(name)
	if err != nil {
		t.Skip(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// replace puts a copy of the program name at path in one rename, as
// someone swapping the plugin would.
func replace(t *testing.T, name, path string) {
	t.Helper()
	next := path + ".next"
	copyProgram(t, name, next)
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRunsWhatWasChecked swaps the plugin after Open: executed through
// the descriptor, as the host does, the file that was checked runs.
func TestOpenRunsWhatWasChecked(t *testing.T) {
	path := filepath.Join(trustedRoot(t), discovery.Prefix+"a")
	copyProgram(t, "true", path)
	file, err := discovery.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	replace(t, "false", path)

	exe := "/proc/self/fd/" + strconv.Itoa(int(file.Fd()))
	if err := exec.Command(exe).Run(); err != nil {
		t.Errorf("%s, opened before the swap, ran the swapped-in program: %v", exe, err)
	}
	if err := exec.Command(path).Run(); err == nil {
		t.Fatalf("%s still runs the first program: the test swapped nothing", path)
	}
}

// TestOpenChecksTheFileOfTheMoment changes the plugin after Find accepted
// it: Open checks again, and refuses what is there now.
func TestOpenChecksTheFileOfTheMoment(t *testing.T) {
	root := trustedRoot(t)
	bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
	open := mkdir(t, filepath.Join(root, "open"), 0o777|os.ModeSticky)
	writeFile(t, filepath.Join(open, "tool"), 0o755)
	tests := []struct {
		name   string
		change func(path string)
		reason string
	}{
		{"made group-writable", func(path string) { os.Chmod(path, 0o775) }, "file is writable by others (mode -rwxrwxr-x)"},
		{"replaced by a symlink into a sticky directory", func(path string) {
			os.Remove(path)
			symlink(t, filepath.Join(open, "tool"), path)
		}, `directory "` + open + `" is writable by others (mode dtrwxrwxrwx)`},
		{"replaced by a FIFO", func(path string) {
			os.Remove(path)
			if err := exec.Command("mkfifo", path).Run(); err != nil {
				t.Skip(err)
			}
		}, "not a regular file (mode prw-"},
		{"removed", func(path string) { os.Remove(path) }, "does not exist"},
	}
	if os.Geteuid() == 0 {
		tests = append(tests, struct {
			name   string
			change func(path string)
			reason string
		}{"given to another user", func(path string) { chown(t, path, 65534) }, "file is owned by uid 65534, not by root or the effective user (uid 0)"})
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "p" + strconv.Itoa(i)
			path := writeFile(t, filepath.Join(bin, discovery.Prefix+name), 0o755)
			if got := discovery.Find("", bin).Plugins(); !containsPath(got, path) {
				t.Fatalf("Find did not accept %s before the change: %+v", path, got)
			}
			tt.change(path)
			file, err := discovery.Open(path)
			if err == nil {
				file.Close()
				t.Fatalf("Open(%s) accepted the changed file", path)
			}
			var refused *discovery.RefusedError
			if !errors.As(err, &refused) || refused.Path != path || !strings.Contains(refused.Reason, tt.reason) {
				t.Errorf("Open(%s) = %v, want a *RefusedError with reason %q", path, err, tt.reason)
			}
			if want := `plugin "` + path + `" refused: ` + tt.reason; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start with %q", err, want)
			}
		})
	}
}

func containsPath(candidates []discovery.Candidate, path string) bool {
	for _, c := range candidates {
		if c.Path == path {
			return true
		}
	}
	return false
}

func TestOpenRefusesRelativePath(t *testing.T) {
	root := trustedRoot(t)
	writeFile(t, filepath.Join(root, discovery.Prefix+"a"), 0o755)
	t.Chdir(root)
	var refused *discovery.RefusedError
	if _, err := discovery.Open(discovery.Prefix + "a"); !errors.As(err, &refused) || !strings.Contains(refused.Reason, "relative path") {
		t.Errorf("Open of a relative path = %v, want it refused as relative", err)
	}
}

// TestOpenIsCloseOnExec checks that the descriptor Open returns does not
// reach a child.
func TestOpenIsCloseOnExec(t *testing.T) {
	path := filepath.Join(trustedRoot(t), discovery.Prefix+"a")
	copyProgram(t, "true", path)
	file, err := discovery.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Skip(err)
	}
	defer child.Wait()
	defer child.Process.Kill()
	link := "/proc/" + strconv.Itoa(child.Process.Pid) + "/fd/" + strconv.Itoa(int(file.Fd()))
	if target, err := os.Readlink(link); err == nil && target == path {
		t.Errorf("the child has the descriptor Open returned, as %s", link)
	}
}
