package sdk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzValidate checks what a config that passes Validate promises: no
// string holds a NUL byte, every Env key is one the environment can carry
// unambiguously, and the command resolves to an absolute path; and that a
// config that fails gets a one-line *ConfigError naming a field. Validate
// only looks at the file system, so any path is safe to try.
func FuzzValidate(f *testing.F) {
	dir := f.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		f.Fatal(err)
	}
	// tool.exe is what the name tool finds on Windows.
	for _, name := range []string{"tool", "tool.exe"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	for _, seed := range []struct{ command, arg, dir, key, value, logFile string }{
		{"tool", "a", dir, "HOME", "/home/u", "out.log"},
		{"tool", "", "", "PATH", bin, ""},
		{"./bin/tool", "new\nline", dir, "ProgramFiles(x86)", "x", ""},
		{"tool", "", dir, "NL\nX", "3", ""},
		{"tool", "", dir, "A B", "1", ""},
		{"tool", "", dir, "\ufeffKEY", "1", ""},
		{"tool", "", dir, "A=B", "1", ""},
		{"tool", "", dir, "", "1", ""},
		{"tool", "", dir, "K\xc3", "1", ""},
		{"tool", "", dir, "A", "1\x002", ""},
		{"tool", "", dir, "export A", "1", ""},
		{"tool", "", dir, "Q", `"quoted"`, "a\nb/log"},
		{"to\x00ol", "", dir, "A", "1", ""},
		{"tool", "", dir + "/bin/tool", "A", "1", ""},
		{"tool", "", dir + "/x\ny", "A", "1", ""},
		{"tool", "", dir + "/bin/tool/x\ny", "A", "1", ""},
		{"tool", "", dir, "A", "1", dir + "/bin/tool/x\ny/log"},
		{"tool", "", dir, "A", "1", dir + "/bin/tool/x\ny"},
		{bin, "", dir, "A", "1", ""},
		{"/nonexistent/\n", "", dir, "A", "1", ""},
	} {
		f.Add(seed.command, seed.arg, seed.dir, seed.key, seed.value, seed.logFile)
	}
	f.Fuzz(func(t *testing.T, command, arg, dir, key, value, logFile string) {
		c := ProcessConfig{
			Command: command,
			Args:    []string{arg},
			Dir:     dir,
			Env:     map[string]string{"PATH": bin, key: value},
			LogFile: logFile,
		}
		err := c.Validate()
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %#v, want a *ConfigError", err)
			}
			switch ce.Field {
			case "Command", "Args[0]", "Dir", "Env", "LogFile":
			default:
				t.Errorf("Field = %q, not a field of the config", ce.Field)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("Validate() = %q, which spans more than one line", err)
			}
			return
		}
		for _, s := range []string{command, arg, dir, logFile} {
			if strings.IndexByte(s, 0) >= 0 {
				t.Errorf("a config with the NUL byte in %q passed Validate", s)
			}
		}
		for k, v := range c.Env {
			if bad := envKeyFault(k); bad != "" {
				t.Errorf("a config with Env key %q, which %s, passed Validate", k, bad)
			}
			if strings.IndexByte(v, 0) >= 0 {
				t.Errorf("a config whose %q holds a NUL byte passed Validate", k)
			}
			if got, _, _ := strings.Cut(k+"="+v, "="); got != k {
				t.Errorf("the environment entry of %q reads back as the key %q", k, got)
			}
		}
		path, err := c.Resolve()
		if err != nil || !filepath.IsAbs(path) {
			t.Errorf("Resolve() = %q, %v after Validate() passed; want an absolute path", path, err)
		}
	})
}

// envKeyFault says what is wrong with key for an environment that is shown
// and parsed as KEY=VALUE lines, or "" for nothing. It is written apart from
// ValidateEnvVar, as the properties the rule must give.
func envKeyFault(key string) string {
	switch {
	case key == "":
		return "is empty"
	case !utf8.ValidString(key):
		return "is not UTF-8"
	case strings.ContainsAny(key, "=\x00"):
		return "holds '=' or NUL"
	case strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }):
		return "holds a control character"
	case strings.ContainsFunc(key, unicode.IsSpace):
		return "holds white space"
	case strings.ContainsRune(key, '\ufeff'):
		return "holds a byte-order mark"
	}
	return ""
}
