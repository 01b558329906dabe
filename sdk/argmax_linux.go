package sdk

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// argLimit is how many bytes of arguments and environment exec accepts
// (the kernel's rule: a quarter of the stack limit, at most 6 MiB), and the
// most one string may hold (MAX_ARG_STRLEN).
func argLimit() (total, perString int) {
	const maxTotal, maxString = 6 << 20, 32 * 4096
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_STACK, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY || rl.Cur/4 > maxTotal {
		return maxTotal, maxString
	}
	return int(max(rl.Cur/4, 128<<10)), maxString
}

// checkSize rejects what exec would refuse as too long (E2BIG).
func (c ProcessConfig) checkSize(envKeys []string) error {
	limit, perString := argLimit()
	const pointer = 8 // each string also costs a pointer in the new program's stack
	total := len(c.Command) + 1 + pointer
	for i, arg := range c.Args {
		if len(arg)+1 > perString {
			return invalid(fmt.Sprintf("Args[%d]", i), fmt.Sprintf("is %d bytes, more than the system allows in one argument (%d)", len(arg), perString-1))
		}
		total += len(arg) + 1 + pointer
	}
	for _, k := range envKeys {
		size := len(k) + 1 + len(c.Env[k]) + 1
		if size > perString {
			return invalid("Env", fmt.Sprintf("%q is %d bytes, more than the system allows in one variable (%d)", k, size-1, perString-1))
		}
		total += size + pointer
	}
	if total > limit {
		return invalid("Env", fmt.Sprintf("arguments and environment take %d bytes, more than the system allows (%d)", total, limit))
	}
	return nil
}
