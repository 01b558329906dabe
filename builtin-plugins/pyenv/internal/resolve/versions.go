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

// installed returns the installed version that name names: name as a
// clean path inside versions/, when that is a directory (or a link to
// one). A name that leads out of versions/, or names versions/ itself, is
// never installed.
func (d *versionsDir) installed(name string) (string, bool) {
	name, ok := d.name(name)
	return name, ok && isDir(filepath.Join(d.path, name))
}

// resolve returns the installed version that entry names, as pyenv
// resolves it: system; a directory of that exact name; the same without a
// "python-" prefix; the latest version with that prefix, first as written,
// then without "python-". It returns "" when nothing matches.
func (d *versionsDir) resolve(entry string) string {
	if entry == System {
		return entry
	}
	bare := strings.TrimPrefix(entry, "python-")
	for _, candidate := range []string{entry, bare} {
		if name, ok := d.installed(candidate); ok {
			return name
		}
	}
	if name := latest(entry, d.list()); name != "" {
		return name
	}
	return latest(bare, d.list())
}

// name returns the name under which entry stands for something inside
// versions/: entry itself when it is a plain name, or else the clean path
// inside versions/ that it leads to, as pyenv joins it to versions/ ("/x"
// is versions/x). ok is false when entry leads out of versions/ or to
// versions/ itself: "", ".", "..", "3.11/../..". Links inside versions/
// are not looked at: they are how pyenv installs a version that lives
// elsewhere (a system Python, a virtualenv), and whoever can make them
// chooses the programs anyway.
func (d *versionsDir) name(entry string) (string, bool) {
	if !strings.ContainsAny(entry, "/"+string(filepath.Separator)) {
		return entry, entry != "" && entry != "." && entry != ".."
	}
	rel, err := filepath.Rel(d.path, filepath.Join(d.path, entry))
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
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
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 && isDir(filepath.Join(d.path, e.Name())) {
			d.names = append(d.names, e.Name())
		}
	}
	return d.names
}
