package platform

import (
	"errors"
	"syscall"
	"testing"
)

// TestTransientDetectionFailureIsTriedAgain runs detection out of
// descriptors: what failed for that reason must not stick, and the next
// detection, with descriptors again, must find every mechanism it found
// before.
func TestTransientDetectionFailureIsTriedAgain(t *testing.T) {
	detected.mu.Lock()
	saved := detected.sys
	detected.sys = nil
	detected.mu.Unlock()
	t.Cleanup(func() {
		detected.mu.Lock()
		detected.sys = saved
		detected.mu.Unlock()
	})

	baseline := tryAll(untried)
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	low := limit
	low.Cur = 8 // fewer than detection needs
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	starved := detect(nil)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	if err := starved.errFor(Subreaper); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("out of descriptors, subreaper: %v; want an error wrapping EMFILE", err)
	}
	if starved.settled() {
		t.Error("a detection that failed for lack of descriptors counts as settled")
	}

	again := detect(nil)
	for _, m := range []Mechanism{PIDNamespace, Cgroup, Subreaper} {
		if err := again.errFor(m); err != nil && baseline.errFor(m) == nil {
			t.Errorf("%v still unavailable after descriptors came back: %v", m, err)
		}
	}
}
