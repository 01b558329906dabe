// Package platform is procman's operating-system layer: it detects how
// process trees can be contained here, starts each program in a tree of its
// own (under a procman-init kept ready, or in a process group), waits for
// it without holding an OS thread, signals it and its tree, and tells
// whether anything of the tree lives.
//
// It imports nothing else of procman.
package platform
