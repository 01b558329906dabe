package main

// containmentHelp describes --containment and --min-containment, for run
// and explain.
const containmentHelp = `  --containment MECHANISM
                    macOS offers one mechanism, process-group: COMMAND leads
                    a process group of its own and carries a tag in its
                    environment, its tree is found by scanning the process
                    table, and the reaper stops it if procman dies
                    ('procman version --verbose' tells what can still
                    escape)
  --min-containment MECHANISM
                    run COMMAND only if its tree is held together by
                    MECHANISM or a stronger one; any mechanism above
                    process-group makes procman exit with 125 on macOS
`
