package resolve

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// space is what nvm trims from lines: the POSIX [[:space:]] class.
const space = " \t\n\v\f\r"

// findNvmrc returns the path of the nearest .nvmrc file in dir or above it,
// or "" if there is none.
func findNvmrc(ctx context.Context, dir string) (string, error) {
	for d := range upward(dir) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		path := filepath.Join(d, ".nvmrc")
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			return path, nil
		}
	}
	return "", nil
}

// upward yields dir and every directory above it, the root included.
func upward(dir string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for dir = filepath.Clean(dir); yield(dir); dir = filepath.Dir(dir) {
			if filepath.Dir(dir) == dir {
				return
			}
		}
	}
}

// parseNvmrc returns the version that the content of a .nvmrc names, by the
// rules of nvm v0.40: everything from a '#' on is a comment; lines are
// trimmed and blank ones dropped; a line holding '=' is a key=value setting,
// which nvm ignores here, but a key "node" or a key given twice makes the
// file invalid; exactly one other line must remain, and it names the
// version. (A line that starts with '=' has no key: nvm counts it as a
// version line.) Lines may end in CRLF.
func parseNvmrc(content string) (string, error) {
	var version string
	keys := make(map[string]bool)
	for line := range strings.Lines(content) {
		line, _, _ = strings.Cut(line, "#")
		line = strings.Trim(line, space)
		key, _, isPair := strings.Cut(line, "=")
		key = strings.Trim(key, space)
		switch {
		case line == "":
		case isPair && key == "node":
			return "", errors.New(`key "node" is not allowed: the version goes on a line of its own`)
		case isPair && keys[key]:
			return "", fmt.Errorf("key %q appears twice", key)
		case isPair && key != "":
			keys[key] = true
		case version != "":
			return "", fmt.Errorf("two lines name a version, %q and %q: exactly one may", version, line)
		default:
			version = line
		}
	}
	if version == "" {
		return "", errors.New("no line names a version")
	}
	return version, nil
}
