package platform

import (
	"encoding/binary"
	"errors"
	"io"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// initPacket is the 8-byte packet of a message of kind with value.
func initPacket(kind uint32, value int32) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint32(b[0:], kind)
	binary.NativeEndian.PutUint32(b[4:], uint32(value))
	return b
}

// credentials is the ancillary data the kernel attaches with SO_PASSCRED.
func credentials(pid int32) []byte {
	return unix.UnixCredentials(&unix.Ucred{Pid: pid, Uid: 0, Gid: 0})
}

func TestDecodeInitMessage(t *testing.T) {
	tests := []struct {
		name      string
		data, oob []byte
		want      initMessage // when no error is wanted
		wantErr   bool
	}{
		{"ready", initPacket(msgReady, 0), credentials(42), initMessage{kind: msgReady, pid: 42}, false},
		{"started", initPacket(msgStarted, 7), credentials(4242), initMessage{kind: msgStarted, value: 7, pid: 4242}, false},
		{"exited", initPacket(msgExited, 9), nil, initMessage{kind: msgExited, value: 9}, false},
		{"exited, tree empty", initPacket(msgExitedAll, 9), nil, initMessage{kind: msgExitedAll, value: 9}, false},
		{"exec failed", initPacket(msgExecFailed, int32(syscall.ENOENT)), nil, initMessage{kind: msgExecFailed, value: int32(syscall.ENOENT)}, false},
		{"chdir failed", initPacket(msgChdirFailed, int32(syscall.EACCES)), nil, initMessage{kind: msgChdirFailed, value: int32(syscall.EACCES)}, false},
		{"fork failed", initPacket(msgForkFailed, int32(syscall.EAGAIN)), nil, initMessage{kind: msgForkFailed, value: int32(syscall.EAGAIN)}, false},
		{"short", initPacket(msgReady, 0)[:7], nil, initMessage{}, true},
		{"long", append(initPacket(msgReady, 0), 0), nil, initMessage{}, true},
		{"unknown kind", initPacket('Z', 0), nil, initMessage{}, true},
		{"host's own kind", initPacket(msgStart, 10), nil, initMessage{}, true},
		{"started with pid 0", initPacket(msgStarted, 0), nil, initMessage{}, true},
		{"started with pid -1", initPacket(msgStarted, -1), nil, initMessage{}, true},
		{"failure without errno", initPacket(msgExecFailed, 0), nil, initMessage{}, true},
		{"failure with negative errno", initPacket(msgForkFailed, -12), nil, initMessage{}, true},
		{"truncated ancillary data", initPacket(msgReady, 0), credentials(42)[:10], initMessage{}, true},
		{"descriptors instead of credentials", initPacket(msgReady, 0), unix.UnixRights(0), initMessage{}, true},
		{"negative credentials", initPacket(msgReady, 0), credentials(-5), initMessage{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeInitMessage(tt.data, tt.oob)
			switch {
			case tt.wantErr && err == nil:
				t.Errorf("decoded %+v, want an error", got)
			case !tt.wantErr && err != nil:
				t.Errorf("error %v, want %+v", err, tt.want)
			case !tt.wantErr && got != tt.want:
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := decodeInitMessage(nil, nil); !errors.Is(err, io.EOF) {
		t.Errorf("empty packet: %v, want io.EOF", err)
	}
}

// FuzzDecodeInitMessage checks that no packet makes the decoder panic, and
// that what it accepts is a message init sends, which encodes back to the
// same packet.
func FuzzDecodeInitMessage(f *testing.F) {
	f.Add(initPacket(msgReady, 0), credentials(1))
	f.Add(initPacket(msgStarted, 1234), credentials(99))
	f.Add(initPacket(msgExited, 0x0f00), []byte{})
	f.Add(initPacket(msgExecFailed, int32(syscall.ENOENT)), []byte{})
	f.Add(initPacket(msgStarted, -1), credentials(1))
	f.Add(initPacket('Z', 0), []byte{})
	f.Add([]byte{}, []byte{})
	f.Add([]byte("RRRRRRRRR"), credentials(1)[:5])
	f.Add(initPacket(msgReady, 0), append(credentials(1), unix.UnixRights(0, 1)...))
	f.Fuzz(func(t *testing.T, data, oob []byte) {
		m, err := decodeInitMessage(data, oob)
		if len(data) == 0 {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("empty packet: %v, want io.EOF", err)
			}
			return
		}
		if err != nil {
			if m != (initMessage{}) {
				t.Fatalf("error %v with message %+v, want the zero message", err, m)
			}
			return
		}
		switch m.kind {
		case msgReady, msgExited, msgExitedAll:
		case msgStarted, msgChdirFailed, msgExecFailed, msgAttrsFailed, msgForkFailed:
			if m.value <= 0 {
				t.Fatalf("accepted %q with value %d", rune(m.kind), m.value)
			}
		default:
			t.Fatalf("accepted a message of kind %#x", m.kind)
		}
		if m.pid < 0 {
			t.Fatalf("accepted credentials of pid %d", m.pid)
		}
		if string(initPacket(m.kind, m.value)) != string(data) {
			t.Fatalf("decoded %x as %+v, which encodes otherwise", data, m)
		}
	})
}
