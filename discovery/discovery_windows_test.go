package discovery_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/discovery"
	"golang.org/x/sys/windows"
)

// These tests use t.TempDir(): under Wine it is in the prefix's
// C:\users\USER\Temp, where the user running the test owns everything and
// only that user and SYSTEM may write, so discovery accepts plugins there.

func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("MZ"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindWindows(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	writeFiles(t, first,
		"procman-plugin-foo.exe",
		"procman-plugin-Bar.EXE",
		"procman-plugin-baz.bat",
		"procman-plugin-qux",
		"procman-plugin-two.com", "procman-plugin-two.exe",
		"procman-plugin-bad_name.exe",
		"PROCMAN-PLUGIN-up.exe",
		"other.exe",
	)
	if err := os.Mkdir(filepath.Join(first, "procman-plugin-dir.exe"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, second, "procman-plugin-FOO.exe", "procman-plugin-bar.exe", "procman-plugin-baz.exe")
	// The same directory again, in another case: Windows' names ignore case.
	again := strings.ToUpper(first)

	result := discovery.Find(first, second+";"+again)

	type want struct {
		name   string
		status discovery.Status
		reason string // a part of it
	}
	wants := map[string]want{
		filepath.Join(first, "procman-plugin-foo.exe"):      {"foo", discovery.OK, ""},
		filepath.Join(first, "procman-plugin-Bar.EXE"):      {"bar", discovery.OK, ""},
		filepath.Join(first, "procman-plugin-baz.bat"):      {"baz.bat", discovery.Refused, "a batch file"},
		filepath.Join(first, "procman-plugin-qux"):          {"qux", discovery.Refused, "not an .exe or .com file"},
		filepath.Join(first, "procman-plugin-two.com"):      {"two", discovery.OK, ""},
		filepath.Join(first, "procman-plugin-two.exe"):      {"two", discovery.Shadowed, "procman-plugin-two.com"},
		filepath.Join(first, "procman-plugin-bad_name.exe"): {"bad_name", discovery.Refused, "invalid plugin name"},
		filepath.Join(first, "PROCMAN-PLUGIN-up.exe"):       {"up", discovery.OK, ""},
		filepath.Join(first, "procman-plugin-dir.exe"):      {"dir", discovery.Refused, "is a directory"},
		filepath.Join(second, "procman-plugin-FOO.exe"):     {"foo", discovery.Shadowed, "procman-plugin-foo.exe"},
		filepath.Join(second, "procman-plugin-bar.exe"):     {"bar", discovery.Shadowed, "procman-plugin-Bar.EXE"},
		filepath.Join(second, "procman-plugin-baz.exe"):     {"baz", discovery.OK, ""},
	}
	for _, c := range result.Candidates {
		w, ok := wants[c.Path]
		if !ok {
			t.Errorf("unexpected candidate %+v", c)
			continue
		}
		delete(wants, c.Path)
		if c.Name != w.name || c.Status != w.status || !strings.Contains(c.Reason, w.reason) || (w.reason == "") != (c.Reason == "") {
			t.Errorf("candidate %s = %q %v %q, want %q %v with a reason containing %q", c.Path, c.Name, c.Status, c.Reason, w.name, w.status, w.reason)
		}
	}
	for path := range wants {
		t.Errorf("candidate %s not found", path)
	}
	if n := len(result.Dirs); n != 3 {
		t.Fatalf("Dirs = %+v, want 3", result.Dirs)
	}
	if skipped := result.Dirs[2].Skipped; !strings.Contains(skipped, "listed earlier") {
		t.Errorf("Dirs[2] (%s) skipped = %q, want it skipped as listed earlier", again, skipped)
	}
}

func TestOpenWindowsRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "procman-plugin-a.bat", "procman-plugin-a.txt")
	if err := os.Mkdir(filepath.Join(dir, "procman-plugin-d.exe"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, reason string }{
		{`procman-plugin-a.exe`, "relative path"},
		{filepath.Join(dir, "procman-plugin-a.bat"), "a batch file"},
		{filepath.Join(dir, "procman-plugin-a.txt"), "not an .exe or .com file"},
		{filepath.Join(dir, "procman-plugin-d.exe"), "is a directory"},
		{filepath.Join(dir, "procman-plugin-missing.exe"), "does not exist"},
	}
	for _, tt := range tests {
		file, err := discovery.Open(tt.path)
		var refused *discovery.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, tt.reason) {
			t.Errorf("Open(%q) = %v, want a refusal containing %q", tt.path, err, tt.reason)
		}
		if file != nil {
			file.Close()
		}
	}
}

