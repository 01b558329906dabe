package supervisor

import (
	"net"
	"os"
)

// privateDir makes dir; on Windows, the user's temporary directory is
// already the user's alone.
func privateDir(dir string) error { return os.MkdirAll(dir, 0o700) }

// samePeer accepts every connection: see privateDir.
func samePeer(net.Conn) error { return nil }

// ownDir reports whether dir is a directory.
func ownDir(dir string) bool {
	info, err := os.Stat(dir)
	return err == nil && info.IsDir()
}
