//go:build unix

package main

// envHelp is the Environment section of run's help.
const envHelp = `Environment:
  COMMAND gets only HOME, USER, LOGNAME, PATH, LANG and TERM from procman's
  environment (those that are set), then every --env and --env-file in the
  order given, a later one winning. A variable's name is letters, digits,
  punctuation and symbols, with no '=', white space or control character;
  its value may hold anything but a NUL byte. A bare COMMAND name is looked
  up in the resulting PATH.
`

// signalsHelp is the Terminal and Signals sections of run's help.
const signalsHelp = `Terminal:
  COMMAND reads procman's stdin. When procman is the foreground job of its
  terminal, and its stdin and stdout are that terminal, COMMAND runs as the
  terminal's foreground job (Linux): it reads the terminal, Ctrl-C goes to
  it, and Ctrl-Z stops its whole tree and procman; fg and bg continue them.
  procman leaves the terminal in the modes it found it. On a terminal,
  procman says when it is stopping and when COMMAND exited leaving
  processes behind; elsewhere it is quiet.

Signals:
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
