package proctree

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// darwinKinfo is what a test writes into one macOS struct kinfo_proc.
type darwinKinfo struct {
	sec       int64
	usec      int32
	stat      int8
	pid       int32
	ruid, uid uint32 // real, effective
	ppid      int32
	pgid      int32
}

// record lays k out as kern.proc.all returns it to a 64-bit process on
// macOS (arm64 and amd64 alike), with offsets written from XNU's struct
// definitions rather than taken from kinfo.go, so that this test catches
// an edited constant on Linux too. Every other byte is 0xA5, so that a
// field read at the wrong offset or width decodes to a wrong value.
func (k darwinKinfo) record() []byte {
	b := bytes.Repeat([]byte{0xA5}, 648)
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(k.sec))    // kp_proc.p_starttime.tv_sec: 8 bytes
	le.PutUint32(b[8:], uint32(k.usec))   // kp_proc.p_starttime.tv_usec: 4 bytes, then 4 of padding
	b[36] = byte(k.stat)                  // kp_proc.p_stat, after p_vmspace, p_sigacts, p_flag
	le.PutUint32(b[40:], uint32(k.pid))   // kp_proc.p_pid, aligned after p_stat
	le.PutUint32(b[392:], k.ruid)         // kp_eproc (at 296) .e_pcred.p_ruid
	le.PutUint32(b[420:], k.uid)          // kp_eproc.e_ucred (at 416) .cr_uid
	le.PutUint32(b[560:], uint32(k.ppid)) // kp_eproc.e_ppid
	le.PutUint32(b[564:], uint32(k.pgid)) // kp_eproc.e_pgid
	return b
}

func kinfoTable(ks ...darwinKinfo) []byte {
	var b []byte
	for _, k := range ks {
		b = append(b, k.record()...)
	}
	return b
}

func TestDecodeKinfoProcDarwinLayout(t *testing.T) {
	const (
		sstop = 4 // SSTOP: stopped, not a zombie
		szomb = 5 // SZOMB
		srun  = 2 // SRUN
	)
	launchd := darwinKinfo{sec: 1_700_000_000, usec: 1, stat: srun, pid: 1, ppid: 0, pgid: 1}
	shell := darwinKinfo{sec: 1_700_000_100, usec: 250_000, stat: srun, pid: 501, ruid: 501, uid: 501, ppid: 1, pgid: 501}
	sleeper := darwinKinfo{sec: 1_700_000_200, usec: 999_999, stat: sstop, pid: 502, ruid: 501, uid: 501, ppid: 501, pgid: 501}
	defunct := darwinKinfo{sec: 1_700_000_300, usec: 0, stat: szomb, pid: 503, ruid: 501, uid: 501, ppid: 501, pgid: 501}
	// setuid: the effective uid is root, the real one the user's.
	setuid := darwinKinfo{sec: 1_700_000_400, usec: 42, stat: srun, pid: 504, ruid: 501, uid: 0, ppid: 501, pgid: 501}
	// Every field at the limit of its 32 bits: a pid that is the largest
	// int32 must not be read with its neighbours' bytes, and nobody's uid
	// (-2 on macOS) is unsigned.
	boundary := darwinKinfo{sec: 1_700_000_500, usec: 7, stat: srun, pid: math.MaxInt32, ruid: 501,
		uid: math.MaxUint32 - 1, ppid: math.MaxInt32 - 1, pgid: math.MaxInt32}

	tests := []struct {
		name string
		in   []byte
		want []Proc
	}{
		{name: "empty", in: nil, want: []Proc{}},
		{
			name: "several processes in order",
			in:   kinfoTable(launchd, shell, sleeper),
			want: []Proc{
				{Pid: 1, PPid: 0, Pgid: 1, Uid: 0, Start: 1_700_000_000_000_001},
				{Pid: 501, PPid: 1, Pgid: 501, Uid: 501, Start: 1_700_000_100_250_000},
				{Pid: 502, PPid: 501, Pgid: 501, Uid: 501, Start: 1_700_000_200_999_999},
			},
		},
		{
			name: "zombie",
			in:   kinfoTable(shell, defunct),
			want: []Proc{
				{Pid: 501, PPid: 1, Pgid: 501, Uid: 501, Start: 1_700_000_100_250_000},
				{Pid: 503, PPid: 501, Pgid: 501, Uid: 501, Start: 1_700_000_300_000_000, Zombie: true},
			},
		},
		{
			name: "effective uid, not real",
			in:   kinfoTable(setuid),
			want: []Proc{{Pid: 504, PPid: 501, Pgid: 501, Uid: 0, Start: 1_700_000_400_000_042}},
		},
		{
			name: "32-bit boundaries",
			in:   kinfoTable(boundary),
			want: []Proc{{Pid: math.MaxInt32, PPid: math.MaxInt32 - 1, Pgid: math.MaxInt32,
				Uid: math.MaxUint32 - 1, Start: 1_700_000_500_000_007}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeKinfoProcs(tt.in)
			if err != nil {
				t.Fatalf("decodeKinfoProcs: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("decodeKinfoProcs:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeKinfoProcDarwinLayoutRejectsPartialRecords(t *testing.T) {
	in := append(kinfoTable(darwinKinfo{pid: 1}, darwinKinfo{pid: 2}), 0)
	for _, n := range []int{1, 647, 649, 2*648 - 1, 2*648 + 1} {
		if got, err := decodeKinfoProcs(in[:n]); err == nil {
			t.Errorf("decodeKinfoProcs of %d bytes = %+v, want an error", n, got)
		}
	}
}
