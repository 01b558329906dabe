// Package host starts processes from an explicit configuration and makes
// sure that nothing they start outlives its welcome: not when a process is
// stopped, not when the program embedding host exits, is signalled, or is
// killed with SIGKILL.
//
// # A Manager's life
//
// New makes a Manager and starts nothing: no process and, unless
// WithSignalHandling asks for one, no goroutine and no signal handler (the
// zero Manager is as good as New()). The first Start (or Warm, for a
// program that would rather pay the cost up front) detects the strongest
// containment the system allows, starts the program's reaper where one is
// needed and keeps procman-inits ready. From then on:
//
//   - Start runs a sdk.ProcessConfig exactly: its Env is the whole
//     environment, a bare Command is looked up in that Env's PATH, and the
//     child gets descriptors 0, 1 and 2 only (WithStdin, WithOutput, or the
//     config's LogFile say where they lead).
//   - Status, Wait and Events tell what becomes of each process: Running,
//     RunningDetached when it exited leaving a daemon behind, then Exited,
//     Terminated or Failed once its whole tree is gone, with the CPU time
//     and peak memory the tree used. Events delivers every change to every
//     subscriber, in order: a restart policy is one loop over it (see the
//     example of Manager.Events).
//   - Stop, StopWithSignal and Kill end a process's whole tree: the stop
//     signal to every process of it, then SIGKILL to what is left after the
//     grace (WithStopSignal, WithStopGrace, WithStopGracePeriod).
//   - Close stops every tree at once and ends what the Manager keeps.
//
// Records of finished processes are kept for Status and Wait, within the
// bound of WithFinishedRecords; Forget drops one at once.
//
// # What happens when the program dies
//
// Every tree is held by a containment mechanism (see Containment and
// Mechanism): a cgroup or a PID namespace and a procman-init on Linux, a
// Job Object on Windows, process groups and scans on macOS. Should the
// program die by any means, SIGKILL included, the inits and the reaper
// stop every tree it started, giving each the Manager's grace. A program
// that wants its Managers closed gracefully on SIGINT, SIGTERM and SIGHUP
// either does so itself or asks for WithSignalHandling.
//
// # Plugins
//
// Plugins change a config before it starts: those given with WithPlugin,
// and, with WithPluginDiscovery, the executables named procman-plugin-NAME
// found on PROCMAN_PLUGIN_PATH and PATH, run out of process over gRPC. Each
// call is isolated and each result validated: a plugin that crashes,
// hangs, or returns garbage costs its own change, never the start. Report
// tells what each plugin did; Explain runs the plugins without starting
// anything. Discovery is off by default: a Manager runs the configs it is
// given, and nothing on the host's PATH changes that unless asked.
//
// # Errors
//
// An invalid config is a *sdk.ConfigError. A start that fails once the
// handle exists is a *StartError, whose Fault says whether the program,
// the config or the host is to blame. Unknown handles are ErrNotFound;
// everything after Close is ErrClosed.
package host
