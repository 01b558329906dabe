package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/procman-dev/procman/builtin-plugins/internal/textfile"
)

// resolve returns the installed version that requested names, as "nvm use"
// does; system reports that it names the system's node.
func (r root) resolve(requested string) (v version, system bool, err error) {
	name := requested
	switch name {
	case "system":
		return version{}, true, nil
	case "iojs", "io.js":
		name = "iojs"
	case "node":
		name = "stable"
	}
	target := name
	if name != "iojs" {
		if target, err = r.followAliases(name); err != nil {
			return version{}, false, err
		}
	}
	ok := false
	switch target {
	case "system":
		return version{}, true, nil
	case "node", "stable":
		v, ok = r.newest(false)
	case "iojs":
		v, ok = r.newest(true)
	default:
		v, ok = r.match(target)
	}
	if ok {
		return v, false, nil
	}
	shown := withV(requested)
	if target != name {
		shown = requested + " -> " + withV(target)
	}
	return version{}, false, &NotInstalledError{Version: shown}
}

// followAliases follows the chain of aliases that starts at name, and
// returns its end: name itself when it is no alias.
func (r root) followAliases(name string) (string, error) {
	chain := []string{name}
	for {
		next, ok, err := r.alias(name)
		if err != nil || !ok {
			return name, err
		}
		if slices.Contains(chain, next) {
			return "", fmt.Errorf("%w: %s", ErrAliasLoop, strings.Join(append(chain, next), " -> "))
		}
		chain = append(chain, next)
		name = next
	}
}

// alias returns what the alias name stands for: the first non-blank line of
// its file, NVM_DIR/alias/NAME, trimmed. ok is false when there is no such
// alias. "lts/-N" is the LTS line N releases before the newest.
func (r root) alias(name string) (target string, ok bool, err error) {
	if back, isPrevious := strings.CutPrefix(name, "lts/-"); isPrevious {
		if name, ok = r.previousLTS(back); !ok {
			return "", false, nil
		}
	}
	// An alias name never leads out of the alias directory.
	if !filepath.IsLocal(name) {
		return "", false, nil
	}
	path := r.aliasPath(name)
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
		return "", false, nil
	}
	content, err := textfile.Read(path, maxFileSize)
	if err != nil {
		return "", false, err
	}
	for line := range strings.Lines(content) {
		if line = strings.Trim(line, space); line != "" {
			return line, true, nil
		}
	}
	return "", false, nil
}

func (r root) aliasPath(name string) string {
	return filepath.Join(string(r), "alias", name)
}

// previousLTS returns "lts/CODENAME" for lts/-back: the LTS line back places
// before the newest in the sorted listing of NVM_DIR/alias/lts, as nvm
// counts (codenames sort in the order of their releases).
func (r root) previousLTS(back string) (string, bool) {
	n, err := strconv.Atoi(back)
	if err != nil || n < 1 || strconv.Itoa(n) != back {
		return "", false
	}
	entries, _ := os.ReadDir(filepath.Join(string(r), "alias", "lts")) // sorted by name
	var codenames []string
	for _, entry := range entries {
		if name := entry.Name(); name != "*" && !strings.HasPrefix(name, ".") {
			codenames = append(codenames, name)
		}
	}
	i := len(codenames) - 1 - n
	if i < 0 {
		return "", false
	}
	return "lts/" + codenames[i], true
}
