package sdk

import (
	"fmt"

	"github.com/procman-dev/procman/internal/account"
)

// checkPrivileges validates User, Group and Limits: the user and group
// exist, and this process may ask for them.
func (c ProcessConfig) checkPrivileges() error {
	if err := c.Limits.check(); err != nil {
		return err
	}
	if c.User == "" && c.Group == "" {
		return nil
	}
	self := account.Self()
	a, field, err := account.Lookup(c.User, c.Group, self)
	if err != nil {
		return invalid(field, err.Error())
	}
	if self.UID == 0 {
		return nil
	}
	if a.UID != self.UID {
		return invalid("User", fmt.Sprintf("%q is uid %d, not procman's own (uid %d): only root may run a process as another user", c.User, a.UID, self.UID))
	}
	if a.GID != self.GID {
		spec, field := c.Group, "Group"
		if spec == "" {
			spec, field = c.User, "User"
		}
		return invalid(field, fmt.Sprintf("%q has gid %d, not procman's own (gid %d): only root may run a process with another group", spec, a.GID, self.GID))
	}
	return nil
}
