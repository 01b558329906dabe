package platform

import (
	"bytes"
	"os"
	"strconv"
)

// groupMembers lists the live (not zombie) processes whose process group is
// pgid, by reading /proc. A process that vanishes while being read is
// simply not counted.
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
		state, group, ok := readStat(name, buf)
		if ok && group == pgid && state != 'Z' && state != 'X' {
			members = append(members, pid)
		}
	}
	return members, nil
}

// readStat returns the state and process group of /proc/PID/stat. The
// command name may hold spaces and parentheses, so fields are counted from
// the last ')'.
func readStat(pid string, buf []byte) (state byte, pgrp int, ok bool) {
	f, err := os.Open("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, false
	}
	n, _ := f.Read(buf)
	f.Close()
	data := buf[:n]
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, 0, false
	}
	// After ") ": state ppid pgrp ...
	fields := bytes.Fields(data[end+1:])
	if len(fields) < 3 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(string(fields[2]))
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], pgrp, true
}
