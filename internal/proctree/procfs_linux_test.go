package proctree

import (
	"errors"
	"testing"
)

func TestParseStat(t *testing.T) {
	// Fields 3 to 22 of a sleeping process, whose command name holds
	// spaces and parentheses, then the rest of the line.
	const sleeping = "4242 (a) (b c)) S 17 4242 4200 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1234 56 18446744073709551615\n"
	st, err := ParseStat([]byte(sleeping))
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{Pid: 4242, State: 'S', PPid: 17, Pgid: 4242, Sid: 4200, Start: 987654}
	if st != want {
		t.Errorf("ParseStat(%q) = %+v, want %+v", sleeping, st, want)
	}

	const kthread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0\n"
	if st, err := ParseStat([]byte(kthread)); err != nil || !st.KernelThread {
		t.Errorf("ParseStat(%q) = %+v, %v, want a kernel thread", kthread, st, err)
	}

	// A process being reaped, as Linux 6.18 showed one that a test
	// killed: -1 for its group and session.
	const reaped = "31337 (sh) X 0 -1 -1 0 -1 4227140 161 0 0 0 0 0 0 0 20 0 1 0 1071458 0 0 18446744073709551615\n"
	if st, err := ParseStat([]byte(reaped)); !errors.Is(err, ErrGone) || st.Pid != 31337 {
		t.Errorf("ParseStat(%q) = %+v, %v, want pid 31337 and ErrGone", reaped, st, err)
	}

	for _, bad := range []string{
		"",
		"4242 sleep S 1 1 1",
		"x (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"4242 (sleep) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
		"4242 (sleep) S 1 -1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"4242 (sleep) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
	} {
		if st, err := ParseStat([]byte(bad)); err == nil || errors.Is(err, ErrGone) {
			t.Errorf("ParseStat(%q) = %+v, %v, want an error", bad, st, err)
		}
	}
}
