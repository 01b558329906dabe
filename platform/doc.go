// Package platform is procman's operating-system layer: it detects how
// process trees can be contained here, starts each program in a tree of its
// own (under a procman-init kept ready, or in a process group), waits for
// it without holding an OS thread, signals it and its tree, and tells
// whether anything of the tree lives. What it starts cannot reach the host:
// a program gets no descriptor of the host's but those it is given (unless
// Containment.DescriptorLeak says otherwise) and, without CAP_SYS_PTRACE,
// can neither ptrace the host and procman's helpers nor read their
// environment (ProtectHost).
//
// That is Linux. On Windows each tree is a Job Object of its own
// (JobObject), which the program is in before it runs and which the
// system closes, ending the tree, whenever the host ends; a program
// inherits no handle of the host's but its three standard ones. On macOS,
// which has neither cgroups nor PID namespaces nor a subreaper, each
// program leads a process group of its own and carries a tag in its
// environment; its tree is found by scans of the process table, kept
// current by kqueue, and stopped by freezing every member before killing
// it; a Guard (the reaper) does the same when the host dies
// (Containment.Escapes says what can still escape). On other systems
// nothing can be started yet.
//
// It imports nothing else of procman but internal/proctree, the
// scanning of process tables that macOS needs, which the reaper's macOS
// program shares.
package platform
