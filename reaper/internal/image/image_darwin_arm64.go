package image

import _ "embed"

// Image is procman-reaper for darwin/arm64: internal/scanreaper, built by
// scripts/build-helpers.sh, with the ad-hoc code signature Apple silicon
// requires (the Go linker's).
//
//go:embed procman-reaper.darwin-arm64
var Image []byte
