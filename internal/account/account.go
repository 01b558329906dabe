// Package account finds the user and group a process is to run as, by
// name or id, in the system's user database.
package account

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
)

// An Account is who a process runs as.
type Account struct {
	UID, GID uint32
	// Groups are the supplementary groups: the user's own (as
	// initgroups(3) finds them) when a user was asked for, nil otherwise.
	Groups []uint32
	// Name, Home are the user's, when a user was asked for and is in the
	// database.
	Name, Home string
}

// Self is this process's account: its effective uid and gid.
func Self() Account {
	return Account{UID: uint32(os.Geteuid()), GID: uint32(os.Getegid())}
}

// Lookup finds the account of userSpec and groupSpec, each a name or a
// numeric id; "" leaves self's as they are. A numeric user that is not in
// the database is allowed with a groupSpec; its groups are then that group
// alone. With groupSpec empty the group is the user's primary group. The
// error, when there is one, says which of the two is wrong, and why, in
// words fit for a ConfigError's Reason; field is "User" or "Group".
func Lookup(userSpec, groupSpec string, self Account) (a Account, field string, err error) {
	a = self
	if userSpec != "" {
		u, err := lookupUser(userSpec)
		switch {
		case err == nil:
			a.UID, a.Name, a.Home = parseID(u.Uid), u.Username, u.HomeDir
			a.GID = parseID(u.Gid)
			if a.Groups, err = userGroups(u); err != nil {
				return a, "User", fmt.Errorf("%q: its groups: %v", userSpec, err)
			}
		case isNumeric(userSpec) && groupSpec != "":
			a.UID, a.Name, a.Home = parseID(userSpec), "", ""
			a.Groups = nil // the group's alone, below
		case isNumeric(userSpec):
			return a, "User", fmt.Errorf("%s is not in the user database: set a group too", userSpec)
		default:
			return a, "User", err
		}
	}
	if groupSpec != "" {
		g, err := lookupGroup(groupSpec)
		switch {
		case err == nil:
			a.GID = parseID(g.Gid)
		case isNumeric(groupSpec):
			a.GID = parseID(groupSpec)
		default:
			return a, "Group", err
		}
		if userSpec != "" && a.Groups == nil {
			a.Groups = []uint32{a.GID}
		}
	}
	return a, "", nil
}

func lookupUser(spec string) (*user.User, error) {
	if isNumeric(spec) {
		u, err := user.LookupId(spec)
		if _, unknown := errors.AsType[user.UnknownUserIdError](err); unknown {
			return nil, fmt.Errorf("no user with id %s", spec)
		}
		return u, err
	}
	u, err := user.Lookup(spec)
	if _, unknown := errors.AsType[user.UnknownUserError](err); unknown {
		return nil, fmt.Errorf("no user %q", spec)
	}
	return u, err
}

func lookupGroup(spec string) (*user.Group, error) {
	if isNumeric(spec) {
		g, err := user.LookupGroupId(spec)
		if _, unknown := errors.AsType[user.UnknownGroupIdError](err); unknown {
			return nil, fmt.Errorf("no group with id %s", spec)
		}
		return g, err
	}
	g, err := user.LookupGroup(spec)
	if _, unknown := errors.AsType[user.UnknownGroupError](err); unknown {
		return nil, fmt.Errorf("no group %q", spec)
	}
	return g, err
}

// userGroups returns the ids of u's groups, its primary group first.
func userGroups(u *user.User) ([]uint32, error) {
	ids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	groups := []uint32{parseID(u.Gid)}
	for _, id := range ids {
		if g := parseID(id); !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// isNumeric reports whether s is an id: a decimal number below 2³²-1,
// which set*id(2) take for "unchanged".
func isNumeric(s string) bool {
	n, err := strconv.ParseUint(s, 10, 32)
	return err == nil && n < 1<<32-1
}

func parseID(s string) uint32 {
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}
