// Package resolve chooses the node installation that nvm (v0.40) would use
// for a process, by reading nvm's files: it never runs nvm's shell code.
//
// Its only inputs are the process's working directory and environment
// (HOME, XDG_CONFIG_HOME, NVM_DIR), never those of the program that calls
// it. The choice, as nvm makes it:
//
//  1. the nearest .nvmrc, in the working directory or any directory above
//     it up to and including the root;
//  2. else nvm's default alias, NVM_DIR/alias/default;
//  3. else the system's node: nvm changes nothing.
//
// What was asked for is then resolved to an installed version, following
// aliases; see Choose.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/procman-dev/procman/builtin-plugins/internal/textfile"
	"github.com/procman-dev/procman/sdk"
)

var (
	// ErrInvalidNvmrc is matched by the error for a .nvmrc that breaks
	// nvm's rules; nvm refuses such a file, and so does Choose.
	ErrInvalidNvmrc = errors.New("invalid .nvmrc")

	// ErrAliasLoop is matched by the error for aliases that name each other
	// in a circle.
	ErrAliasLoop = errors.New("alias loop")
)

// NotInstalledError reports, in nvm's words, that no installed version
// matches what was asked for.
type NotInstalledError struct {
	// Version is what was asked for as nvm shows it: "v17", or
	// "default -> v17" when it was reached through an alias.
	Version string
}

func (e *NotInstalledError) Error() string {
	return `N/A: version "` + e.Version + `" is not yet installed.`
}

// Choice is the node installation nvm would use.
type Choice struct {
	// Version is the chosen version as nvm names it: "v20.20.2", or
	// "iojs-v3.3.1" for io.js.
	Version string
	// Dir is its installation directory, which holds bin/node.
	Dir string
	// Source is the file that asked for it: a .nvmrc, or NVM_DIR/alias/default.
	Source string
	// Requested is what Source asks for: "20", "lts/iron", "default"...
	Requested string

	nvmDir string
}

// Choose returns the node installation that nvm would use in dir, an
// absolute path, given the environment env. ok is false when nvm would leave
// the system's node in place: env names no nvm directory, that directory
// does not exist, dir is relative, nothing asks for a version, or what is
// asked for is "system".
//
// What a .nvmrc or alias asks for resolves as in "nvm use": aliases are
// followed (NVM_DIR/alias/NAME, NVM_DIR/alias/lts/CODENAME, lts/* and lts/-N
// among them); "node" and "stable" mean the newest installed node, "iojs"
// the newest io.js; a number gets a "v"; three components must match
// exactly, one or two match the newest installed version that starts with
// them up to a dot ("18.1" matches v18.1.0, not v18.17.1). A version is
// installed when its bin/node is an executable file.
//
// Whatever a .nvmrc or an alias says, Dir lies inside NVM_DIR: it is
// spelled from the chosen version's numbers, never from a file's words.
// A link there (an installation that lives elsewhere) is followed, as by
// nvm: whoever can make one chooses the programs anyway.
//
// The error is a *NotInstalledError when nothing installed matches, and
// matches ErrInvalidNvmrc (for a .nvmrc over 64 KiB too) or ErrAliasLoop
// for those faults; each says which file asked.
func Choose(ctx context.Context, dir string, env map[string]string) (c Choice, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return Choice{}, false, err
	}
	if !filepath.IsAbs(dir) {
		return Choice{}, false, nil
	}
	nvm := nvmDir(dir, env)
	if info, err := os.Stat(nvm); nvm == "" || err != nil || !info.IsDir() {
		return Choice{}, false, nil
	}
	r := root(nvm)
	requested, source, err := r.request(ctx, dir)
	if err != nil || source == "" {
		return Choice{}, false, err
	}
	v, system, err := r.resolve(requested)
	switch {
	case err != nil:
		return Choice{}, false, fmt.Errorf("%w (asked for by %s)", err, source)
	case system:
		return Choice{}, false, nil
	}
	return Choice{Version: v.String(), Dir: r.installDir(v), Source: source, Requested: requested, nvmDir: nvm}, true, nil
}

// nvmDir returns the nvm directory for a process in dir with env: NVM_DIR
// when it is set; else the directory that nvm.sh, sourced without NVM_DIR,
// would use ("" when HOME and XDG_CONFIG_HOME are not set either). An
// empty variable counts as unset.
//
// Without NVM_DIR, nvm's own nvm.sh takes the directory it lives in, which
// its installer made $XDG_CONFIG_HOME/nvm when that variable was set, else
// $HOME/.nvm; Homebrew's nvm.sh (nvm's usual install on macOS), which
// lives in Homebrew's prefix, always takes $HOME/.nvm. So the result is
// $XDG_CONFIG_HOME/nvm when that is a directory, else $HOME/.nvm (else,
// without HOME, $XDG_CONFIG_HOME/nvm). A relative path is relative to dir,
// as it would be for a shell there.
func nvmDir(dir string, env map[string]string) string {
	abs := func(path string) string {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return filepath.Clean(path)
	}
	if nvm := getenv(env, "NVM_DIR"); nvm != "" {
		return abs(nvm)
	}
	xdgConfig, home := getenv(env, "XDG_CONFIG_HOME"), getenv(env, "HOME")
	if xdgConfig != "" {
		nvm := abs(filepath.Join(xdgConfig, "nvm"))
		if info, err := os.Stat(nvm); (err == nil && info.IsDir()) || home == "" {
			return nvm
		}
	}
	if home != "" {
		return abs(filepath.Join(home, ".nvm"))
	}
	return ""
}

// getenv returns the variable key of env, "" when it is not set: under any
// spelling on Windows, which ignores the case of names.
func getenv(env map[string]string, key string) string {
	value, _ := sdk.LookupEnv(env, key)
	return value
}

// request returns what nvm is asked to use in dir, and the file that asks:
// the nearest .nvmrc, else the default alias. source is "" when neither
// exists.
// maxFileSize bounds what is read of a .nvmrc or an alias file, which name
// one version: a larger file is refused rather than read into memory.
const maxFileSize = 64 << 10

func (r root) request(ctx context.Context, dir string) (requested, source string, err error) {
	nvmrc, err := findNvmrc(ctx, dir)
	if err != nil {
		return "", "", err
	}
	if nvmrc == "" {
		if _, ok, err := r.alias("default"); !ok || err != nil {
			return "", "", err
		}
		return "default", r.aliasPath("default"), nil
	}
	content, err := textfile.Read(nvmrc, maxFileSize)
	if tooLarge := (*textfile.TooLargeError)(nil); errors.As(err, &tooLarge) {
		return "", "", fmt.Errorf("%w %s: larger than %d KiB", ErrInvalidNvmrc, nvmrc, maxFileSize>>10)
	}
	if err != nil {
		return "", "", err
	}
	requested, err = parseNvmrc(content)
	if err != nil {
		return "", "", fmt.Errorf("%w %s: %w", ErrInvalidNvmrc, nvmrc, err)
	}
	return requested, nvmrc, nil
}
