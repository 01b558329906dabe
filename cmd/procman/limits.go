package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// describeLimits says, on one line, what cfg asks of the command beyond
// its user and group: "" when nothing.
func describeLimits(cfg sdk.ProcessConfig) string {
	var parts []string
	l := cfg.Limits
	if l.Memory > 0 {
		parts = append(parts, "memory "+formatSize(l.Memory))
	}
	if l.CPU > 0 {
		parts = append(parts, "cpus "+strconv.FormatFloat(l.CPU, 'g', -1, 64))
	}
	if l.Tasks > 0 {
		parts = append(parts, "tasks "+strconv.Itoa(l.Tasks))
	}
	if l.Nice != nil {
		parts = append(parts, "nice "+strconv.Itoa(*l.Nice))
	}
	for _, r := range l.Rlimits {
		parts = append(parts, "rlimit "+r.Resource+"="+sdk.FormatRlimitValue(r.Soft)+":"+sdk.FormatRlimitValue(r.Hard))
	}
	if cfg.NoNewPrivileges {
		parts = append(parts, "no new privileges")
	}
	return strings.Join(parts, ", ")
}

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
