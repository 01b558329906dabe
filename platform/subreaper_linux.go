package platform

// Subreaper: the tree's parent is a procman-init marked child subreaper,
// so that orphans (double-forked, setsid'd daemons) stay in its tree, and
// whose keeper, a subreaper above it, kills whatever the init leaves
// should the init be killed (by the program itself, say). The init stops
// the tree when the host dies, and the reaper kills the init should it
// not. The program keeps its real pid and the host's /proc: the default
// where no cgroup can be made.
var subreaperKind = mechanismKind{
	mechanism: Subreaper,
	unavailable: func(sys *system) error {
		return joinErrors(sys.initErr(subreaperMode), sys.guardErr)
	},
	open: func(sys *system, opts SpawnerOptions, cgroupDir string) starter {
		return newInitStarter(sys, subreaperMode, opts, "")
	},
}

// subreaperMode is procman-init's mode for a subreaper init: with its
// keeper, or, given a cgroup (under Cgroup) as root, alone.
const subreaperMode = "subreaper"
