//go:build unix && !linux

package supervisor

import (
	"errors"
	"net"
)

// peerUID is not asked outside Linux: the socket's directory, mode 0700,
// keeps other users out.
func peerUID(net.Conn) (int, error) { return 0, errors.New("not supported") }
