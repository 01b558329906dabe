package platform

import "os"

// PIDNamespace: procman-init is PID 1 of a PID namespace holding the tree
// (inside a user namespace when unprivileged), with a mount namespace and
// a /proc of its own, so that the program sees its namespace's pids
// everywhere; when PID 1 dies, for any reason, the kernel kills every
// process of the namespace. Where a cgroup can be made, the tree is in
// one of its own too, and in a cgroup namespace rooted there. Isolation
// rather than transparency: it is used only when asked for.
var pidNamespaceKind = mechanismKind{
	mechanism: PIDNamespace,
	onRequest: "the program would see its namespace's pids",
	unavailable: func(sys *system) error {
		return joinErrors(sys.initErr(pidnsMode()), sys.guardErr)
	},
	cgroupDir: func(sys *system) string {
		if sys.cgroupErr != nil {
			return ""
		}
		return sys.cgroupBase
	},
	open: func(sys *system, opts SpawnerOptions, cgroupDir string) starter {
		return newInitStarter(sys, pidnsMode(), opts, cgroupDir)
	},
}

// pidnsMode is procman-init's mode for a PID namespace: one that makes a
// user namespace first when this process may not make the PID namespace
// itself.
func pidnsMode() string {
	if os.Geteuid() != 0 {
		return "pidns+user"
	}
	return "pidns"
}
