package reaper

import (
	"os"

	"golang.org/x/sys/unix"
)

// builtin is the Linux reaper, internal/image/csrc/procman-reaper.c: it
// stops processes and cgroups; a tree is held together by its cgroup and
// procman-init, which the host registers.
var builtin = program{
	framing:           packets{},
	closesDescriptors: true, // close_fds_above_host_fd, before anything else
	noTrees:           "trees are held together by cgroups and procman-init on Linux; protect the init and reclaim the cgroup",
}

// packets is a SOCK_SEQPACKET socket: every message and every answer is
// one packet.
type packets struct{}

func (packets) socketType() int { return unix.SOCK_SEQPACKET }

func (packets) check(string) error { return nil }

func (packets) send(conn *os.File, msg string) error {
	_, err := conn.WriteString(msg)
	return err
}

func (packets) receive(conn *os.File, buf []byte) ([]byte, error) {
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// socketpair makes a pair of connected unix sockets of type typ, both
// close-on-exec.
func socketpair(typ int) ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
}
