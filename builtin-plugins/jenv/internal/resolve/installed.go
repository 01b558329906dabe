package resolve

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Java is an installed Java version.
type Java struct {
	// Name is the version's entry in jenv's versions directory: the name
	// asked for, or that name less a "java-" prefix.
	Name string
	// Home is $JENV_ROOT/versions/Name: the symbolic link that jenv add
	// makes, not the directory it points to, just as jenv exec sets
	// JAVA_HOME.
	Home string
	// JDK reports whether Home has bin/javac: a development kit, not only a
	// runtime.
	JDK bool
}

// NotInstalledError is the error for a version that is not installed. Its
// message is jenv's.
type NotInstalledError struct {
	Version string // the name as asked for
}

func (e *NotInstalledError) Error() string {
	return "jenv: version '" + e.Version + "' is not installed"
}

// errSystem is Installed's error for a request of the system's Java.
var errSystem = errors.New("jenv: the system's Java is not a jenv version")

// Installed returns the installed version that r asks for, which must not
// be the system's Java. A version is installed when versions/NAME in jenv's
// root is a directory, or a symbolic link to one (a dangling link does not
// count). The name must match exactly; failing that, the name less a
// "java-" prefix, which jenv tolerates with a warning (see
// Java.PrefixStripped). There is no prefix matching: "17" is not
// "17.0.15". A name that is no single entry of the versions directory
// (".", "..", or one holding a path separator) is never installed.
func Installed(r Request) (Java, error) {
	if r.System() {
		return Java{}, errSystem
	}
	for _, name := range []string{r.Version, strings.TrimPrefix(r.Version, "java-")} {
		if !isEntryName(name) {
			continue
		}
		home := filepath.Join(r.Root, "versions", name)
		if info, err := os.Stat(home); err == nil && info.IsDir() {
			return Java{Name: name, Home: home, JDK: exists(filepath.Join(home, "bin", "javac"))}, nil
		}
	}
	return Java{}, &NotInstalledError{Version: r.Version}
}

// PrefixStripped reports whether j was found for r only once a "java-"
// prefix was stripped from the name r asks for.
func (j Java) PrefixStripped(r Request) bool { return j.Name != r.Version }

// isEntryName reports whether name can be one entry of a directory.
func isEntryName(name string) bool {
	return name != "" && name != "." && name != ".." &&
		!strings.ContainsRune(name, '/') && !strings.ContainsRune(name, filepath.Separator)
}
