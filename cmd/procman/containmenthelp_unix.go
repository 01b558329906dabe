//go:build unix && !darwin

package main

// containmentHelp describes --containment and --min-containment, for run
// and explain.
const containmentHelp = `  --containment MECHANISM
                    hold COMMAND's tree together with MECHANISM instead of
                    the default (cgroup where one can be made, else
                    subreaper; both keep COMMAND's real pid):
                    pid-namespace (isolation: COMMAND sees its namespace's
                    pids and a /proc of its own), cgroup, subreaper or
                    process-group ('procman version --verbose' tells which
                    are available)
  --min-containment MECHANISM
                    run COMMAND only if its tree is held together by
                    MECHANISM or a stronger one (pid-namespace > cgroup >
                    subreaper > process-group); otherwise exit with 125
`
