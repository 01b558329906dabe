package sdk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ProcessConfig is everything procman needs to start one process. Plugins
// may change its Command, Args, Dir, Env and LogFile, as far as the host
// allows; User, Group, NoNewPrivileges and Limits are the host's alone
// (plugin executables do not even see them).
//
// The zero value is not valid: Command must be set.
type ProcessConfig struct {
	// Command is the program to run: an absolute path, a path containing a
	// slash that is relative to Dir, or a bare name looked up in the PATH
	// entry of Env. The PATH of the process that starts the child is never
	// consulted.
	//
	// On Windows, either slash separates, a drive (C:\x, or C:x relative to
	// Dir when Dir is on drive C:) or a leading separator (\x, on Dir's
	// drive) also makes a path, and UNC paths (\\server\share\x.exe) are
	// absolute. Keys of Env are matched without regard to case (Path is
	// PATH), and a name without an extension of Env's PATHEXT (by default
	// .COM;.EXE;.BAT;.CMD) is looked for with each of them added, in order:
	// the first file found is the program. Only .exe and .com files run; a
	// batch file is refused, since cmd.exe, which runs it, would interpret
	// Args.
	Command string

	// Args are the arguments after the program name, passed verbatim: no
	// shell ever interprets them.
	Args []string

	// Dir is the child's working directory. An empty Dir means the working
	// directory of the host process; the host replaces it by an absolute path
	// before plugins or validation see the config.
	Dir string

	// Env is the child's complete environment. The child gets exactly these
	// variables and nothing from the host process. Keys and values obey
	// ValidateEnvVar.
	Env map[string]string

	// LogFile, when set, receives the child's stdout and stderr, both
	// appended to this one file. A relative path is relative to Dir. When
	// empty, the host decides where output goes (by default it is discarded).
	LogFile string

	// User is the user the process runs as: a name, or a numeric id, of
	// the system's user database; its supplementary groups are the user's
	// own (as sudo -u gives them). Empty: procman's own user. Only root
	// may name another user than procman's. Linux only.
	User string

	// Group is the process's group: a name or a numeric id. Empty: the
	// User's primary group, or procman's own group when User is empty.
	// Only root may name another group than procman's. Linux only.
	Group string

	// NoNewPrivileges keeps the process, and everything it starts, from
	// gaining privileges through exec: set-user-ID programs and file
	// capabilities do not take effect (PR_SET_NO_NEW_PRIVS). Linux only.
	NoNewPrivileges bool

	// Limits bound what the process and everything it starts may use.
	Limits Limits
}

// Clone returns a deep copy of c: changing the copy's Args, Env or Limits
// leaves c untouched. The copy's Env is never nil, so that a plugin may
// set a variable in it at once.
func (c ProcessConfig) Clone() ProcessConfig {
	c.Args = slices.Clone(c.Args)
	c.Limits = c.Limits.clone()
	env := make(map[string]string, len(c.Env))
	for k, v := range c.Env {
		env[k] = v
	}
	c.Env = env
	return c
}

// Validate reports whether c can be started, and if not, why: the first
// problem found, as a *ConfigError. It checks that Command is set and
// resolves to an executable file, that no string holds a NUL byte, that
// every Env entry obeys ValidateEnvVar, that Dir exists and is a
// directory, that LogFile, when set, names a file whose directory exists,
// that User and Group exist and may be asked for by this process (any by
// root, only its own by others), and that Limits are in range. It also
// refuses what exec would refuse as too long. On Windows, two Env
// keys that differ only in case are refused, as one variable, and the
// limits are those of CreateProcess, in UTF-16 units: 32,766 for the
// command line, 32,767 for a variable's value.
//
// Validate is the one validation procman applies everywhere: before a
// process starts and after each plugin's change.
func (c ProcessConfig) Validate() error {
	_, err := c.Resolve()
	return err
}

// Resolve validates c exactly as Validate does and returns the absolute path
// of the program that would run.
func (c ProcessConfig) Resolve() (string, error) {
	if err := c.checkStrings(); err != nil {
		return "", err
	}
	if err := c.checkDir(); err != nil {
		return "", err
	}
	path, err := c.lookCommand()
	if err != nil {
		return "", err
	}
	if err := c.checkLogFile(); err != nil {
		return "", err
	}
	if err := c.checkPrivileges(); err != nil {
		return "", err
	}
	return path, nil
}

