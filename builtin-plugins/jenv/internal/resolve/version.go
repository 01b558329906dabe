// Package resolve chooses the Java version that jenv 0.6.0 would choose for
// a process, by reading jenv's files directly: it never runs jenv's shell
// code. Everything it looks at comes from its arguments, the working
// directory and the environment of the process's config, never from the
// calling program's own environment or working directory.
package resolve

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/procman-dev/procman/sdk"
)

// Request is the version that a process asks for, and where it asks.
type Request struct {
	// Version is the name as written. "" and "system" ask for the system's
	// Java, which jenv leaves alone.
	Version string
	// Origin is the file that names Version, or "JENV_VERSION environment
	// variable"; "" when nothing names a version.
	Origin string
	// Root is jenv's root directory (see Root), where versions live.
	Root string
}

// System reports whether r asks for the system's Java.
func (r Request) System() bool { return r.Version == "" || r.Version == "system" }

// Root returns jenv's root directory for a process that would run in dir
// with the environment env: JENV_ROOT when it is not empty, else
// $HOME/.jenv. A relative root is relative to dir, where jenv would run.
// The result is cleaned, so it has no trailing '/'.
func Root(dir string, env map[string]string) string {
	root := getenv(env, "JENV_ROOT")
	if root == "" {
		root = getenv(env, "HOME") + "/.jenv" // with no HOME, /.jenv, as in jenv
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(dir, root)
	}
	return filepath.Clean(root)
}

// getenv returns the variable key of env, "" when it is not set: under any
// spelling on Windows, which ignores the case of names.
func getenv(env map[string]string, key string) string {
	value, _ := sdk.LookupEnv(env, key)
	return value
}

// Requested returns the version asked for by a process that would run in
// dir, an absolute path, with the environment env. The order is jenv's:
//
//  1. JENV_VERSION, when it is not empty;
//  2. walking up from dir, but not into the root directory itself: in each
//     directory .java-version, then .jenv-version;
//  3. in jenv's root: the file version, else global, else default.
//
// The first file that exists ends the search, even if it names no version:
// then the process gets the system's Java. A file names the first word of
// its first line that is not blank, '\r' removed; there are no comments.
func Requested(ctx context.Context, dir string, env map[string]string) (Request, error) {
	if !filepath.IsAbs(dir) {
		return Request{}, fmt.Errorf("jenv: working directory %q is not an absolute path", dir)
	}
	root := Root(dir, env)
	if version := getenv(env, "JENV_VERSION"); version != "" {
		return Request{Version: version, Origin: "JENV_VERSION environment variable", Root: root}, nil
	}
	file, err := findUp(ctx, dir, ".java-version", ".jenv-version")
	if err != nil {
		return Request{}, err
	}
	if file == "" {
		file = firstExisting(filepath.Join(root, "version"), filepath.Join(root, "global"), filepath.Join(root, "default"))
	}
	if file == "" {
		return Request{Root: root}, nil
	}
	version, err := readFirstWord(file)
	if err != nil {
		return Request{}, fmt.Errorf("jenv: %w", err)
	}
	return Request{Version: version, Origin: file, Root: root}, nil
}
