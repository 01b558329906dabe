package sdk

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Command lookup on Windows follows cmd.exe's rules, less its search of the
// current directory: a name without one of PATHEXT's extensions is looked
// for with each of them added, in PATHEXT's order, and the first file found
// is the program. Only .exe and .com files are run (see canExecute).

// defaultPathExt is PATHEXT when Env has none, or an empty one: the
// extensions Windows itself lists first.
const defaultPathExt = ".COM;.EXE;.BAT;.CMD"

// pathExts returns the extensions of env's PATHEXT, in lower case (so that
// resolved paths read as files are usually named) and each with its dot.
func pathExts(env map[string]string) []string {
	list, _ := LookupEnv(env, "PATHEXT")
	if list == "" {
		list = defaultPathExt
	}
	var exts []string
	for _, ext := range strings.Split(list, ";") {
		if ext == "" {
			continue
		}
		if ext[0] != '.' {
			ext = "." + ext
		}
		exts = append(exts, strings.ToLower(ext))
	}
	return exts
}

// withExtensions returns the names under which Windows looks for the
// program name: name itself when it ends in an extension of PATHEXT (exact
// is then true), else name with each extension of PATHEXT added.
func withExtensions(name string, env map[string]string) (names []string, exact bool) {
	exts := pathExts(env)
	if ext := filepath.Ext(name); ext != "" && slices.Contains(exts, strings.ToLower(ext)) {
		return []string{name}, true
	}
	for _, ext := range exts {
		names = append(names, name+ext)
	}
	return names, false
}

// programNames returns the names under which a Command that is a path may
// be found: those of withExtensions, then, when they were made by adding
// an extension, the path as given. Windows would not try the last, but
// when it is all that exists, the error then says why it cannot run
// rather than that nothing was found.
func programNames(command string, env map[string]string) []string {
	names, exact := withExtensions(command, env)
	if !exact {
		names = append(names, command)
	}
	return names
}

// lookIn returns the path of the program name in dir, an entry of PATH, or
// "" to go on with the next entry. The first file found, as Windows would
// find it, is the program: one that procman cannot run (a batch file, say)
// ends the search with an error, rather than let a program further down
// PATH run in its place.
func lookIn(dir, name string, env map[string]string) (string, error) {
	names, _ := withExtensions(name, env)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		if err := checkExecutable(path); err != nil {
			return "", fmt.Errorf("%w (found as %q)", err, path)
		}
		return path, nil
	}
	return "", nil
}

// inDir interprets a possibly relative path against Dir as the child,
// whose working directory is Dir, would: a path rooted without a drive
// (\x) is on Dir's drive, and a drive-relative one (C:x) is relative to
// Dir when Dir is on that drive. On another drive, it is relative to that
// drive's own current directory, which procman does not know: refused.
func (c ProcessConfig) inDir(field, path string) (string, error) {
	if filepath.IsAbs(path) || c.Dir == "" {
		return path, nil
	}
	dirVolume := filepath.VolumeName(c.Dir)
	switch volume := filepath.VolumeName(path); {
	case volume != "" && !strings.EqualFold(volume, dirVolume):
		return "", invalid(field, fmt.Sprintf("%q is relative to the current directory of drive %s, which is known only when Dir is on that drive; use an absolute path", path, volume))
	case volume != "":
		return filepath.Join(c.Dir, path[len(volume):]), nil
	case strings.HasPrefix(path, `\`) || strings.HasPrefix(path, "/"):
		return filepath.Join(dirVolume, path), nil
	}
	return filepath.Join(c.Dir, path), nil
}

// canExecute accepts what CreateProcess runs by itself: .exe and .com
// programs. It would run a batch file too, through cmd.exe, which parses
// the command line as its own (expanding %VAR%, obeying & and |), while
// Args are passed verbatim: whoever wants cmd.exe's rules runs cmd.exe /c.
func canExecute(path string, _ fs.FileInfo) error {
	name := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(name)) {
	case ".exe", ".com":
		return nil
	case ".bat", ".cmd":
		return fmt.Errorf("%q is a batch file, which runs only through cmd.exe, and cmd.exe would interpret the arguments (run cmd.exe /c to accept that)", name)
	}
	return fmt.Errorf("%q is not an .exe or .com file", name)
}
