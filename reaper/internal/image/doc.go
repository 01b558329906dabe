// Package image holds the reaper program, csrc/procman-reaper.c, built
// by scripts/build-helpers.sh into a small static executable and embedded
// for the platforms it is built for.
package image
