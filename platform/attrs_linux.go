package platform

import (
	"fmt"
	"strconv"
	"syscall"
)

// attrs encodes what spec asks of the program beyond its descriptors,
// directory, arguments and environment, as procman-init reads it (see
// parse_attrs in procman-init.c): "" when nothing.
func attrs(spec Spec) string {
	var b []byte
	word := func(w ...byte) {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	for _, r := range spec.Rlimits {
		w := strconv.AppendInt([]byte{'r'}, int64(r.Resource), 10)
		w = strconv.AppendUint(append(w, ','), r.Soft, 10)
		w = strconv.AppendUint(append(w, ','), r.Hard, 10)
		word(w...)
	}
	if spec.Nice != nil {
		word(strconv.AppendInt([]byte{'n'}, int64(*spec.Nice), 10)...)
	}
	if c := spec.Credential; c != nil {
		if !c.KeepGroups {
			w := []byte{'G'}
			for i, g := range c.Groups {
				if i > 0 {
					w = append(w, ',')
				}
				w = strconv.AppendUint(w, uint64(g), 10)
			}
			word(w...)
		}
		word(strconv.AppendUint([]byte{'g'}, uint64(c.GID), 10)...)
		word(strconv.AppendUint([]byte{'u'}, uint64(c.UID), 10)...)
	}
	if spec.NoNewPrivileges {
		word('s')
	}
	return string(b)
}

// The steps of procman-init's apply_attrs, as it reports a failure.
const (
	stepExec       = 0
	stepSetgroups  = 1
	stepSetgid     = 2
	stepSetuid     = 3
	stepNoNewPrivs = 4
	stepNice       = 5
	stepChdir      = 6
	stepRlimit     = 0x100 // plus the resource
	stepShift      = 16
	stepErrnoMask  = 1<<stepShift - 1
)

// attrError returns the error of procman-init's report code, a failed
// step of apply_attrs and its errno (see attr_failure), for spec; a code
// of step 0 is the exec's errno.
func attrError(spec Spec, code int32) error {
	step, errno := int(code>>stepShift), syscall.Errno(code&stepErrnoMask)
	e := &ProgramError{Err: errno}
	switch {
	case step == stepExec:
		return execError(spec.Path, errno)
	case step == stepSetgroups:
		e.Op, e.Path = "setgroups", fmt.Sprint(spec.Credential.Groups)
	case step == stepSetgid:
		e.Op, e.Path = "setgid", strconv.FormatUint(uint64(spec.Credential.GID), 10)
	case step == stepSetuid:
		e.Op, e.Path = "setuid", strconv.FormatUint(uint64(spec.Credential.UID), 10)
	case step == stepNoNewPrivs:
		e.Op, e.Path = "no_new_privs", "1"
	case step == stepChdir:
		e.Op, e.Path = "chdir", spec.Dir
	case step == stepNice && spec.Nice != nil:
		e.Op, e.Path = "setpriority", strconv.Itoa(*spec.Nice)
	case step >= stepRlimit:
		e.Op, e.Path = "setrlimit", rlimitName(spec, step-stepRlimit)
	default:
		return fmt.Errorf("procman-init: unknown step %#x failed: %w", step, errno)
	}
	return e
}

// rlimitName returns the name spec gives resource.
func rlimitName(spec Spec, resource int) string {
	for _, r := range spec.Rlimits {
		if r.Resource == resource {
			return r.Name
		}
	}
	return strconv.Itoa(resource)
}
