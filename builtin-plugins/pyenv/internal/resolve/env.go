package resolve

import (
	"path/filepath"
	"strings"

	"github.com/procman-dev/procman/sdk"
)

// Env returns the variables to set in the environment env of the process
// for the selection, as `pyenv exec` would set them:
//
//   - PATH: the bin directory of each installed version, in the order of
//     the selection, before env's PATH. Versions listed after system come
//     after env's PATH instead, so that system keeps its rank. When env has
//     no PATH, or an empty one, PATH is the bin directories alone (an empty
//     entry would mean the working directory).
//   - PYENV_VERSION: the resolved versions joined with ':', so that pyenv run
//     by the process selects the same ones. Entries that are not installed
//     are left out.
func (s Selection) Env(env map[string]string) map[string]string {
	var before, after, names []string
	afterSystem := false
	for _, v := range s.Versions {
		switch {
		case v.Name == "":
			continue
		case v.Name == System:
			afterSystem = true
		case afterSystem:
			after = append(after, s.Bin(v.Name))
		default:
			before = append(before, s.Bin(v.Name))
		}
		names = append(names, v.Name)
	}
	path := before
	if envPath := getenv(env, "PATH"); envPath != "" {
		path = append(path, envPath)
	}
	path = append(path, after...)
	return map[string]string{
		"PATH":          strings.Join(path, string(filepath.ListSeparator)),
		"PYENV_VERSION": strings.Join(names, ":"),
	}
}

// getenv returns the variable key of env, "" when it is not set: under any
// spelling on Windows, which ignores the case of names.
func getenv(env map[string]string, key string) string {
	value, _ := sdk.LookupEnv(env, key)
	return value
}

// Bin returns the bin directory of the installed version name.
func (s Selection) Bin(name string) string {
	return filepath.Join(s.Root, "versions", name, "bin")
}
