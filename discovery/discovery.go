// Package discovery finds procman's plugin executables.
//
// A plugin is an executable file named procman-plugin-NAME
// (procman-plugin-NAME.exe on Windows) in a directory of PROCMAN_PLUGIN_PATH
// or, after those, of PATH. Find searches those directories and reports
// everything it saw: every directory, with where it came from and why it was
// skipped if it was, and every file that starts with Prefix, with whether it
// is usable and, if not, why.
package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// EnvPluginPath is the environment variable whose directories are
	// searched for plugins before those of PATH.
	EnvPluginPath = "PROCMAN_PLUGIN_PATH"

	// Prefix starts the file name of every plugin executable.
	Prefix = "procman-plugin-"
)

// envPath is the Source of the directories that come from PATH.
const envPath = "PATH"

// Status says what became of a candidate.
type Status int

const (
	// OK marks a usable plugin: the first usable candidate for its name.
	OK Status = iota + 1

	// Shadowed marks a usable candidate whose name was already taken by an
	// earlier one.
	Shadowed

	// Refused marks a candidate that cannot be used as a plugin.
	Refused
)

// String returns "ok", "shadowed" or "refused".
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Shadowed:
		return "shadowed"
	case Refused:
		return "refused"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Candidate is a file whose name starts with Prefix.
type Candidate struct {
	// Name is the plugin's name: the file name after Prefix, without .exe on
	// Windows. It is set even when it is not a valid name.
	Name string

	// Path is where the candidate was found: its directory joined with its
	// file name. For a symbolic link, it is the path of the link.
	Path string

	// Status is OK, Shadowed or Refused.
	Status Status

	// Reason says why the candidate was shadowed (naming the path of the
	// plugin that won) or refused. It is empty for OK.
	Reason string
}

// Dir is one entry of PROCMAN_PLUGIN_PATH or PATH.
type Dir struct {
	// Path is the entry exactly as it was listed.
	Path string

	// Source is the variable the entry came from: "PROCMAN_PLUGIN_PATH" or
	// "PATH".
	Source string

	// Skipped says why the directory was not searched. It is empty for a
	// directory that was searched.
	Skipped string
}

// Result is everything Find saw, in the order it saw it.
type Result struct {
	// Dirs lists every entry of PROCMAN_PLUGIN_PATH, then every entry of
	// PATH.
	Dirs []Dir

	// Candidates lists every file starting with Prefix in the searched
	// directories, in the order of Dirs and, within a directory, by file
	// name.
	Candidates []Candidate
}

// Plugins returns the usable plugins, those with Status OK, in the order they
// were found. Their names are unique.
func (r Result) Plugins() []Candidate {
	var plugins []Candidate
	for _, c := range r.Candidates {
		if c.Status == OK {
			plugins = append(plugins, c)
		}
	}
	return plugins
}

// Find searches for plugins in the directories of pluginPath, then in those
// of path; both are lists in the form of the PATH environment variable, split
// with filepath.SplitList. Callers pass the values of EnvPluginPath and PATH:
// Find never reads the environment itself.
//
// A directory is skipped, and never searched, when its entry is empty or
// relative (like os/exec's ErrDot, the result must not depend on the working
// directory), when it was listed before (by the same path once cleaned, or as
// the same directory through a symbolic link), and when it does not exist, is
// not a directory or cannot be read.
//
// In a searched directory, every file whose name starts with Prefix is a
// candidate; other files are ignored and not reported. A candidate is
// refused when its name after Prefix does not match ^[a-z0-9][a-z0-9-]*$,
// when it is not a regular file, when the effective user may not execute
// it, when it is writable by everyone, or when the directory it was found in
// is writable by everyone and lacks the sticky bit: anyone could put their
// own program in its place. Symbolic links are followed: the file checks
// apply to the link's target, the directory check to the directory holding
// the link.
//
// The first usable candidate for a name is OK; a later usable one with the
// same name is Shadowed. A refused candidate shadows nothing: when the first
// procman-plugin-x is not executable, a later one is still found.
//
// On Windows, a candidate's file name must end in .exe, and permission bits
// mean nothing there: the checks for writable files and directories are not
// made, and any regular .exe file counts as executable.
//
// Find reads each directory once and stats only the candidates. It never
// fails: every problem is reported in the Result.
func Find(pluginPath, path string) Result {
	f := finder{
		listed:  make(map[string]string),
		winners: make(map[string]string),
	}
	f.searchList(pluginPath, EnvPluginPath)
	f.searchList(path, envPath)
	return f.result
}

