package platform

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// groupMembers lists the live (not zombie) processes whose process group is
// pgid. It asks getpgid of every pid in /proc, which is cheap, and reads the
// costly /proc/PID/stat only of the members, for their state. A process
// that vanishes meanwhile is simply not counted.
func groupMembers(pgid int) ([]int, error) {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var members []int
	buf := make([]byte, 512)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if group, err := unix.Getpgid(pid); err != nil || group != pgid {
			continue
		}
		if state, ok := readState(name, buf); ok && state != 'Z' && state != 'X' {
			members = append(members, pid)
		}
	}
	return members, nil
}

// readState returns the state letter of /proc/PID/stat. The command name
// may hold spaces and parentheses, so the state is found after the last ')'.
func readState(pid string, buf []byte) (state byte, ok bool) {
	f, err := os.Open("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	n, _ := f.Read(buf)
	f.Close()
	data := buf[:n]
	end := bytes.LastIndexByte(data, ')')
	if end < 0 || end+2 >= len(data) {
		return 0, false
	}
	return data[end+2], true
}
