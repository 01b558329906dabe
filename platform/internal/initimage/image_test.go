package initimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

// TestImageIsBuiltFromSource fails when procman-init.c changed but the
// committed image was not rebuilt (scripts/build-helpers.sh).
func TestImageIsBuiltFromSource(t *testing.T) {
	if Image == nil {
		t.Skip("no procman-init image for this platform")
	}
	src, err := os.ReadFile("csrc/procman-init.c")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	want := "procman-source-sha256:" + hex.EncodeToString(sum[:])
	if !bytes.Contains(Image, []byte(want)) {
		t.Fatalf("the procman-init image was not built from procman-init.c (no %q in it): run scripts/build-helpers.sh", want)
	}
}
