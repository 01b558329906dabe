package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

// A committed image that was not rebuilt after the source changed fails
// here: run scripts/build-helpers.sh (make helpers).
func TestImageIsBuiltFromTheSource(t *testing.T) {
	if Image == nil {
		t.Skip("procman-reaper is not built for this platform")
	}
	source, err := os.ReadFile("csrc/procman-reaper.c")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(source)
	want := "procman-source-sha256:" + hex.EncodeToString(sum[:])
	if !bytes.Contains(Image, []byte(want)) {
		t.Fatalf("the embedded procman-reaper does not record %s: rebuild it with scripts/build-helpers.sh", want)
	}
}
