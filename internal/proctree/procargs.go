package proctree

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// errProcargs2 is wrapped by the errors of decodeProcargs2.
var errProcargs2 = errors.New("malformed kern.procargs2")

// decodeProcargs2 decodes b, what macOS's kern.procargs2 sysctl returns
// for a process, into its arguments and its environment ("KEY=value"
// strings). b holds argc, a 4-byte little-endian int, then the string
// area that exec laid out at the top of the process's stack (XNU's
// exec_copyout_strings): the executable's path, NUL bytes that align what
// follows, the argc arguments, then the environment, each string
// NUL-terminated. The environment ends at an empty string or at the end of
// b. Input that is cut short or otherwise malformed is an error wrapping
// errProcargs2.
//
// What the format cannot say, the decoding cannot either:
//   - an empty argv[0] is taken for alignment, as the kernel's own parse
//     (sysctl_procargsx) takes it;
//   - the kernel's "apple" strings (ptr_munge=..., executable_file=...)
//     follow the environment after alignment bytes, of which there are
//     none when the environment happens to end aligned: they are then
//     returned as environment entries;
//   - macOS leaves out the environment of a restricted process (setuid,
//     restricted entitlements) read by another one: it decodes as empty.
func decodeProcargs2(b []byte) (argv, env []string, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes, too short for argc", errProcargs2, len(b))
	}
	argc := int32(binary.LittleEndian.Uint32(b))
	if argc < 0 {
		return nil, nil, fmt.Errorf("%w: argc is %d", errProcargs2, argc)
	}
	_, rest, ok := bytes.Cut(b[4:], []byte{0})
	if !ok {
		return nil, nil, fmt.Errorf("%w: executable path not NUL-terminated", errProcargs2)
	}
	rest = bytes.TrimLeft(rest, "\x00")
	for range argc {
		var arg []byte
		if arg, rest, ok = bytes.Cut(rest, []byte{0}); !ok {
			return nil, nil, fmt.Errorf("%w: argc is %d but only %d arguments are NUL-terminated", errProcargs2, argc, len(argv))
		}
		argv = append(argv, string(arg))
	}
	for len(rest) > 0 && rest[0] != 0 {
		var entry []byte
		if entry, rest, ok = bytes.Cut(rest, []byte{0}); !ok {
			return nil, nil, fmt.Errorf("%w: environment entry %d not NUL-terminated", errProcargs2, len(env))
		}
		env = append(env, string(entry))
	}
	return argv, env, nil
}
