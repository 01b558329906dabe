//go:build unix

package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// openLogFile opens the log file at path, an absolute path, for appending,
// by the rules told with ErrSymlinkNotFollowed, creating it if it does not
// exist; special allows a FIFO or a character device. A FIFO cannot be
// opened for writing until it has a reader: openLogFile calls waiting,
// then waits for one until ctx is done, and then returns ctx's error. The
// file it returns is in blocking mode, as a child expects its stdout to be.
func openLogFile(ctx context.Context, path string, special bool, waiting func()) (*os.File, error) {
	const firstRetry, maxRetry = time.Millisecond, 100 * time.Millisecond
	retry := firstRetry
	for {
		fd, err := openLogPath(path, special)
		if err == nil {
			if err := unix.SetNonblock(fd, false); err != nil {
				unix.Close(fd)
				return nil, &os.PathError{Op: "open", Path: path, Err: err}
			}
			return os.NewFile(uintptr(fd), path), nil
		}
		if err != errNoReader {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		if retry == firstRetry {
			waiting()
		}
		timer := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
		retry = min(2*retry, maxRetry)
	}
}

var (
	// errNoReader is a FIFO's answer to an open for writing while it has
	// no reader.
	errNoReader = errors.New("FIFO has no reader")

	// errChanged is the answer when what was looked at changed before it
	// was opened, more times in a row than a walk tries again.
	errChanged = errors.New("changed while it was being opened")
)

const (
	// maxLinks is how many symbolic links a log file's path may go
	// through, as with Linux's MAXSYMLINKS.
	maxLinks = 40

	// maxRetries is how many times in a row a walk tries a component
	// again that changed while it was being opened.
	maxRetries = 8

	// logOpenFlags open a log file without ever waiting: a FIFO without
	// a reader fails with ENXIO, a terminal does not become the host's
	// controlling one. openLogFile clears O_NONBLOCK once it is open.
	logOpenFlags = unix.O_WRONLY | unix.O_APPEND | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
)

// openLogPath opens path as openLogFile does, once, and returns the
// descriptor, or errNoReader for a FIFO that has no reader.
func openLogPath(path string, special bool) (int, error) {
	w := logWalk{special: special, euid: os.Geteuid(), dir: -1}
	defer w.closeDir()
	start := "/"
	if !strings.HasPrefix(path, "/") {
		start = "."
	}
	if err := w.from(start); err != nil {
		return -1, err
	}
	w.rest = components(path)
	return w.walk()
}

// A logWalk walks a log file's path one component at a time, from the
// descriptor of one directory to the next, so that what it checked is
// what it opens.
type logWalk struct {
	special bool // a FIFO or a character device will do
	euid    int

	dir     int      // the directory reached
	dirPath string   // its path, as walked, for messages
	rest    []string // the components left, the file's name last
	links   int      // symbolic links followed
	retries int      // components tried again, in a row
}

// components returns the names of path's components, leaving out the
// empty ones and ".".
func components(path string) []string {
	var names []string
	for _, name := range strings.Split(path, "/") {
		if name != "" && name != "." {
			names = append(names, name)
		}
	}
	return names
}

// walk walks the rest of the path and opens its last component.
func (w *logWalk) walk() (int, error) {
	for len(w.rest) > 0 {
		name, last := w.rest[0], len(w.rest) == 1
		var st unix.Stat_t
		err := ignoringEINTR(func() error { return unix.Fstatat(w.dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
		fd := -1
		switch {
		case err == unix.ENOENT && last:
			fd, err = w.create(name)
		case err != nil:
			return -1, err
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			fd, err = w.follow(name, &st, last)
		case last:
			fd, err = w.openFile(name, false)
		default:
			err = w.enter(name, false)
		}
		switch {
		case err == errChanged && w.retries < maxRetries:
			w.retries++
		case err != nil:
			return -1, err
		case fd >= 0:
			return fd, nil
		default:
			w.retries = 0
		}
	}
	return -1, unix.EISDIR // the path ends at a directory
}

// create creates the missing file name exclusively: a dangling link, or a
// file made meanwhile, makes it fail with errChanged.
func (w *logWalk) create(name string) (int, error) {
	fd, err := openat(w.dir, name, logOpenFlags|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o644)
	if err == unix.EEXIST {
		return -1, errChanged
	}
	return fd, err
}

// follow follows the symbolic link name, whose status st is, if it belongs
// to the effective user or root. It returns a descriptor when the link was
// the last component and the system resolved it; -1 when the link's target
// is now part of the rest of the walk.
func (w *logWalk) follow(name string, st *unix.Stat_t, last bool) (int, error) {
	if int(st.Uid) != w.euid && st.Uid != 0 {
		return -1, fmt.Errorf("%w: %q belongs to uid %d", ErrSymlinkNotFollowed, path.Join(w.dirPath, name), st.Uid)
	}
	if w.links++; w.links > maxLinks {
		return -1, unix.ELOOP
	}
	if systemResolvesLinks(w.dir) {
		// Links such as /proc/self/fd/1 lead to what may have no path (a
		// pipe, a deleted file): the system takes this one step itself.
		if last {
			return w.openFile(name, true)
		}
		return -1, w.enter(name, true)
	}
	target, err := readlinkat(w.dir, name)
	if err != nil {
		return -1, err
	}
	// A link is never changed, only replaced: the same inode is the link
	// whose owner was checked.
	var again unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstatat(w.dir, name, &again, unix.AT_SYMLINK_NOFOLLOW) }); err != nil || again.Ino != st.Ino || again.Dev != st.Dev {
		return -1, errChanged
	}
	if strings.HasPrefix(target, "/") {
		if err := w.from("/"); err != nil {
			return -1, err
		}
	}
	w.rest = append(components(target), w.rest[1:]...)
	return -1, nil
}

// enter makes the directory name, the next component, the one the walk
// has reached; through a link when throughLink is set.
func (w *logWalk) enter(name string, throughLink bool) error {
	flags := dirOpenFlags
	if !throughLink {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := openat(w.dir, name, flags, 0)
	if err == unix.ELOOP && !throughLink {
		return errChanged // it became a link since it was looked at
	}
	if err != nil {
		return err
	}
	w.closeDir()
	w.dir, w.dirPath, w.rest = fd, path.Join(w.dirPath, name), w.rest[1:]
	return nil
}

// openFile opens name, the last component, if it is of a kind the log file
// may be; through a link when throughLink is set.
func (w *logWalk) openFile(name string, throughLink bool) (int, error) {
	statFlags, openFlags := unix.AT_SYMLINK_NOFOLLOW, logOpenFlags|unix.O_NOFOLLOW
	if throughLink {
		statFlags, openFlags = 0, logOpenFlags
	}
	// The kind is checked before the open too: opening a FIFO or a device
	// is not without effects on its other end.
	var st unix.Stat_t
	err := ignoringEINTR(func() error { return unix.Fstatat(w.dir, name, &st, statFlags) })
	switch {
	case (err == unix.ENOENT || st.Mode&unix.S_IFMT == unix.S_IFLNK) && !throughLink:
		return -1, errChanged
	case err != nil:
		return -1, err
	}
	if err := w.checkKind(uint32(st.Mode)); err != nil {
		return -1, err
	}
	fd, err := openat(w.dir, name, openFlags, 0)
	switch {
	case err == unix.ENXIO && uint32(st.Mode)&unix.S_IFMT == unix.S_IFIFO:
		return -1, errNoReader
	case (err == unix.ENOENT || err == unix.ELOOP) && !throughLink:
		return -1, errChanged
	case err != nil:
		return -1, err
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := w.checkKind(uint32(st.Mode)); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// checkKind says whether a file of mode may be the log file.
func (w *logWalk) checkKind(mode uint32) error {
	var kind string
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFDIR:
		return unix.EISDIR
	case unix.S_IFIFO:
		kind = "a FIFO"
	case unix.S_IFCHR:
		kind = "a character device"
	case unix.S_IFBLK:
		return fmt.Errorf("%w: a block device", ErrNotRegularFile)
	case unix.S_IFSOCK:
		return fmt.Errorf("%w: a socket", ErrNotRegularFile)
	default:
		return fmt.Errorf("%w: of mode %#o", ErrNotRegularFile, mode)
	}
	if w.special {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotRegularFile, kind)
}

// from makes the walk go on from dir, "/" or ".".
func (w *logWalk) from(dir string) error {
	fd, err := openat(unix.AT_FDCWD, dir, dirOpenFlags, 0)
	if err != nil {
		return err
	}
	w.closeDir()
	w.dir, w.dirPath = fd, dir
	return nil
}

func (w *logWalk) closeDir() {
	if w.dir >= 0 {
		unix.Close(w.dir)
		w.dir = -1
	}
}

func openat(dir int, name string, flags int, mode uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() error {
		var err error
		fd, err = unix.Openat(dir, name, flags|unix.O_CLOEXEC, mode)
		return err
	})
	return fd, err
}

// readlinkat returns the target of the link name in dir.
func readlinkat(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}
