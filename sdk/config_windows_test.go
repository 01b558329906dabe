package sdk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// windowsLayout builds, as real files, what the Windows lookup tests need.
// Contents do not matter: Validate decides by name and file type, never by
// running anything.
func windowsLayout(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"bin", "other", "both", "shims", "real", "exedir", `exedir\tool.exe`, "scripts"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{
		`bin\tool.exe`, `bin\python3.11.exe`, `bin\readme.txt`, `bin\plain`, `bin\build.bat`,
		`other\tool.exe`,
		`both\tool.com`, `both\tool.exe`,
		`shims\npm.cmd`, `shims\npm`, `real\npm.exe`,
		`scripts\tool.vbs`,
		`local.exe`,
	} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("MZ"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestResolveWindows(t *testing.T) {
	dir := windowsLayout(t)
	in := func(parts ...string) string { return filepath.Join(append([]string{dir}, parts...)...) }
	volume := filepath.VolumeName(dir)
	rooted := dir[len(volume):] // \users\...\Temp\..., on Dir's drive
	tests := []struct {
		name    string
		command string
		env     map[string]string
		want    string
	}{
		{"bare name, .exe added", "tool", map[string]string{"PATH": in("bin")}, in("bin", "tool.exe")},
		{"PATH key spelled Path", "tool", map[string]string{"Path": in("bin")}, in("bin", "tool.exe")},
		{"PATH key spelled path", "tool", map[string]string{"path": in("bin")}, in("bin", "tool.exe")},
		{"first PATH entry wins", "tool", map[string]string{"PATH": in("other") + ";" + in("bin")}, in("other", "tool.exe")},
		{"relative and rooted PATH entries skipped", "tool", map[string]string{"PATH": `bin;` + rooted + `\other;` + volume + `other;` + in("bin")}, in("bin", "tool.exe")},
		{"directory named tool.exe passed over", "tool", map[string]string{"PATH": in("exedir") + ";" + in("bin")}, in("bin", "tool.exe")},
		{"quoted PATH entry", "tool", map[string]string{"PATH": `"` + in("bin") + `"`}, in("bin", "tool.exe")},
		{".com before .exe, in PATHEXT's default order", "tool", map[string]string{"PATH": in("both")}, in("both", "tool.com")},
		{"PATHEXT's order", "tool", map[string]string{"PATH": in("both"), "PATHEXT": ".EXE;.COM"}, in("both", "tool.exe")},
		{"PATHEXT key spelled PathExt, entries without dots", "tool", map[string]string{"PATH": in("both"), "PathExt": "exe;com"}, in("both", "tool.exe")},
		{"empty PATHEXT is the default", "tool", map[string]string{"PATH": in("both"), "PATHEXT": ""}, in("both", "tool.com")},
		{"name with its extension", "tool.exe", map[string]string{"PATH": in("both")}, in("both", "tool.exe")},
		{"extension in another case", "TOOL.EXE", map[string]string{"PATH": in("bin")}, in("bin", "TOOL.EXE")},
		{"dot in the name, not an extension of PATHEXT", "python3.11", map[string]string{"PATH": in("bin")}, in("bin", "python3.11.exe")},
		{"absolute path", in("bin", "tool.exe"), nil, in("bin", "tool.exe")},
		{"absolute path, forward slashes", filepath.ToSlash(in("bin", "tool.exe")), nil, in("bin", "tool.exe")},
		{"absolute path without extension", in("bin", "tool"), nil, in("bin", "tool.exe")},
		{"extended-length path", `\\?\` + in("bin", "tool.exe"), nil, `\\?\` + in("bin", "tool.exe")},
		{"relative to Dir, backslash", `bin\tool.exe`, nil, in("bin", "tool.exe")},
		{"relative to Dir, slash, no extension", "bin/tool", nil, in("bin", "tool.exe")},
		{"relative to Dir, dot", `.\local`, nil, in("local.exe")},
		{"rooted: on Dir's drive", rooted + `\bin\tool.exe`, nil, in("bin", "tool.exe")},
		{"drive-relative on Dir's drive", volume + `bin\tool.exe`, nil, in("bin", "tool.exe")},
		{"drive-relative, drive letter in another case", strings.ToLower(volume) + `bin\tool`, nil, in("bin", "tool.exe")},
		{"hidden per-drive variable", "tool", map[string]string{"PATH": in("bin"), "=C:": `C:\`, "=ExitCode": "00000000"}, in("bin", "tool.exe")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ProcessConfig{Command: tt.command, Dir: dir, Env: tt.env}
			got, err := c.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Resolve() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateRejectsWindows(t *testing.T) {
	dir := windowsLayout(t)
	in := func(parts ...string) string { return filepath.Join(append([]string{dir}, parts...)...) }
	path := map[string]string{"PATH": in("bin")}
	otherDrive := "Q:"
	if strings.EqualFold(filepath.VolumeName(dir), otherDrive) {
		otherDrive = "R:"
	}
	tests := []struct {
		name   string
		config ProcessConfig
		field  string
		reason string // a part of the reason
		cause  error  // ErrCommandNotFound, ErrNotExecutable or nil
	}{
		{"drive-relative on another drive", ProcessConfig{Command: otherDrive + "tool.exe"}, "Command", "relative to the current directory of drive " + otherDrive, nil},
		{"log file drive-relative on another drive", ProcessConfig{Command: "tool", Env: path, LogFile: otherDrive + "out.log"}, "LogFile", "relative to the current directory of drive " + otherDrive, nil},
		{"batch file by path", ProcessConfig{Command: `bin\build.bat`}, "Command", `"build.bat" is a batch file`, ErrNotExecutable},
		{"batch file first in PATH", ProcessConfig{Command: "npm", Env: map[string]string{"PATH": in("shims") + ";" + in("real")}}, "Command", `"npm.cmd" is a batch file, which runs only through cmd.exe`, ErrNotExecutable},
		{"script of PATHEXT first in PATH", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("scripts") + ";" + in("bin"), "PATHEXT": ".VBS;.EXE"}}, "Command", `"tool.vbs" is not an .exe or .com file`, ErrNotExecutable},
		{"not a program", ProcessConfig{Command: `bin\readme.txt`}, "Command", `"readme.txt" is not an .exe or .com file`, ErrNotExecutable},
		{"only the name as given exists", ProcessConfig{Command: `bin\plain`}, "Command", `"plain" is not an .exe or .com file`, ErrNotExecutable},
		{"path is a directory", ProcessConfig{Command: in("bin")}, "Command", "is a directory", ErrNotExecutable},
		{"path missing", ProcessConfig{Command: `bin\nope`}, "Command", "no such file", ErrCommandNotFound},
		{"bare name not in PATH", ProcessConfig{Command: "nope", Env: path}, "Command", "not found in PATH", ErrCommandNotFound},
		{"PATHEXT without .exe", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("bin"), "PATHEXT": ".COM"}}, "Command", "not found in PATH", ErrCommandNotFound},
		{"no PATH in env", ProcessConfig{Command: "tool", Env: map[string]string{"PATHS": in("bin")}}, "Command", "host's PATH is never used", ErrCommandNotFound},
		{"two spellings of PATH", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("bin"), "Path": in("other")}}, "Env", `keys "PATH" and "Path" are one variable on Windows`, nil},
		{"two spellings of another key", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("bin"), "été": "1", "ÉTÉ": "2"}}, "Env", `keys "ÉTÉ" and "été" are one variable`, nil},
		{"key only =", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("bin"), "=": "1"}}, "Env", `key "=" contains '='`, nil},
		{"= after the hidden key's leading =", ProcessConfig{Command: "tool", Env: map[string]string{"PATH": in("bin"), "=C:=D:": "1"}}, "Env", `key "=C:=D:" contains '='`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.config
			c.Dir = dir
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", ce.Field, tt.field, err)
			}
			if !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", ce.Reason, tt.reason)
			}
			for _, cause := range []error{ErrCommandNotFound, ErrNotExecutable} {
				if got := errors.Is(err, cause); got != (cause == tt.cause) {
					t.Errorf("errors.Is(%v, %v) = %t, want %t", err, cause, got, !got)
				}
			}
		})
	}
}

// TestSizeLimitsWindows checks the limits of CreateProcess at their edge,
// counted in UTF-16 units: U+1F600 is one rune, four bytes, two units.
func TestSizeLimitsWindows(t *testing.T) {
	dir := windowsLayout(t)
	base := ProcessConfig{Command: "tool", Dir: dir, Env: map[string]string{"PATH": filepath.Join(dir, "bin")}}
	// "tool a " takes 7 units.
	fill := strings.Repeat("x", maxCommandLine-7)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		field string // "" when valid
	}{
		{"command line at the limit", []string{"a", fill}, nil, ""},
		{"command line one unit over", []string{"a", fill + "x"}, nil, "Args[1]"},
		{"quotes count", []string{"a", fill[:len(fill)-2] + " "}, nil, "Args[1]"},
		{"blame goes to the argument that crosses", []string{fill + "xx", "a", "b"}, nil, "Args[1]"},
		{"units, not bytes, on the command line", []string{"a", strings.Repeat("\U0001F600", len(fill)/2)}, nil, ""},
		{"over in units on the command line", []string{"a", strings.Repeat("\U0001F600", (len(fill)+1)/2)}, nil, "Args[1]"},
		{"value at the limit", nil, map[string]string{"BIG": strings.Repeat("x", maxVariableValue)}, ""},
		{"value one unit over", nil, map[string]string{"BIG": strings.Repeat("x", maxVariableValue+1)}, "Env"},
		{"units, not bytes, in a value", nil, map[string]string{"BIG": strings.Repeat("\U0001F600", maxVariableValue/2)}, ""},
		{"value over in units", nil, map[string]string{"BIG": strings.Repeat("\U0001F600", maxVariableValue/2+1)}, "Env"},
		{"no limit on the whole block", nil, map[string]string{"A": strings.Repeat("x", maxVariableValue), "B": strings.Repeat("x", maxVariableValue), "C": strings.Repeat("x", maxVariableValue)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base.Clone()
			c.Args = tt.args
			for k, v := range tt.env {
				c.Env[k] = v
			}
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Field != tt.field || !strings.Contains(ce.Reason, "more than the system allows") {
				t.Errorf("Validate() = %v, want field %s and a size reason", err, tt.field)
			}
		})
	}
}

// TestInDirWindows covers Dirs that need no files: UNC shares and other
// drives.
func TestInDirWindows(t *testing.T) {
	tests := []struct {
		dir, path string
		want      string // "" for refused
	}{
		{`\\server\share\proj`, `x.exe`, `\\server\share\proj\x.exe`},
		{`\\server\share\proj`, `..\x.exe`, `\\server\share\x.exe`},
		{`\\server\share\proj`, `\bin\x.exe`, `\\server\share\bin\x.exe`},
		{`\\server\share\proj`, `/bin/x.exe`, `\\server\share\bin\x.exe`},
		{`\\server\share\proj`, `\\other\share\x.exe`, `\\other\share\x.exe`},
		{`\\server\share\proj`, `C:x.exe`, ""},
		{`D:\proj`, `d:sub\x.exe`, `D:\proj\sub\x.exe`},
		{`D:\proj`, `C:x.exe`, ""},
		{`D:\proj`, `C:\x.exe`, `C:\x.exe`},
		{`D:\proj`, `\x.exe`, `D:\x.exe`},
	}
	for _, tt := range tests {
		got, err := ProcessConfig{Dir: tt.dir}.inDir("Command", tt.path)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("inDir(%q) with Dir %q = %q, want it refused", tt.path, tt.dir, got)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("inDir(%q) with Dir %q = %q, %v; want %q", tt.path, tt.dir, got, err, tt.want)
		}
	}
}
