package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1": 1, "4096": 4096, "512K": 512 << 10, "512k": 512 << 10, "64M": 64 << 20, "64MB": 64 << 20,
		"64MiB": 64 << 20, "1.5G": 3 << 29, "2T": 2 << 40, "0.5K": 512,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"": "want a size", "M": "want a size", "12X": "want a size", "1e400": "want a size", "NaN": "want a size",
		"0": "must be positive", "-5M": "must be positive", "0.1": "must be positive", "9000000T": "too large",
	} {
		if _, err := parseSize(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSize(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestFormatSizeRoundTrips(t *testing.T) {
	for _, n := range []int64{1, 1000, 1024, 64 << 20, 3 << 29, 5 << 40, 1<<50 + 1} {
		s := formatSize(n)
		if got, err := parseSize(s); err != nil || got != n {
			t.Errorf("formatSize(%d) = %q, which parses as %d, %v", n, s, got, err)
		}
	}
	if s := formatSize(64 << 20); s != "64M" {
		t.Errorf("formatSize(64 MiB) = %q, want 64M", s)
	}
}

func TestRlimitFlag(t *testing.T) {
	var r rlimitFlag
	for _, arg := range []string{"NOFILE=64:128", "rlimit_core=0", "stack=unlimited", "NPROC=10:infinity"} {
		if err := r.Set(arg); err != nil {
			t.Fatalf("Set(%q): %v", arg, err)
		}
	}
	want := rlimitFlag{
		{Resource: "NOFILE", Soft: 64, Hard: 128},
		{Resource: "CORE", Soft: 0, Hard: 0},
		{Resource: "STACK", Soft: sdk.RlimInfinity, Hard: sdk.RlimInfinity},
		{Resource: "NPROC", Soft: 10, Hard: sdk.RlimInfinity},
	}
	if !slices.Equal(r, want) {
		t.Errorf("limits %v, want %v", r, want)
	}
}

func TestOOMLine(t *testing.T) {
	killed := host.Status{State: host.Terminated, Signal: 9, OOMKills: 1}
	other := host.Status{State: host.Exited, OOMKills: 2}
	for _, tt := range []struct {
		st   host.Status
		want string
	}{
		{killed, "OOM killed (memory limit 64M)"},
		{other, "the OOM killer ended 2 processes of the tree (memory limit 64M)"},
		{host.Status{State: host.Exited, OOMKills: 1}, "the OOM killer ended a process of the tree (memory limit 64M)"},
		{host.Status{State: host.Terminated, Signal: 9}, ""},
	} {
		if got := oomLine(tt.st, 64<<20); got != tt.want {
			t.Errorf("oomLine(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}
