//go:build !(linux && amd64) && !(darwin && (amd64 || arm64))

package image

// Image is nil: procman-reaper is not built for this platform.
var Image []byte
