package image

import _ "embed"

// Image is procman-reaper for darwin/amd64: internal/scanreaper, built by
// scripts/build-helpers.sh.
//
//go:embed procman-reaper.darwin-amd64
var Image []byte
