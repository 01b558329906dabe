package host

import (
	"fmt"

	"github.com/procman-dev/procman/internal/account"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
	"golang.org/x/sys/unix"
)

// rlimitResources are the resources of setrlimit(2), by the names of
// sdk.RlimitResources.
var rlimitResources = map[string]int{
	"AS": unix.RLIMIT_AS, "CORE": unix.RLIMIT_CORE, "CPU": unix.RLIMIT_CPU, "DATA": unix.RLIMIT_DATA,
	"FSIZE": unix.RLIMIT_FSIZE, "LOCKS": unix.RLIMIT_LOCKS, "MEMLOCK": unix.RLIMIT_MEMLOCK,
	"MSGQUEUE": unix.RLIMIT_MSGQUEUE, "NICE": unix.RLIMIT_NICE, "NOFILE": unix.RLIMIT_NOFILE,
	"NPROC": unix.RLIMIT_NPROC, "RSS": unix.RLIMIT_RSS, "RTPRIO": unix.RLIMIT_RTPRIO,
	"RTTIME": unix.RLIMIT_RTTIME, "SIGPENDING": unix.RLIMIT_SIGPENDING, "STACK": unix.RLIMIT_STACK,
}

// privileges sets in spec what cfg, a valid config, asks of who the
// program runs as and what it may use.
func privileges(spec *platform.Spec, cfg sdk.ProcessConfig) error {
	if cfg.User != "" || cfg.Group != "" {
		self := account.Self()
		a, field, err := account.Lookup(cfg.User, cfg.Group, self)
		if err != nil {
			return &sdk.ConfigError{Field: field, Reason: err.Error()}
		}
		// Anyone may ask for themselves, which changes nothing; only
		// root may change its credentials.
		if self.UID == 0 {
			spec.Credential = &platform.Credential{UID: a.UID, GID: a.GID, Groups: a.Groups, KeepGroups: a.Groups == nil}
		}
	}
	spec.NoNewPrivileges = cfg.NoNewPrivileges
	l := cfg.Limits
	spec.Nice = l.Nice
	for _, r := range l.Rlimits {
		resource, ok := rlimitResources[r.Resource]
		if !ok {
			return &sdk.ConfigError{Field: "Limits.Rlimits", Reason: fmt.Sprintf("unknown resource %q", r.Resource)}
		}
		spec.Rlimits = append(spec.Rlimits, platform.Rlimit{Name: r.Resource, Resource: resource, Soft: r.Soft, Hard: r.Hard})
	}
	spec.Limits = platform.Limits{Memory: l.Memory, CPU: l.CPU, Tasks: l.Tasks}
	return nil
}
