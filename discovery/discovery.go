// Package discovery finds procman's plugin executables.
//
// A plugin is an executable file named procman-plugin-NAME
// (procman-plugin-NAME.exe or .com on Windows) in a directory of PROCMAN_PLUGIN_PATH
// or, after those, of PATH. Find searches those directories and reports
// everything it saw: every directory, with where it came from and why it was
// skipped if it was, and every file that starts with Prefix, with whether it
// is usable and, if not, why. A file is usable only if nobody but root and
// the effective user could have put it in place (from mode bits on Unix,
// from security descriptors on Windows; see Open); Open makes that check
// again when the plugin is started, and returns the descriptor to execute.
package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	// Name is the plugin's name: the file name after Prefix; on Windows,
	// without its .exe or .com extension and in lower case. It is set even
	// when it is not a valid name.
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
// or when Open would refuse it: when it is not an executable regular file,
// or when anyone but the effective user and root could change it or put
// another program in its place (see Open).
//
// The first usable candidate for a name is OK; a later usable one with the
// same name is Shadowed. A refused candidate shadows nothing: when the first
// procman-plugin-x is not executable, a later one is still found.
//
// On Windows, file names ignore case: a file whose name starts with Prefix
// in any case is a candidate, and its plugin name is in lower case, so
// that procman-plugin-Foo.exe and procman-plugin-foo.exe shadow each
// other. A candidate's file name must end in .exe or .com, the programs
// CreateProcess runs by itself (PATHEXT's other extensions, such as .bat
// and .cmd, run through an interpreter); within a directory, .com comes
// first, as in PATHEXT's order.
//
// Find reads each directory once and checks only the candidates. It never
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
	names = slices.DeleteFunc(names, func(name string) bool { return !hasPrefix(name) })
	slices.Sort(names)
	for _, name := range names {
		f.consider(dir, name)
	}
	return ""
}

// consider adds the candidate named file in dir.
func (f *finder) consider(dir, file string) {
	c := Candidate{Path: filepath.Join(dir, file)}
	var problem string
	c.Name, problem = pluginName(file)
	if problem == "" && !validName(c.Name) {
		problem = fmt.Sprintf("invalid plugin name %q: must match ^[a-z0-9][a-z0-9-]*$", c.Name)
	}
	if problem == "" {
		problem = check(c.Path)
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

// RefusedError is the error of Open for a file that is no plugin procman
// may run.
type RefusedError struct {
	// Path is the path given to Open.
	Path string

	// Reason says why, in the words of a refused Candidate's Reason.
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("plugin %q refused: %s", e.Path, e.Reason)
}

// Open opens the plugin executable at path, an absolute path, to run it,
// once it has checked that the file may be run as a plugin: the checks that
// Find makes of each candidate, but for its name. When it may not, Open
// returns a *RefusedError saying why; other errors (the descriptor table is
// full, say) are returned as they are.
//
// On Unix, path is resolved as the kernel would resolve it, and every
// directory looked up on the way, from "/" down to the file's directory,
// those holding symbolic links included, must be owned by root or by the
// effective user and be writable by nobody else: no group or other write
// permission, so that sticky directories such as /tmp are refused as well.
// The file it ends at must be a regular file with the same owners and no
// group or other write permission, and the effective user must be allowed
// to execute it. These are OpenSSH's StrictModes: nobody but root and the
// user who runs procman can put their own program in the plugin's place.
//
// The checks of the file are made on the descriptor returned, so that a
// caller that executes the file through it (on Linux, as
// /proc/self/fd/N) runs what was checked, whatever the path names by then.
// On Linux the file is opened with O_PATH, which allows exactly that and
// fstat; elsewhere it is opened read-only. It is always close-on-exec, and
// the caller closes it.
//
// On Windows, the file must be a regular .exe or .com file. Nobody but
// the user running procman, SYSTEM, Administrators and TrustedInstaller may
// own the file or any directory from the volume root down, nor be granted
// by its DACL a right to change it or put another program in its place:
// write, append, delete, WRITE_DAC or WRITE_OWNER on the file; adding
// files or folders or deleting children in the directory that holds it;
// deleting children, or deleting or re-permissioning the directory, above
// it. The file is
// opened sharing only reading, so that while the descriptor is open
// nobody can write, rename or delete it: the caller, which cannot execute
// a descriptor there, runs the path, which still names the file checked.
func Open(path string) (*os.File, error) {
	file, problem, err := open(path)
	if problem != "" {
		return nil, &RefusedError{Path: path, Reason: problem}
	}
	return file, err
}

// check returns why the file at path cannot be run as a plugin, or "".
func check(path string) string {
	file, problem, err := open(path)
	if err != nil {
		return "cannot be opened: " + cause(err)
	}
	if file != nil {
		file.Close()
	}
	return problem
}

// checkFileType returns why the file described by info is no program, or
// "": a directory or anything but a regular file.
func checkFileType(info fs.FileInfo) string {
	switch {
	case info.IsDir():
		return "is a directory"
	case !info.Mode().IsRegular():
		return fmt.Sprintf("not a regular file (mode %v)", info.Mode())
	}
	return ""
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
