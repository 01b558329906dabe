package sdk

import "golang.org/x/sys/unix"

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
