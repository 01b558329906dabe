// Package platform is procman's operating-system layer: it starts a process
// in its own process group, waits for it without holding an OS thread,
// signals it and its group, and tells whether anything of the group lives.
//
// It imports nothing else of procman.
package platform
