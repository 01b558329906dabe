package main

import (
	"errors"
	"fmt"

	"github.com/procman-dev/procman/internal/envfile"
	"github.com/procman-dev/procman/sdk"
)

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

// Set records the flag's argument. The key of an --env is checked by
// buildEnv, so that an error need not repeat a value, which may be a
// secret, as the flag package's errors do.
func (f envFlag) Set(arg string) error {
	if arg == "" {
		return errors.New("must not be empty")
	}
	*f.edits = append(*f.edits, envEdit{file: f.file, arg: arg})
	return nil
}

// buildEnv returns the command's environment: the baseline taken from
// lookupEnv (nothing when clean), then every edit in order. Every variable
// an edit sets obeys sdk.ValidateEnvVar; the first that does not is the
// error. lookupEnv is os.LookupEnv outside of tests.
func buildEnv(edits []envEdit, clean bool, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	return editEnv(baseline(clean, lookupEnv), edits, lookupEnv)
}

// baseline returns the variables of baselineKeys as lookupEnv has them:
// none when clean.
func baseline(clean bool, lookupEnv func(string) (string, bool)) map[string]string {
	env := make(map[string]string)
	if !clean {
		for _, key := range baselineKeys {
			copyVar(env, key, lookupEnv)
		}
	}
	return env
}

// editEnv applies edits to env, in order, and returns it (see buildEnv).
func editEnv(env map[string]string, edits []envEdit, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	for _, edit := range edits {
		if edit.file {
			if err := readEnvFile(env, edit.arg); err != nil {
				return nil, err
			}
			continue
		}
		key, value, set := envfile.Cut(edit.arg)
		if err := sdk.ValidateEnvVar(key, value); err != nil {
			return nil, fmt.Errorf("--env: %w", err)
		}
		if set {
			sdk.SetEnv(env, key, value)
		} else {
			copyVar(env, key, lookupEnv)
		}
	}
	return env, nil
}

// copyVar makes the variable key of env what lookupEnv says it is: set to
// the same value, or not set at all. (On Windows, whose variable names
// ignore case, whatever the spelling of key in env: sdk.SetEnv.)
func copyVar(env map[string]string, key string, lookupEnv func(string) (string, bool)) {
	if value, ok := lookupEnv(key); ok {
		sdk.SetEnv(env, key, value)
	} else {
		sdk.UnsetEnv(env, key)
	}
}

// readEnvFile sets the variables of the env file at path in env, in the
// order of the file (see envfile.Parse for its format).
func readEnvFile(env map[string]string, path string) error {
	vars, err := envfile.Read(path)
	if err != nil {
		return err
	}
	for _, v := range vars {
		sdk.SetEnv(env, v.Key, v.Value)
	}
	return nil
}
