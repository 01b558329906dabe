package platform

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// StartTime returns when process pid started, in clock ticks since boot
// (field 22 of /proc/PID/stat). A pid and its start time together name one
// process for good: a recycled pid comes with a later start time.
func StartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStartTime(data)
}

// parseStartTime reads field 22 of a /proc/PID/stat line. The command name
// (field 2) may hold spaces and parentheses: fields are counted from the
// last ')', which is followed by field 3.
func parseStartTime(stat []byte) (uint64, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("malformed stat line %q", stat)
	}
	fields := bytes.Fields(stat[end+1:])
	const startTime = 22 - 3 // index among the fields after the name
	if len(fields) <= startTime {
		return 0, fmt.Errorf("malformed stat line %q", stat)
	}
	return strconv.ParseUint(string(fields[startTime]), 10, 64)
}
