package resolve

import (
	"os"
	"path/filepath"
	"strings"
)

// versionsDir is $PYENV_ROOT/versions, where every installed version is a
// directory (or a symbolic link to one) of any name.
type versionsDir struct {
	path string

	names  []string // the installed versions, once listed
	listed bool
}

// has reports whether name is installed: versions/name is a directory.
func (d *versionsDir) has(name string) bool {
	return isDir(filepath.Join(d.path, name))
}

// resolve returns the installed version that entry names, as pyenv
// resolves it: system; a directory of that exact name; the same without a
// "python-" prefix; the latest version with that prefix, first as written,
// then without "python-". It returns "" when nothing matches.
func (d *versionsDir) resolve(entry string) string {
	if entry == System || d.has(entry) {
		return entry
	}
	bare := strings.TrimPrefix(entry, "python-")
	if d.has(bare) {
		return bare
	}
	if name := latest(entry, d.list()); name != "" {
		return name
	}
	return latest(bare, d.list())
}

// safe checks a value read from a version file. A value that holds '/' or
// is ".." must name a directory inside versions/, and is returned as its
// clean path relative to versions/. Any other value cannot lead out of
// versions/, and stays as it is.
func (d *versionsDir) safe(value string) (string, bool) {
	if value != ".." && !strings.ContainsAny(value, "/"+string(filepath.Separator)) {
		return value, true
	}
	path := filepath.Join(d.path, value)
	if !strings.HasPrefix(path, d.path+string(filepath.Separator)) || !isDir(path) {
		return "", false
	}
	return filepath.ToSlash(path[len(d.path)+1:]), true
}

// list returns the names of the installed versions: the entries of
// versions/ that are directories or links to directories, dot-names
// included. A virtual environment's own name under <version>/envs is not
// listed, but the link pyenv-virtualenv makes for it in versions/ is.
func (d *versionsDir) list() []string {
	if d.listed {
		return d.names
	}
	d.listed = true
	entries, _ := os.ReadDir(d.path) // no versions/: nothing installed
	for _, e := range entries {
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 && d.has(e.Name()) {
			d.names = append(d.names, e.Name())
		}
	}
	return d.names
}
