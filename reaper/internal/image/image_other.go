//go:build !(linux && amd64)

package image

// Image is nil: procman-reaper is not built for this platform.
var Image []byte
