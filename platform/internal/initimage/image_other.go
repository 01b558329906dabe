//go:build !(linux && amd64)

// Package initimage holds procman-init, the small C program that is the
// parent of each managed process tree, as a static executable image for
// this platform. Build it with scripts/build-helpers.sh.
package initimage

// Image is the procman-init executable, nil where none was built.
var Image []byte