// TestOpenWindowsHoldsFile checks what lets the host run the checked file
// by its path: while Open's descriptor is open, the file cannot be
// written, renamed or deleted, and can still be executed.
func TestOpenWindowsHoldsFile(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	program, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "procman-plugin-self.exe")
	if err := os.WriteFile(path, program, 0o755); err != nil {
		t.Fatal(err)
	}
	file, err := discovery.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("MZ"), 0o755); err == nil {
		t.Error("the file was rewritten while Open's descriptor was open")
	}
	if err := os.Rename(path, path+".old"); err == nil {
		t.Error("the file was renamed while Open's descriptor was open")
	}
	if err := os.Remove(path); err == nil {
		t.Error("the file was deleted while Open's descriptor was open")
	}
	if out, err := exec.Command(path, "-test.run=^$").CombinedOutput(); err != nil {
		t.Errorf("running the file while Open's descriptor was open: %v\n%s", err, out)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".old"); err != nil {
		t.Errorf("renaming the file once the descriptor was closed: %v", err)
	}
}

// setDACL gives the file or directory at path the DACL of the SDDL string
// dacl, not inherited. Wine keeps no DACL itself: it maps the DACL to the
// Unix mode bits (write for Everyone is the mode's write for others) and
// builds the DACL it returns from them.
func setDACL(t *testing.T, path, dacl string) {
	t.Helper()
	sd, err := windows.SecurityDescriptorFromString(dacl)
	if err != nil {
		t.Fatal(err)
	}
	acl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatalf("setting the DACL of %s: %v", path, err)
	}
}

// TestOpenWindowsChecksACLs checks, through DACLs set on real files, that
// a plugin is refused when Everyone may write to it, to the directory that
// holds it or to one above, and accepted when only the user, SYSTEM and
// Administrators may.
func TestOpenWindowsChecksACLs(t *testing.T) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	private := fmt.Sprintf("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;%s)(A;OICI;0x1200a9;;;WD)", user.User.Sid)
	const everyoneWrites = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;WD)"

	// top/holder/procman-plugin-x.exe, with top's and holder's DACLs
	// given, and the file's.
	plugin := func(t *testing.T, top, holder, file string) (topDir, holderDir, path string) {
		topDir = t.TempDir()
		holderDir = filepath.Join(topDir, "holder")
		if err := os.Mkdir(holderDir, 0o755); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(holderDir, "procman-plugin-x.exe")
		writeFiles(t, holderDir, filepath.Base(path))
		setDACL(t, path, file)
		setDACL(t, holderDir, holder)
		setDACL(t, topDir, top)
		return topDir, holderDir, path
	}
	refused := func(t *testing.T, path string, reasons ...string) {
		t.Helper()
		file, err := discovery.Open(path)
		if file != nil {
			file.Close()
		}
		var r *discovery.RefusedError
		if !errors.As(err, &r) {
			t.Fatalf("Open(%q) = %v, want a refusal", path, err)
		}
		for _, reason := range reasons {
			if !strings.Contains(r.Reason, reason) {
				t.Errorf("Open(%q) refused with %q, want a reason containing %q", path, r.Reason, reason)
			}
		}
	}

	t.Run("writable file", func(t *testing.T) {
		_, holder, path := plugin(t, private, private, everyoneWrites)
		refused(t, path, "file is writable by", "(S-1-1-0)", "FILE_WRITE_DATA")
		result := discovery.Find(holder, "")
		if len(result.Candidates) != 1 || result.Candidates[0].Status != discovery.Refused || !strings.Contains(result.Candidates[0].Reason, "(S-1-1-0)") {
			t.Errorf("Find(%q) = %+v, want the plugin refused as writable by Everyone", holder, result.Candidates)
		}
	})
	t.Run("writable holding directory", func(t *testing.T) {
		_, holder, path := plugin(t, private, everyoneWrites, private)
		refused(t, path, fmt.Sprintf("directory %q is writable by", holder), "(S-1-1-0)", "FILE_ADD_FILE")
	})
	t.Run("writable directory above", func(t *testing.T) {
		top, _, path := plugin(t, everyoneWrites, private, private)
		refused(t, path, fmt.Sprintf("directory %q is writable by", top), "(S-1-1-0)", "DELETE")
	})
	t.Run("private", func(t *testing.T) {
		_, _, path := plugin(t, private, private, private)
		file, err := discovery.Open(path)
		if err != nil {
			t.Fatalf("Open(%q) with only the user, SYSTEM and Administrators allowed to write: %v", path, err)
		}
		file.Close()
	})
}
