//go:build unix

package main

// envHelp is the Environment section of run's help.
const envHelp = `Environment:
  COMMAND gets only HOME, USER, LOGNAME, PATH, LANG and TERM from procman's
  environment (those that are set), then every --env and --env-file in the
  order given, a later one winning. A variable's name is letters, digits,
  punctuation and symbols, with no '=', white space or control character;
  its value may hold anything but a NUL byte. A bare COMMAND name is looked
  up in the resulting PATH. Its stdin is /dev/null.
`

// signalsHelp is the Signals section of run's help.
const signalsHelp = `Signals:
  SIGINT, SIGTERM and SIGHUP go to every process of COMMAND's tree; what is
  left after the grace period is killed. A second one of them kills the
  tree at once. One that comes before COMMAND has started (while plugins
  run, or while --log waits for a FIFO's reader) gives up the start, and
  procman exits with 128+N for signal N. SIGQUIT, SIGUSR1 and SIGUSR2 go to
  COMMAND alone. A signal ignored when procman starts (as under nohup) stays
  ignored.
  --forward-hup     send SIGHUP to COMMAND alone, as SIGUSR1 is, instead of
                    stopping the tree: the reload convention of nginx,
                    gunicorn or sshd. procman then outlives a hangup of its
                    terminal: stop it with SIGTERM or SIGINT.
`
