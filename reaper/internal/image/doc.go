// Package image holds the reaper program, built by
// scripts/build-helpers.sh and embedded for the platforms it is built
// for: on linux/amd64 csrc/procman-reaper.c, a small static executable;
// on darwin/amd64 and darwin/arm64 the Go program ../scanreaper.
package image
