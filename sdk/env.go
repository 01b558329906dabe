package sdk

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateEnvVar reports whether the variable key=value may be in a
// child's environment, and if not, why. It is the one rule for
// environment variables wherever they come from: ProcessConfig.Validate
// applies it to every entry of Env, and the procman command to its --env
// flags and env files.
//
// A key is non-empty valid UTF-8 made only of letters, marks, numbers,
// punctuation and symbols (Unicode categories L, M, N, P and S) other
// than '='. White space, control characters (newline, tab, NUL, ...) and
// invisible ones (a byte-order mark, a zero-width space) are refused, so
// that no key can forge another variable or hide what it is; the names
// programs really use pass: PATH, npm_config_cache, ProgramFiles(x86),
// BASH_FUNC_name%%, spring.profiles.active.
//
// On Windows, a key may start with one '=', which the system reads as
// part of the name: that is how Windows keeps its hidden variables, such
// as =C: (the current directory of drive C:) and cmd.exe's =ExitCode.
//
// A value may hold anything but a NUL byte, newlines included: the
// environment is a list of NUL-terminated strings, not of lines.
func ValidateEnvVar(key, value string) error {
	if err := validateEnvKey(key); err != nil {
		return err
	}
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("value of %q contains a NUL byte", key)
	}
	return nil
}

func validateEnvKey(key string) error {
	switch {
	case key == "":
		return errors.New("a key is empty")
	case strings.IndexByte(envName(key), '=') >= 0:
		return fmt.Errorf("key %q contains '='", key)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("key %q contains a NUL byte", key)
	case !utf8.ValidString(key):
		return fmt.Errorf("key %q is not valid UTF-8", key)
	}
	for _, r := range key {
		switch {
		case unicode.IsSpace(r):
			return fmt.Errorf("key %q contains white space", key)
		case unicode.IsControl(r):
			return fmt.Errorf("key %q contains a control character", key)
		case !unicode.IsPrint(r):
			return fmt.Errorf("key %q contains %U, which is not a letter, mark, number, punctuation or symbol", key, r)
		}
	}
	return nil
}

// LookupEnv returns the value of the variable key in env, as a program
// started with env would read it: on Windows, where variable names ignore
// case, under whatever spelling env uses (Path for PATH); elsewhere, under
// key exactly. ok is false when env has no such variable.
func LookupEnv(env map[string]string, key string) (value string, ok bool) {
	value, ok = env[envKey(env, key)]
	return value, ok
}

// SetEnv sets the variable key to value in env, which must not be nil. On
// Windows it keeps the spelling under which env already holds the variable:
// setting PATH where env has Path changes Path, where a second spelling
// would make the config invalid (see ProcessConfig.Validate). Elsewhere it
// is env[key] = value.
func SetEnv(env map[string]string, key, value string) {
	env[envKey(env, key)] = value
}

// UnsetEnv removes the variable key from env: on Windows under whatever
// spelling env uses for it, elsewhere under key exactly.
func UnsetEnv(env map[string]string, key string) {
	delete(env, envKey(env, key))
}
