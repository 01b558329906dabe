package host

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
)

// Handle names one process started by a Manager. Handles are random
// version 4 UUIDs (RFC 9562), unique across managers and runs; the zero
// Handle names no process.
type Handle [16]byte

// newHandle returns a random Handle. Its 122 random bits come from
// math/rand/v2's generator, ChaCha8 seeded by the runtime from the system's
// randomness; a handle needs to be unique, not secret, and this leaves
// crypto/rand (and its package initialization) out of every start of
// procman.
func newHandle() Handle {
	var h Handle
	binary.BigEndian.PutUint64(h[:8], rand.Uint64())
	binary.BigEndian.PutUint64(h[8:], rand.Uint64())
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return h
}

// String returns the handle in the standard UUID form,
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, in lower case.
func (h Handle) String() string {
	var b [36]byte
	hex.Encode(b[0:8], h[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], h[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], h[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], h[8:10])
	b[23] = '-'
	hex.Encode(b[24:], h[10:])
	return string(b[:])
}

// errHandleForm is ParseHandle's error for a string not in String's form.
var errHandleForm = errors.New("host: a handle is 32 hexadecimal digits in groups of 8-4-4-4-12")

// ParseHandle parses the form String returns (either case of the digits).
func ParseHandle(s string) (Handle, error) {
	var h Handle
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return Handle{}, errHandleForm
	}
	j := 0
	for i := range h {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			j++
		}
		hi, ok1 := unhex(s[j])
		lo, ok2 := unhex(s[j+1])
		if !ok1 || !ok2 {
			return Handle{}, errHandleForm
		}
		h[i] = hi<<4 | lo
		j += 2
	}
	return h, nil
}

// unhex returns the value of the hexadecimal digit c.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