func (c ProcessConfig) checkStrings() error {
	if c.Command == "" {
		return invalid("Command", "must not be empty")
	}
	if strings.IndexByte(c.Command, 0) >= 0 {
		return invalid("Command", fmt.Sprintf("%q contains a NUL byte", c.Command))
	}
	for i, arg := range c.Args {
		if strings.IndexByte(arg, 0) >= 0 {
			return invalid(fmt.Sprintf("Args[%d]", i), fmt.Sprintf("%q contains a NUL byte", arg))
		}
	}
	if strings.IndexByte(c.Dir, 0) >= 0 {
		return invalid("Dir", fmt.Sprintf("%q contains a NUL byte", c.Dir))
	}
	if strings.IndexByte(c.LogFile, 0) >= 0 {
		return invalid("LogFile", fmt.Sprintf("%q contains a NUL byte", c.LogFile))
	}
	if strings.IndexByte(c.User, 0) >= 0 {
		return invalid("User", fmt.Sprintf("%q contains a NUL byte", c.User))
	}
	if strings.IndexByte(c.Group, 0) >= 0 {
		return invalid("Group", fmt.Sprintf("%q contains a NUL byte", c.Group))
	}
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if err := c.checkSize(keys); err != nil {
		return err
	}
	for _, k := range keys {
		if err := ValidateEnvVar(k, c.Env[k]); err != nil {
			return invalid("Env", err.Error())
		}
	}
	return checkDistinctKeys(keys)
}

func (c ProcessConfig) checkDir() error {
	dir := c.Dir
	if dir == "" {
		dir = "."
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return invalid("Dir", fmt.Sprintf("%q does not exist", c.Dir))
	case err != nil:
		return invalid("Dir", fmt.Sprintf("%q: %v", c.Dir, withoutPath(err)))
	case !info.IsDir():
		return invalid("Dir", fmt.Sprintf("%q is not a directory", c.Dir))
	}
	return nil
}

func (c ProcessConfig) checkLogFile() error {
	if c.LogFile == "" {
		return nil
	}
	path, err := c.inDir("LogFile", c.LogFile)
	if err != nil {
		return err
	}
	// Not filepath.Dir, which cleans: after a link, ".." is the parent of
	// the link's target, as for the system that opens the file. With its
	// final separator, the directory must be one to be found.
	dir, _ := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	_, err = os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return invalid("LogFile", fmt.Sprintf("directory of %q does not exist", c.LogFile))
	case err != nil:
		return invalid("LogFile", fmt.Sprintf("directory of %q: %v", c.LogFile, withoutPath(err)))
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return invalid("LogFile", fmt.Sprintf("%q is a directory", c.LogFile))
	}
	return nil
}

// lookCommand resolves Command the way the contract says: absolute, relative
// to Dir when it holds a separator (or, on Windows, a drive), else through
// the PATH entry of Env only.
func (c ProcessConfig) lookCommand() (string, error) {
	if strings.ContainsRune(c.Command, filepath.Separator) || strings.ContainsRune(c.Command, '/') || filepath.VolumeName(c.Command) != "" {
		return c.lookPath()
	}
	pathList, ok := LookupEnv(c.Env, "PATH")
	if !ok {
		return "", &ConfigError{
			Field:  "Command",
			Reason: fmt.Sprintf("%q is a bare name and Env has no PATH to look it up in (the host's PATH is never used)", c.Command),
			Err:    ErrCommandNotFound,
		}
	}
	for _, dir := range filepath.SplitList(pathList) {
		// Like os/exec's ErrDot: a relative entry would make the result depend
		// on the working directory, so it is never searched.
		if !filepath.IsAbs(dir) {
			continue
		}
		path, err := lookIn(dir, c.Command, c.Env)
		if err != nil {
			return "", &ConfigError{Field: "Command", Reason: fmt.Sprintf("%q: %v", c.Command, err), Err: err}
		}
		if path != "" {
			return path, nil
		}
	}
	return "", &ConfigError{
		Field:  "Command",
		Reason: fmt.Sprintf("%q not found in PATH %q", c.Command, pathList),
		Err:    ErrCommandNotFound,
	}
}

// lookPath resolves a Command that is a path: the first of its
// programNames that exists decides.
func (c ProcessConfig) lookPath() (string, error) {
	var err error
	for _, name := range programNames(c.Command, c.Env) {
		var path string
		if path, err = c.inDir("Command", name); err != nil {
			return "", err
		}
		if path, err = filepath.Abs(path); err != nil {
			return "", invalid("Command", err.Error())
		}
		if err = checkExecutable(path); err == nil {
			return path, nil
		}
		if !errors.Is(err, ErrCommandNotFound) {
			break
		}
	}
	return "", &ConfigError{Field: "Command", Reason: fmt.Sprintf("%q: %v", c.Command, err), Err: err}
}

// checkExecutable returns nil if path is a file this process may execute,
// else ErrCommandNotFound or ErrNotExecutable wrapped with the reason.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: no such file", ErrCommandNotFound)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotExecutable, withoutPath(err))
	}
	if info.IsDir() {
		return fmt.Errorf("%w: is a directory", ErrNotExecutable)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", ErrNotExecutable)
	}
	if err := canExecute(path, info); err != nil {
		return fmt.Errorf("%w: %v", ErrNotExecutable, err)
	}
	return nil
}

// withoutPath returns the cause of err, a failure on a path, without the
// path: a reason names the path once, quoted, so that no byte of it can
// break the message into lines.
func withoutPath(err error) error {
	if pathErr, ok := errors.AsType[*fs.PathError](err); ok {
		return pathErr.Err
	}
	return err
}
