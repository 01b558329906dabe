package image

import _ "embed"

// Image is procman-reaper for linux/amd64. It records the SHA-256 of the
// source it was built from as "procman-source-sha256:<hex>".
//
//go:embed procman-reaper.linux-amd64
var Image []byte
