package platform

import (
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// decodeInitMessage decodes one message that procman-init sent: data is the
// packet, oob its ancillary data. An empty packet is the end of the
// stream, io.EOF. Anything but the 8 bytes of a message init sends, with a
// value that fits its kind, is an error: a packet of another size, an
// unknown kind, a started program's pid or an errno that is not positive,
// ancillary data the kernel would not have written. The sender's pid comes
// from the credentials the kernel attaches (SO_PASSCRED); it is 0 when
// there are none.
func decodeInitMessage(data, oob []byte) (initMessage, error) {
	if len(data) == 0 {
		return initMessage{}, io.EOF
	}
	if len(data) != 8 {
		return initMessage{}, fmt.Errorf("procman-init sent a %d-byte message", len(data))
	}
	m := initMessage{
		kind:  binary.NativeEndian.Uint32(data[0:]),
		value: int32(binary.NativeEndian.Uint32(data[4:])),
	}
	switch m.kind {
	case msgReady, msgExited, msgExitedAll:
	case msgStarted:
		if m.value <= 0 {
			return initMessage{}, fmt.Errorf("procman-init reported a start with pid %d", m.value)
		}
	case msgChdirFailed, msgExecFailed, msgAttrsFailed, msgForkFailed, msgNoProc:
		if m.value <= 0 {
			return initMessage{}, fmt.Errorf("procman-init reported a failure %q with errno %d", rune(m.kind), m.value)
		}
	default:
		return initMessage{}, fmt.Errorf("procman-init sent a message of unknown kind %#x", m.kind)
	}
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return initMessage{}, fmt.Errorf("procman-init's message came with malformed ancillary data: %w", err)
	}
	consumed := 0
	for _, c := range cmsgs {
		consumed += unix.CmsgSpace(len(c.Data))
	}
	if consumed < len(oob) {
		return initMessage{}, fmt.Errorf("procman-init's message came with %d bytes of ancillary data beyond its control messages", len(oob)-consumed)
	}
	for _, c := range cmsgs {
		cred, err := unix.ParseUnixCredentials(&c)
		if err != nil {
			return initMessage{}, fmt.Errorf("procman-init's message came with unexpected ancillary data: %w", err)
		}
		if cred.Pid < 0 {
			return initMessage{}, fmt.Errorf("procman-init's message came with credentials of pid %d", cred.Pid)
		}
		m.pid = int(cred.Pid)
	}
	return m, nil
}