// finder holds the state of one Find.
type finder struct {
	result Result

	// listed maps each cleaned absolute entry to the entry as first listed.
	listed map[string]string
	// opened holds the directories opened so far, to catch the same
	// directory reached through a symbolic link.
	opened []openedDir
	// winners maps each plugin name to the path of its OK candidate.
	winners map[string]string
}

type openedDir struct {
	path string
	info fs.FileInfo
}

func (f *finder) searchList(list, source string) {
	for _, entry := range filepath.SplitList(list) {
		skipped := f.searchDir(entry)
		f.result.Dirs = append(f.result.Dirs, Dir{Path: entry, Source: source, Skipped: skipped})
	}
}

// searchDir adds the candidates of the directory entry and returns why it was
// skipped, or "" if it was searched.
func (f *finder) searchDir(entry string) string {
	switch {
	case entry == "":
		return "empty entry: never searched, as it would mean the current directory"
	case !filepath.IsAbs(entry):
		return "relative path: never searched, as it would depend on the current directory"
	}
	dir := filepath.Clean(entry)
	if first, ok := f.listed[dir]; ok {
		return fmt.Sprintf("duplicate of %q, listed earlier", first)
	}
	f.listed[dir] = entry

	file, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "does not exist"
	}
	if err != nil {
		return "cannot be read: " + cause(err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return "cannot be read: " + cause(err)
	}
	if !info.IsDir() {
		return "not a directory"
	}
	for _, d := range f.opened {
		if os.SameFile(d.info, info) {
			return fmt.Sprintf("same directory as %q, listed earlier", d.path)
		}
	}
	f.opened = append(f.opened, openedDir{path: entry, info: info})

	names, err := file.Readdirnames(-1)
	if err != nil {
		return "cannot be read: " + cause(err)
	}
	names = slices.DeleteFunc(names, func(name string) bool { return !strings.HasPrefix(name, Prefix) })
	slices.Sort(names)
	dirProblem := checkDir(info)
	for _, name := range names {
		f.consider(dir, name, dirProblem)
	}
	return ""
}

// consider adds the candidate named file in dir. dirProblem is why no
// candidate of dir can be used, or "".
func (f *finder) consider(dir, file, dirProblem string) {
	c := Candidate{Path: filepath.Join(dir, file)}
	var problem string
	c.Name, problem = pluginName(file)
	if problem == "" && !validName(c.Name) {
		problem = fmt.Sprintf("invalid plugin name %q: must match ^[a-z0-9][a-z0-9-]*$", c.Name)
	}
	if problem == "" {
		problem = dirProblem
	}
	if problem == "" {
		problem = checkFile(c.Path)
	}
	winner, taken := f.winners[c.Name]
	switch {
	case problem != "":
		c.Status, c.Reason = Refused, problem
	case taken:
		c.Status, c.Reason = Shadowed, fmt.Sprintf("shadowed by %q", winner)
	default:
		c.Status = OK
		f.winners[c.Name] = c.Path
	}
	f.result.Candidates = append(f.result.Candidates, c)
}

// validName reports whether name matches ^[a-z0-9][a-z0-9-]*$.
func validName(name string) bool {
	if name == "" || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// checkFile returns why the file at path cannot be run as a plugin, or "".
func checkFile(path string) string {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if target, err := os.Readlink(path); err == nil {
			return fmt.Sprintf("broken symbolic link: target %q does not exist", target)
		}
		return "no longer exists"
	}
	if err != nil {
		return "cannot be read: " + cause(err)
	}
	if info.IsDir() {
		return "is a directory"
	}
	if !info.Mode().IsRegular() {
		return fmt.Sprintf("not a regular file (mode %v)", info.Mode())
	}
	return checkPermissions(path, info)
}

// cause returns the reason of err without the path it names, since every
// reason already belongs to a path.
func cause(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}
