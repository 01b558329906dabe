//go:build linux

// Package cgroup contains processes in cgroup v2 directories: it finds a
// directory where this process may create cgroups ([Detect]), creates one
// directory per host ([NewGroup]) and one cgroup per started process tree
// ([Group.New]). It does not start the trees: it hands out a descriptor
// that puts a child into its cgroup at birth ([Cgroup.FD]), and then lists,
// signals, kills and watches everything in that cgroup, however the
// processes fork, setsid or double-fork.
//
// A cgroup outlives the process that created it. The group's name,
// "<pid>-<starttime>-<pidns>" of its host, lets another process tell the groups of
// hosts that died from those of live ones, and remove them.
//
// # Zombies
//
// Seen on Linux 6.18 (4,000 of 4,000 tries, 4 at a time): a process that
// has exited but was not reaped by its parent (a zombie) no longer counts.
// Right after waitid(WEXITED|WNOWAIT) reports the exit, cgroup.events says
// "populated 0" if no other process is in the cgroup, cgroup.procs no
// longer lists the zombie, and rmdir of the cgroup succeeds, although
// /proc/PID/cgroup of the zombie still names the cgroup. So a host that
// keeps an exited leader unreaped until its tree is gone sees [Cgroup.Empty]
// close, and can remove the cgroup, before it reaps the leader. The tests
// TestZombieLeavesCgroupEmpty and TestEmptyClosesWhenLastProcessExits pin
// this down.
package cgroup
