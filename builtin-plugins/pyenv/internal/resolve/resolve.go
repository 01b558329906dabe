// Package resolve chooses the Python versions that pyenv would choose for a
// process, and the environment that `pyenv exec` would give it.
//
// It reads pyenv's files and never runs pyenv's shell code. Its only inputs
// are the process's working directory and environment map (HOME,
// PYENV_ROOT, PYENV_VERSION), never the environment or working directory of
// the program calling it: a plugin serves processes of many directories.
package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// System is the version that stands for the Python found on PATH without
// pyenv's help.
const System = "system"

// EnvSource is what pyenv says set the versions when PYENV_VERSION did.
const EnvSource = "PYENV_VERSION environment variable"

// Selection is the versions pyenv selects for one process.
type Selection struct {
	// Root is pyenv's root directory, absolute: PYENV_ROOT, or $HOME/.pyenv.
	Root string
	// Source is what set the versions, in the words pyenv uses in its
	// messages: EnvSource, or the path of the version file that was read
	// (for the default, $PYENV_ROOT/version, whether it exists or not).
	Source string
	// Versions are the entries asked for, in order, each resolved. Without
	// any entry, pyenv uses the system Python: Versions is then one System.
	Versions []Version
	// Ignored are pyenv's warnings about entries that were skipped because
	// they lead out of $PYENV_ROOT/versions (see Select).
	Ignored []string
}

// Version is one entry of the selection.
type Version struct {
	// Requested is the entry as written ("3.11", "python-3.12", "system"),
	// or for a path its clean form inside versions/ ("3.11/envs/venv").
	Requested string
	// Name is what it resolved to: a directory name under
	// $PYENV_ROOT/versions ("3.11.7"), System, or "" when no installed
	// version matches.
	Name string
}

// Root returns pyenv's root directory for a process in dir with env:
// PYENV_ROOT, or $HOME/.pyenv when PYENV_ROOT is empty, cleaned (so without
// a trailing '/', which pyenv strips too). A relative root is relative to
// dir, where pyenv would run. dir must be absolute: a relative one would
// make the answer depend on the caller's working directory.
func Root(dir string, env map[string]string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("pyenv: working directory %q is not an absolute path", dir)
	}
	root := getenv(env, "PYENV_ROOT")
	if root == "" {
		root = getenv(env, "HOME") + "/.pyenv"
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(dir, root)
	}
	return filepath.Clean(root), nil
}

// Select returns the versions pyenv selects for a process whose working
// directory is dir (which must be absolute) and whose environment is env.
// In order: a non-empty PYENV_VERSION (entries separated by ':'); else the
// first .python-version found in dir or a directory above it, up to and
// including the root of the file system, even if it lists nothing (then:
// system); else $PYENV_ROOT/version; else system.
//
// An entry that leads out of $PYENV_ROOT/versions, or names that
// directory itself, is skipped and reported in Ignored: a Name is always a
// path inside versions/ (where links may lead elsewhere: they are how
// pyenv installs a Python that lives elsewhere). Entries that match no
// installed version are not an error here: their Name is "", and Missing
// reports them. An error means a version file could not be read, or dir
// is not absolute.
func Select(dir string, env map[string]string) (Selection, error) {
	root, err := Root(dir, env)
	if err != nil {
		return Selection{}, err
	}
	installed := &versionsDir{path: filepath.Join(root, "versions")}
	sel := Selection{Root: root}

	var values []string
	if value := getenv(env, "PYENV_VERSION"); value != "" {
		sel.Source = EnvSource
		values = []string{value}
	} else {
		file, found := findLocalFile(filepath.Clean(dir))
		if !found {
			file = filepath.Join(root, "version")
		}
		if values, err = readVersionFile(file); err != nil {
			return Selection{}, err
		}
		sel.Source = file
	}
	var entries []string
	for _, value := range values {
		for _, entry := range splitList(value) {
			if name, ok := sel.check(installed, entry); ok {
				entries = append(entries, name)
			}
		}
	}
	if len(entries) == 0 {
		entries = []string{System}
	}
	for _, entry := range entries {
		sel.Versions = append(sel.Versions, Version{Requested: entry, Name: installed.resolve(entry)})
	}
	return sel, nil
}

// check returns the name under which entry, from sel.Source, stands for a
// version inside versions/, or reports it in sel.Ignored. A repository can
// ship any .python-version, and a program can be given any environment:
// an entry must not lead out of versions/ (pyenv's fix for CVE-2022-35861,
// which checks each line of a file, where check sees each entry of a line
// and PYENV_VERSION too). An entry of a version file that holds a '/' must
// also name a directory, as in pyenv.
func (sel *Selection) check(installed *versionsDir, entry string) (string, bool) {
	name, ok := installed.name(entry)
	if ok && sel.Source != EnvSource && strings.ContainsAny(entry, "/"+string(filepath.Separator)) {
		_, ok = installed.installed(name)
	}
	switch {
	case ok:
		return name, true
	case sel.Source == EnvSource:
		sel.Ignored = append(sel.Ignored, fmt.Sprintf("pyenv: invalid version '%s' ignored (set by %s)", entry, EnvSource))
	default:
		sel.Ignored = append(sel.Ignored, fmt.Sprintf("pyenv: invalid version '%s' ignored in '%s'", entry, sel.Source))
	}
	return "", false
}

// splitList splits a list of versions at ':'. An empty entry (as in
// "3.11::3.12") names no version, and is dropped.
func splitList(list string) []string {
	var entries []string
	for _, entry := range strings.Split(list, ":") {
		if entry != "" {
			entries = append(entries, entry)
		}
	}
	return entries
}

// SelectsPython reports whether the selection asks for a version other than
// system, installed or not: whether pyenv has anything to do.
func (s Selection) SelectsPython() bool {
	for _, v := range s.Versions {
		if v.Requested != System {
			return true
		}
	}
	return false
}

// Installed returns the names of the selected versions that are installed,
// other than system, in order.
func (s Selection) Installed() []string {
	var names []string
	for _, v := range s.Versions {
		if v.Name != "" && v.Name != System {
			names = append(names, v.Name)
		}
	}
	return names
}

// Missing returns the entries that match no installed version, as the
// error pyenv reports, or nil when every entry resolved.
func (s Selection) Missing() *NotInstalledError {
	var missing []string
	for _, v := range s.Versions {
		if v.Name == "" {
			missing = append(missing, v.Requested)
		}
	}
	if missing == nil {
		return nil
	}
	return &NotInstalledError{Versions: missing, Source: s.Source}
}

// NotInstalledError reports entries that match no installed version.
type NotInstalledError struct {
	Versions []string // the entries, as written
	Source   string   // what set them (see Selection.Source)
}

// Error says what pyenv says, one sentence per entry:
// pyenv: version 'X' is not installed (set by SOURCE).
func (e *NotInstalledError) Error() string {
	sentences := make([]string, len(e.Versions))
	for i, v := range e.Versions {
		sentences[i] = fmt.Sprintf("pyenv: version '%s' is not installed (set by %s)", v, e.Source)
	}
	return strings.Join(sentences, "; ")
}

// isDir reports whether path is a directory, following symbolic links.
func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
