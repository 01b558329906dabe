//go:build unix

package sdk

// envName returns the part of an environment key that must be free of
// '=': on Unix, all of it.
func envName(key string) string { return key }

// checkDistinctKeys accepts any keys: on Unix, keys that differ only in
// case are different variables.
func checkDistinctKeys([]string) error { return nil }

// envKey returns the key under which env holds the variable key: on Unix,
// key itself.
func envKey(_ map[string]string, key string) string { return key }
