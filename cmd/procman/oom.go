package main

import (
	"fmt"
	"strconv"

	"github.com/procman-dev/procman/host"
)

// oomLine says what the kernel's OOM killer did to the command's tree,
// which had a memory limit of memory bytes: "" when nothing.
func oomLine(st host.Status, memory int64) string {
	limit := "memory limit " + formatSize(memory)
	switch {
	case st.OOMKills == 0:
		return ""
	case st.OOMKilled():
		return fmt.Sprintf("OOM killed (%s)", limit)
	case st.OOMKills == 1:
		return fmt.Sprintf("the OOM killer ended a process of the tree (%s)", limit)
	}
	return fmt.Sprintf("the OOM killer ended %d processes of the tree (%s)", st.OOMKills, limit)
}

// formatSize formats a size in bytes as --memory takes it: with the
// largest unit (K, M, G, T: powers of 1024) that divides it.
func formatSize(n int64) string {
	units := "KMGT"
	unit := -1
	for unit+1 < len(units) && n != 0 && n%1024 == 0 {
		n /= 1024
		unit++
	}
	if unit < 0 {
		return strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10) + units[unit:unit+1]
}
