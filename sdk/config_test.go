//go:build unix

package sdk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layout builds a directory with an executable, a non-executable file and
// a subdirectory, as real files.
func layout(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "bin")
	mustMkdir(t, bin)
	mustWrite(t, filepath.Join(bin, "tool"), 0o755)
	mustWrite(t, filepath.Join(bin, "plain"), 0o644)
	mustMkdir(t, filepath.Join(bin, "subdir"))
	mustWrite(t, filepath.Join(dir, "local"), 0o755)
	mustWrite(t, filepath.Join(dir, "file"), 0o644)
	return dir, bin
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	dir, bin := layout(t)
	ok := ProcessConfig{Command: "tool", Dir: dir, Env: map[string]string{"PATH": bin}}
	with := func(change func(*ProcessConfig)) ProcessConfig {
		c := ok.Clone()
		change(&c)
		return c
	}
	hostPath := os.Getenv("PATH")
	tests := []struct {
		name   string
		config ProcessConfig
		field  string
		reason string // a part of the reason
		cause  error  // ErrCommandNotFound, ErrNotExecutable or nil
	}{
		{"empty command", with(func(c *ProcessConfig) { c.Command = "" }), "Command", "must not be empty", nil},
		{"NUL in command", with(func(c *ProcessConfig) { c.Command = "to\x00ol" }), "Command", "NUL", nil},
		{"NUL in an arg", with(func(c *ProcessConfig) { c.Args = []string{"a", "b\x00"} }), "Args[1]", "NUL", nil},
		{"NUL in dir", with(func(c *ProcessConfig) { c.Dir = dir + "\x00" }), "Dir", "NUL", nil},
		{"NUL in log file", with(func(c *ProcessConfig) { c.LogFile = "log\x00" }), "LogFile", "NUL", nil},
		{"NUL in env key", with(func(c *ProcessConfig) { c.Env["A\x00"] = "1" }), "Env", "NUL", nil},
		{"NUL in env value", with(func(c *ProcessConfig) { c.Env["A"] = "1\x002" }), "Env", `value of "A" contains a NUL`, nil},
		{"empty env key", with(func(c *ProcessConfig) { c.Env[""] = "1" }), "Env", "key is empty", nil},
		{"= in env key", with(func(c *ProcessConfig) { c.Env["A=B"] = "1" }), "Env", `key "A=B" contains '='`, nil},
		{"newline in env key", with(func(c *ProcessConfig) { c.Env["NL\nX"] = "3" }), "Env", `key "NL\nX" contains white space`, nil},
		{"space in env key", with(func(c *ProcessConfig) { c.Env["A B"] = "1" }), "Env", `key "A B" contains white space`, nil},
		{"byte-order mark in env key", with(func(c *ProcessConfig) { c.Env["\ufeffA"] = "1" }), "Env", `key "\ufeffA" contains U+FEFF`, nil},
		{"missing dir", with(func(c *ProcessConfig) { c.Dir = filepath.Join(dir, "nope") }), "Dir", "does not exist", nil},
		{"dir is a file", with(func(c *ProcessConfig) { c.Dir = filepath.Join(dir, "file") }), "Dir", "not a directory", nil},
		{"bare name not on PATH", with(func(c *ProcessConfig) { c.Command = "nope" }), "Command", "not found in PATH", ErrCommandNotFound},
		{"non-executable skipped on PATH", with(func(c *ProcessConfig) { c.Command = "plain" }), "Command", "not found in PATH", ErrCommandNotFound},
		{"directory skipped on PATH", with(func(c *ProcessConfig) { c.Command = "subdir" }), "Command", "not found in PATH", ErrCommandNotFound},
		{"host PATH never used", with(func(c *ProcessConfig) { c.Command = "sh"; c.Env["PATH"] = bin }), "Command", "not found in PATH", ErrCommandNotFound},
		{"no PATH in env", with(func(c *ProcessConfig) { c.Command = "sh"; delete(c.Env, "PATH") }), "Command", "host's PATH is never used", ErrCommandNotFound},
		{"relative PATH entry ignored", with(func(c *ProcessConfig) { c.Env["PATH"] = "bin" }), "Command", "not found in PATH", ErrCommandNotFound},
		{"empty PATH entry ignored", with(func(c *ProcessConfig) { c.Command = "local"; c.Env["PATH"] = ":" + hostPath }), "Command", "not found in PATH", ErrCommandNotFound},
		{"absolute path missing", with(func(c *ProcessConfig) { c.Command = filepath.Join(bin, "nope") }), "Command", "no such file", ErrCommandNotFound},
		{"absolute path not executable", with(func(c *ProcessConfig) { c.Command = filepath.Join(bin, "plain") }), "Command", "", ErrNotExecutable},
		{"absolute path is a directory", with(func(c *ProcessConfig) { c.Command = bin }), "Command", "is a directory", ErrNotExecutable},
		{"relative path missing", with(func(c *ProcessConfig) { c.Command = "./nope" }), "Command", "no such file", ErrCommandNotFound},
		{"relative path not executable", with(func(c *ProcessConfig) { c.Command = "./file" }), "Command", "", ErrNotExecutable},
		{"log directory missing", with(func(c *ProcessConfig) { c.LogFile = filepath.Join(dir, "nope", "log") }), "LogFile", "does not exist", nil},
		{"relative log directory missing", with(func(c *ProcessConfig) { c.LogFile = "nope/log" }), "LogFile", "does not exist", nil},
		{"log file is a directory", with(func(c *ProcessConfig) { c.LogFile = bin }), "LogFile", "is a directory", nil},
		{"environment too large for exec", with(func(c *ProcessConfig) {
			for i := range 8 << 10 {
				c.Env[fmt.Sprintf("BIG_%05d", i)] = strings.Repeat("x", 1024)
			}
		}), "Env", "more than the system allows", nil},
		{"argument too long for exec", with(func(c *ProcessConfig) { c.Args = []string{"a", strings.Repeat("x", 200<<10)} }), "Args[1]", "more than the system allows in one argument", nil},
		{"log file under a file", with(func(c *ProcessConfig) { c.LogFile = filepath.Join(dir, "file", "log") }), "LogFile", "not a directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.config.Validate()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want an error matching ErrInvalidConfig", err)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %T, want *ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", ce.Field, tt.field, err)
			}
			if !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", ce.Reason, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "invalid config: "+tt.field+": ") {
				t.Errorf("Error() = %q, want it to start with the field", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %v does not match %v", err, tt.cause)
			}
			for _, other := range []error{ErrCommandNotFound, ErrNotExecutable} {
				if other != tt.cause && errors.Is(err, other) {
					t.Errorf("error %v matches %v, want only %v", err, other, tt.cause)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir, bin := layout(t)
	other := t.TempDir()
	mustWrite(t, filepath.Join(other, "tool"), 0o755)
	tests := []struct {
		name   string
		config ProcessConfig
		want   string
	}{
		{"bare name on PATH", ProcessConfig{Command: "tool", Dir: dir, Env: map[string]string{"PATH": bin}}, filepath.Join(bin, "tool")},
		{"first PATH entry wins", ProcessConfig{Command: "tool", Dir: dir, Env: map[string]string{"PATH": other + ":" + bin}}, filepath.Join(other, "tool")},
		{"non-executable earlier entry skipped", ProcessConfig{Command: "tool", Dir: dir, Env: map[string]string{"PATH": "rel:" + bin + ":" + other}}, filepath.Join(bin, "tool")},
		{"absolute path", ProcessConfig{Command: filepath.Join(other, "tool"), Dir: dir}, filepath.Join(other, "tool")},
		{"relative to Dir, not to the working directory", ProcessConfig{Command: "./local", Dir: dir}, filepath.Join(dir, "local")},
		{"relative with a subdirectory", ProcessConfig{Command: "bin/tool", Dir: dir}, filepath.Join(bin, "tool")},
		{"relative log file is under Dir", ProcessConfig{Command: "./local", Dir: dir, LogFile: "out.log"}, filepath.Join(dir, "local")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.config.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Resolve() = %q, want %q", got, tt.want)
			}
			if err := tt.config.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateAcceptsUnusualButValidValues(t *testing.T) {
	dir, bin := layout(t)
	c := ProcessConfig{
		Command: "tool",
		Args:    []string{"", " ", "$(rm -rf /)", "a;b", `"'`, "ünïcødé", "new\nline"},
		Dir:     dir,
		Env:     map[string]string{"PATH": bin, "EMPTY": "", "EQ": "a=b=c", "ProgramFiles(x86)": "x", "MULTI": "line 1\nline 2"},
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	orig := ProcessConfig{Command: "x", Args: []string{"a"}, Env: map[string]string{"K": "v"}}
	c := orig.Clone()
	c.Args[0] = "changed"
	c.Env["K"] = "changed"
	c.Env["NEW"] = "1"
	if orig.Args[0] != "a" || orig.Env["K"] != "v" || len(orig.Env) != 1 {
		t.Errorf("changing the clone changed the original: %+v", orig)
	}
}

func TestCloneHasAnEnv(t *testing.T) {
	c := ProcessConfig{Command: "x"}.Clone()
	c.Env["SET"] = "at once" // would panic on a nil map
	if c.Env["SET"] != "at once" {
		t.Errorf("Env %v", c.Env)
	}
}
