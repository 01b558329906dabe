package platform

import (
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestStartAtTheDescriptorLimitIsOutOfDescriptors starts a child with a
// descriptor at the last number RLIMIT_NOFILE allows: Go's child cannot
// move its own descriptor above it, which the kernel refuses as EBADF;
// the start must say the host is out of descriptors (EMFILE), as it is.
func TestStartAtTheDescriptorLimitIsOutOfDescriptors(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	// High, with free descriptors below it for the fork's own pipe.
	const high = 200
	if err := syscall.Dup3(int(null.Fd()), high, syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(high, os.DevNull)
	defer f.Close()
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	low := limit
	low.Cur = high + 1 // f is the last descriptor allowed
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	c, err := startChild(Spec{Path: "/bin/true", Args: []string{"true"}, Dir: "/", Stdin: f, Stdout: f, Stderr: f, helper: true}, -1)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		c.wait()
		c.release()
		t.Fatal("the child started with a descriptor at RLIMIT_NOFILE")
	}
	if !errors.Is(err, syscall.EMFILE) {
		t.Errorf("start = %v, want an error wrapping EMFILE", err)
	}
}

// TestClosesDescriptorsExecsDirectly starts a program that lists its
// descriptors while the host has one that it left inheritable by mistake:
// through the trampoline the program never gets it; with
// ClosesDescriptors, the program is exec'd directly and gets it, to close
// itself.
func TestClosesDescriptorsExecsDirectly(t *testing.T) {
	leaked, err := syscall.Open(os.DevNull, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(leaked)
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	for _, direct := range []bool{false, true} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p, err := Start(Spec{
			Path: "/bin/sh", Args: []string{"sh", "-c", "ls /proc/self/fd"}, Dir: "/",
			Env:   []string{"PATH=/usr/bin:/bin"},
			Stdin: null, Stdout: w, Stderr: w,
			ClosesDescriptors: direct,
		})
		w.Close()
		if err != nil {
			r.Close()
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		r.Close()
		p.Wait()
		p.Release()
		if got := slices.Contains(strings.Fields(string(out)), strconv.Itoa(leaked)); got != direct {
			t.Errorf("ClosesDescriptors %v: the program has the leaked descriptor %d: %v; its descriptors: %s", direct, leaked, got, out)
		}
	}
}
