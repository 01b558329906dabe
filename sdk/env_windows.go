package sdk

import (
	"fmt"
	"strings"
)

// envName returns the part of an environment key that must be free of
// '=': all but a leading '=', which Windows reads as part of the name (the
// hidden variables such as =C:). A key that is only "=" is not one.
func envName(key string) string {
	if len(key) > 1 && key[0] == '=' {
		return key[1:]
	}
	return key
}

// foldKey returns key as Windows compares it: in upper case.
func foldKey(key string) string { return strings.ToUpper(key) }

// envKey returns the key under which env holds the variable key, whatever
// its case there, or key itself when env has no such variable.
// checkDistinctKeys makes sure that a valid config spells each variable
// once.
func envKey(env map[string]string, key string) string {
	if _, ok := env[key]; ok {
		return key
	}
	folded := foldKey(key)
	for k := range env {
		if foldKey(k) == folded {
			return k
		}
	}
	return key
}

// checkDistinctKeys refuses two keys, in sorted order, that are one
// variable on Windows, which ignores the case of keys: the child would see
// only one of the two, and which one would depend on the order of the
// environment block.
func checkDistinctKeys(keys []string) error {
	seen := make(map[string]string, len(keys))
	for _, k := range keys {
		folded := foldKey(k)
		if first, ok := seen[folded]; ok {
			return invalid("Env", fmt.Sprintf("keys %q and %q are one variable on Windows, which ignores the case of keys", first, k))
		}
		seen[folded] = k
	}
	return nil
}
