// Package plugintest holds what the built-in plugins' tests share.
package plugintest

import (
	"os"
	"path/filepath"
	"testing"
)

// WindowsEnv is an environment as procman run gives it on Windows: Path
// spelt as Windows spells it, and none of the Unix tools' variables (no
// HOME, NVM_DIR, PYENV_ROOT or JENV_ROOT).
func WindowsEnv() map[string]string {
	return map[string]string{
		"SystemRoot": `C:\windows`, "Path": `C:\windows\system32;C:\windows`,
		"PATHEXT": ".COM;.EXE", "USERPROFILE": `C:\users\u`,
	}
}

// WriteFile writes content to path, making the directories above it.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Symlink makes a symbolic link at link to target, making the directories
// above link.
func Symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
