package host

import "errors"

// The rules a config's LogFile must obey when Start opens it, so that a
// log file named by, or through, another user cannot make the host write
// where that user could not:
//
//   - A symbolic link on the way, the last component's or a directory's,
//     is followed only when it belongs to the effective user or to root;
//     every other is refused with ErrSymlinkNotFollowed. Linux's
//     fs.protected_symlinks refuses such links only in sticky
//     world-writable directories, and follows those of the directory's
//     owner; procman refuses them everywhere, since the owner of a
//     directory can retarget a link in it at any moment.
//   - The file must be a regular file, or one that is created; a FIFO or
//     a character device (a terminal, /dev/null) only with
//     WithSpecialLogFile. Anything else is refused with ErrNotRegularFile.
//   - A file that does not exist is created (mode 0644 less the umask)
//     exclusively, so never through a dangling link.
//
// The path is walked one component at a time from descriptor to
// descriptor: what was checked is what is opened, whatever is renamed
// meanwhile. No open waits: the one wait is for a FIFO's reader (with
// WithSpecialLogFile), which honours Start's ctx.
//
// On Windows, where a link's owner is not cheap to tell, the last
// component is never followed: a symbolic link or junction there is
// refused; a character device (NUL, CON) or a pipe needs
// WithSpecialLogFile.
var (
	// ErrSymlinkNotFollowed is matched by the error of a Start whose
	// LogFile leads through a symbolic link that belongs to neither the
	// effective user nor root (on Windows: whose last component is a
	// symbolic link or a junction). The start is the config's fault.
	ErrSymlinkNotFollowed = errors.New("symbolic link not followed")

	// ErrNotRegularFile is matched by the error of a Start whose LogFile
	// is not a regular file, and not a FIFO or character device that
	// WithSpecialLogFile allows. The start is the config's fault.
	ErrNotRegularFile = errors.New("not a regular file")
)

// WithSpecialLogFile lets the config's LogFile be a FIFO or a character
// device (a terminal, /dev/null), not only a regular file. A FIFO is
// waited on until it has a reader, for as long as Start's ctx allows: the
// host logs that it waits. Opening some devices has effects of their own
// (a tape rewinds); allow them only for a LogFile you chose.
func WithSpecialLogFile() StartOption {
	return func(s *startSettings) { s.specialLogFile = true }
}
