package proctree

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// The layout of macOS's struct kinfo_proc as the kern.proc sysctls return
// it to a 64-bit process, the same on arm64 and amd64, little-endian. It
// is decoded by hand, not through x/sys's KinfoProc, so that the decoding
// is built and tested on every system; kinfo_darwin.go proves each offset
// against KinfoProc when built for macOS.
const (
	kinfoSize = 648

	offStartSec  = 0   // kp_proc.p_starttime.tv_sec, int64
	offStartUsec = 8   // kp_proc.p_starttime.tv_usec, int32 (suseconds_t)
	offStat      = 36  // kp_proc.p_stat, int8
	offPid       = 40  // kp_proc.p_pid, int32
	offUid       = 420 // kp_eproc.e_ucred.cr_uid, uint32: the effective uid
	offPPid      = 560 // kp_eproc.e_ppid, int32
	offPgid      = 564 // kp_eproc.e_pgid, int32

	// statZombie is p_stat's SZOMB (XNU's sys/proc.h).
	statZombie = 5
)

// decodeKinfoProcs decodes b, an array of struct kinfo_proc as
// kern.proc.all and kern.proc.pid return it, into a Proc for each record,
// in order. Start is p_starttime in microseconds since the epoch. Sid is
// left 0, as kinfo_proc has none. A b whose length is not a whole number
// of records is an error.
func decodeKinfoProcs(b []byte) ([]Proc, error) {
	if len(b)%kinfoSize != 0 {
		return nil, fmt.Errorf("decode kinfo_proc: %d bytes is not a whole number of %d-byte records", len(b), kinfoSize)
	}
	le := binary.LittleEndian
	procs := make([]Proc, 0, len(b)/kinfoSize)
	for rec := range slices.Chunk(b, kinfoSize) {
		sec := int64(le.Uint64(rec[offStartSec:]))
		usec := int32(le.Uint32(rec[offStartUsec:]))
		procs = append(procs, Proc{
			Pid:    int(int32(le.Uint32(rec[offPid:]))),
			PPid:   int(int32(le.Uint32(rec[offPPid:]))),
			Pgid:   int(int32(le.Uint32(rec[offPgid:]))),
			Uid:    le.Uint32(rec[offUid:]),
			Start:  uint64(sec*1_000_000 + int64(usec)),
			Zombie: int8(rec[offStat]) == statZombie,
		})
	}
	return procs, nil
}
