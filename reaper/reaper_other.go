//go:build !linux && !darwin

package reaper

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// errUnsupported is what every operation returns until this operating
// system has a reaper.
var errUnsupported = fmt.Errorf("reaper: not available on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Reaper is the host's link to its reaper process. On this operating
// system none can be started yet.
type Reaper struct{}

// Start returns an error wrapping errors.ErrUnsupported.
func Start(Options) (*Reaper, error) { return nil, errUnsupported }

// ProtectProcess returns an error wrapping errors.ErrUnsupported.
func (*Reaper) ProtectProcess(int, uint64, time.Duration) (*Registration, error) {
	return nil, errUnsupported
}

// ProtectCgroup returns an error wrapping errors.ErrUnsupported.
func (*Reaper) ProtectCgroup(string, time.Duration) (*Registration, error) {
	return nil, errUnsupported
}

// ReclaimCgroup returns an error wrapping errors.ErrUnsupported.
func (*Reaper) ReclaimCgroup(string, time.Duration) (*Registration, error) {
	return nil, errUnsupported
}

// ProtectTree returns an error wrapping errors.ErrUnsupported.
func (*Reaper) ProtectTree(int, uint64, string, time.Duration) (*Registration, error) {
	return nil, errUnsupported
}

// ProtectDir returns an error wrapping errors.ErrUnsupported.
func (*Reaper) ProtectDir(string) (*Registration, error) { return nil, errUnsupported }

// Pid returns 0.
func (*Reaper) Pid() int { return 0 }

// Close returns an error wrapping errors.ErrUnsupported.
func (*Reaper) Close() error { return errUnsupported }

func (*Reaper) release(uint64) error { return errUnsupported }
