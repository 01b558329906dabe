package main

// envHelp is the Environment section of run's help.
const envHelp = `Environment:
  COMMAND gets from procman's environment only what Windows programs need
  to run and to find the user's and the system's folders (those that are
  set): SystemRoot, windir, SystemDrive, ComSpec, PATHEXT, Path, TEMP, TMP,
  USERNAME, USERDOMAIN, USERPROFILE, HOMEDRIVE, HOMEPATH, APPDATA,
  LOCALAPPDATA, ProgramData, ProgramFiles, ProgramFiles(x86), ProgramW6432,
  CommonProgramFiles, CommonProgramFiles(x86), CommonProgramW6432,
  ALLUSERSPROFILE, PUBLIC, OS, PROCESSOR_ARCHITECTURE, NUMBER_OF_PROCESSORS,
  COMPUTERNAME, HOME, LANG and TERM; then every --env and --env-file in the
  order given, a later one winning. Names ignore case, as everywhere on
  Windows: --env PATH=... changes Path. A variable's name is letters,
  digits, punctuation and symbols, with no '=' but a leading one (--env
  =C:=C:\work sets the hidden variable =C:, --env =C: copies it), no white
  space and no control character; its value may hold anything but a NUL
  byte. A bare COMMAND name is looked up in the resulting Path, with each
  extension of PATHEXT; only .exe and .com programs run (for a .bat or
  .cmd, run cmd.exe /c yourself). Its stdin is procman's.
`

// signalsHelp is the Signals section of run's help.
const signalsHelp = `Signals:
  Ctrl-C, Ctrl-Break and closing the console stop COMMAND's tree: its
  processes that share procman's console get a CTRL_BREAK_EVENT and its
  top-level windows WM_CLOSE; what is left after the grace period is
  killed. A second Ctrl-C or Ctrl-Break kills the tree at once. Windows
  ends procman about 5 seconds after the console is closed (or the user
  logs off), whatever the grace period, and the tree ends with it. One that
  comes before COMMAND has started (while plugins run) gives up the start.
  procman exits with 130 after Ctrl-C or Ctrl-Break (128+2, as for SIGINT)
  and 143 after a close (128+15, as for SIGTERM), unless COMMAND exited by
  itself first.
`

// containmentHelp describes --containment and --min-containment, for run
// and explain.
const containmentHelp = `  --containment MECHANISM
                    job-object, the only mechanism of Windows and the
                    default: COMMAND's tree is in a job object, which ends
                    every process of it when procman ends, however it ends
  --min-containment MECHANISM
                    run COMMAND only if its tree is held together by
                    MECHANISM or a stronger one; job-object meets any
`
