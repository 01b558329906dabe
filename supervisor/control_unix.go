//go:build unix

package supervisor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// privateDir makes dir, mode 0700, if it does not exist, and checks that
// only this user can enter it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	switch {
	case !info.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s belongs to uid %d, not to this user (%d)", dir, st.Uid, os.Geteuid())
	case info.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s is open to other users (mode %v): it must be 0700", dir, info.Mode().Perm())
	}
	return nil
}

// ownDir reports whether dir is a directory of this user's.
func ownDir(dir string) bool {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// samePeer refuses a connection from another user (root excepted).
func samePeer(conn net.Conn) error {
	uid, err := peerUID(conn)
	if err != nil || uid == 0 || uid == os.Geteuid() {
		return nil // the directory's mode already keeps others out
	}
	return errors.New("permission denied: another user's procman up")
}
