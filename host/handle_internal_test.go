package host

import (
	"regexp"
	"strings"
	"testing"
)

// uuidV4 is the standard form of a version 4, variant 10 UUID in lower
// case (RFC 9562).
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestHandlesAreDistinctVersion4UUIDs(t *testing.T) {
	const n = 100_000
	seen := make(map[Handle]bool, n)
	for range n {
		h := newHandle()
		if h == (Handle{}) {
			t.Fatal("newHandle returned the zero Handle")
		}
		if seen[h] {
			t.Fatalf("newHandle returned %v twice in %d", h, n)
		}
		seen[h] = true
		s := h.String()
		if !uuidV4.MatchString(s) {
			t.Fatalf("handle %q is not a version 4 UUID in the standard form", s)
		}
		back, err := ParseHandle(s)
		if err != nil || back != h {
			t.Fatalf("ParseHandle(%q) = %v, %v; want the handle back", s, back, err)
		}
	}
	// Every one of the 122 random bits varies.
	var ones, zeros Handle
	for h := range seen {
		for i := range h {
			ones[i] |= h[i]
			zeros[i] |= ^h[i]
		}
	}
	want := Handle{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x4f, 0xff, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if ones != want {
		t.Errorf("bits ever set: %x, want %x", ones, want)
	}
	wantZeros := Handle{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbf, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if zeros != wantZeros {
		t.Errorf("bits ever clear: %x, want %x", zeros, wantZeros)
	}
}

func TestParseHandle(t *testing.T) {
	const s = "6f1c1f43-8a52-4a51-9b0e-0e4f3f3c2d11"
	h, err := ParseHandle(s)
	if err != nil {
		t.Fatal(err)
	}
	want := Handle{0x6f, 0x1c, 0x1f, 0x43, 0x8a, 0x52, 0x4a, 0x51, 0x9b, 0x0e, 0x0e, 0x4f, 0x3f, 0x3c, 0x2d, 0x11}
	if h != want {
		t.Fatalf("ParseHandle(%q) = %x, want %x", s, h, want)
	}
	if upper, err := ParseHandle(strings.ToUpper(s)); err != nil || upper != want {
		t.Errorf("ParseHandle of the upper-case form = %x, %v; want %x", upper, err, want)
	}
	if got := (Handle{}).String(); got != "00000000-0000-0000-0000-000000000000" {
		t.Errorf("the zero Handle's String = %q", got)
	}
	for _, bad := range []string{
		"",
		s[:35],
		s + "0",
		"6f1c1f438a524a519b0e0e4f3f3c2d11",     // no dashes
		"6f1c1f43-8a52-4a51-9b0e0-e4f3f3c2d11", // a dash out of place
		"6f1c1f43-8a52-4a51-9b0e-0e4f3f3c2d1g", // not hexadecimal
		"{6f1c1f43-8a52-4a51-9b0e-0e4f3f3c2d1}",
		"6f1c1f43-8a52-4a51-9b0e-0e4f3f3c2d+1",
	} {
		if h, err := ParseHandle(bad); err == nil || h != (Handle{}) {
			t.Errorf("ParseHandle(%q) = %v, %v; want the zero Handle and an error", bad, h, err)
		}
	}
}
