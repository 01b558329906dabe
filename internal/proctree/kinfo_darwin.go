//go:build darwin

package proctree

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The offsets of kinfo.go, as golang.org/x/sys/unix lays out KinfoProc for
// the system being built.
const (
	xEproc = unsafe.Offsetof(unix.KinfoProc{}.Eproc)

	xStartSec = unsafe.Offsetof(unix.KinfoProc{}.Proc) +
		unsafe.Offsetof(unix.KinfoProc{}.Proc.P_starttime) +
		unsafe.Offsetof(unix.KinfoProc{}.Proc.P_starttime.Sec)
	xStartUsec = unsafe.Offsetof(unix.KinfoProc{}.Proc) +
		unsafe.Offsetof(unix.KinfoProc{}.Proc.P_starttime) +
		unsafe.Offsetof(unix.KinfoProc{}.Proc.P_starttime.Usec)
	xStat = unsafe.Offsetof(unix.KinfoProc{}.Proc) + unsafe.Offsetof(unix.KinfoProc{}.Proc.P_stat)
	xPid  = unsafe.Offsetof(unix.KinfoProc{}.Proc) + unsafe.Offsetof(unix.KinfoProc{}.Proc.P_pid)
	xUid  = xEproc + unsafe.Offsetof(unix.KinfoProc{}.Eproc.Ucred) + unsafe.Offsetof(unix.KinfoProc{}.Eproc.Ucred.Uid)
	xPPid = xEproc + unsafe.Offsetof(unix.KinfoProc{}.Eproc.Ppid)
	xPgid = xEproc + unsafe.Offsetof(unix.KinfoProc{}.Eproc.Pgid)
)

// Each pair of arrays below has a negative length, which does not compile,
// unless kinfo.go's constant equals x/sys's: a wrong offset or size breaks
// the macOS build (and vet) instead of misreading the process table.
var (
	_ [unsafe.Sizeof(unix.KinfoProc{}) - kinfoSize]struct{}
	_ [kinfoSize - unsafe.Sizeof(unix.KinfoProc{})]struct{}
	_ [unix.SizeofKinfoProc - kinfoSize]struct{}
	_ [kinfoSize - unix.SizeofKinfoProc]struct{}

	_ [xStartSec - offStartSec]struct{}
	_ [offStartSec - xStartSec]struct{}
	_ [xStartUsec - offStartUsec]struct{}
	_ [offStartUsec - xStartUsec]struct{}
	_ [xStat - offStat]struct{}
	_ [offStat - xStat]struct{}
	_ [xPid - offPid]struct{}
	_ [offPid - xPid]struct{}
	_ [xUid - offUid]struct{}
	_ [offUid - xUid]struct{}
	_ [xPPid - offPPid]struct{}
	_ [offPPid - xPPid]struct{}
	_ [xPgid - offPgid]struct{}
	_ [offPgid - xPgid]struct{}
)

// The fields' types, and so their widths and signs, are those kinfo.go
// decodes: this function only has to compile.
func _() {
	var k unix.KinfoProc
	var (
		_ int64  = k.Proc.P_starttime.Sec
		_ int32  = k.Proc.P_starttime.Usec
		_ int8   = k.Proc.P_stat
		_ int32  = k.Proc.P_pid
		_ uint32 = k.Eproc.Ucred.Uid
		_ int32  = k.Eproc.Ppid
		_ int32  = k.Eproc.Pgid
	)
}
