//go:build !linux

package sdk

import (
	"fmt"
	"runtime"
)

// checkPrivileges refuses User, Group, NoNewPrivileges and Limits, which
// procman supports on Linux only.
func (c ProcessConfig) checkPrivileges() error {
	field := ""
	switch {
	case c.User != "":
		field = "User"
	case c.Group != "":
		field = "Group"
	case c.NoNewPrivileges:
		field = "NoNewPrivileges"
	case !c.Limits.IsZero():
		field = "Limits"
	default:
		return nil
	}
	return invalid(field, fmt.Sprintf("not supported on %s (Linux only)", runtime.GOOS))
}
