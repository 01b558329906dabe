package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// baselineKeys are the variables the command gets from procman's own
// environment unless --clean-env is given: enough for a program to find its
// user, its tools and its language, and nothing that might be a secret, as
// sudo's env_reset does.
var baselineKeys = []string{"HOME", "USER", "LOGNAME", "PATH", "LANG", "TERM"}

// An envEdit is one --env or --env-file flag. Edits are applied in the
// order they were given, so that a later one wins.
type envEdit struct {
	file bool   // --env-file: arg names a file of KEY=VALUE lines
	arg  string // --env: "KEY=VALUE", or "KEY" to copy KEY from procman's environment
}

// envFlag is the flag.Value of --env (file false) and --env-file (file
// true). Both append to the same list, which keeps their relative order.
type envFlag struct {
	edits *[]envEdit
	file  bool
}

func (f envFlag) String() string { return "" }

func (f envFlag) Set(arg string) error {
	if arg == "" {
		return errors.New("must not be empty")
	}
	if !f.file && strings.HasPrefix(arg, "=") {
		return errors.New("variable name is empty")
	}
	*f.edits = append(*f.edits, envEdit{file: f.file, arg: arg})
	return nil
}

// buildEnv returns the command's environment: the baseline taken from
// lookupEnv (nothing when clean), then every edit in order. lookupEnv is
// os.LookupEnv outside of tests.
func buildEnv(edits []envEdit, clean bool, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	env := make(map[string]string)
	if !clean {
		for _, key := range baselineKeys {
			copyVar(env, key, lookupEnv)
		}
	}
	for _, edit := range edits {
		if edit.file {
			if err := readEnvFile(env, edit.arg); err != nil {
				return nil, err
			}
			continue
		}
		if key, value, ok := strings.Cut(edit.arg, "="); ok {
			env[key] = value
		} else {
			copyVar(env, edit.arg, lookupEnv)
		}
	}
	return env, nil
}

// copyVar makes env[key] what lookupEnv says it is: set to the same value,
// or not set at all.
func copyVar(env map[string]string, key string, lookupEnv func(string) (string, bool)) {
	if value, ok := lookupEnv(key); ok {
		env[key] = value
	} else {
		delete(env, key)
	}
}

// readEnvFile sets the variables of the env file at path in env.
func readEnvFile(env map[string]string, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	vars, err := parseEnvFile(f, path)
	if err != nil {
		return err
	}
	for _, v := range vars {
		env[v.key] = v.value
	}
	return nil
}

// envVar is one KEY=VALUE line of an env file.
type envVar struct{ key, value string }

// parseEnvFile parses r, an env file named name in errors. Every line is
// KEY=VALUE, with the value taken verbatim up to the end of the line (no
// quotes, escapes or expansion); lines whose first non-blank character is
// '#', and blank lines, are skipped. Both "\n" and "\r\n" end a line.
// The variables are returned in the order of the file.
func parseEnvFile(r io.Reader, name string) ([]envVar, error) {
	var vars []envVar
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeftFunc(sc.Text(), unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("%s:%d: malformed line: want KEY=VALUE", name, n)
		case key == "":
			return nil, fmt.Errorf("%s:%d: malformed line: variable name is empty", name, n)
		case strings.ContainsFunc(key, unicode.IsSpace):
			return nil, fmt.Errorf("%s:%d: malformed line: variable name %q contains white space", name, n, key)
		}
		vars = append(vars, envVar{key, value})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return vars, nil
}
