package main

// baselineKeys are the variables the command gets from procman's own
// environment unless --clean-env is given, as spelled here (procman's own
// spelling does not matter: Windows ignores the case of names). Without
// SystemRoot, windir, ComSpec, PATHEXT and Path, programs and the DLLs they
// load (Winsock, the C runtime, COM) fail in ways that do not name the
// cause; TEMP, TMP, the user's profile folders and the program folders are
// where programs look for their files. Nothing that might be a secret, as
// sudo's env_reset does. HOME, LANG and TERM are not Windows' own, but the
// programs that read them (Git, MSYS2, Python, the version managers procman's
// plugins follow) take them to mean what they mean on Unix.
var baselineKeys = []string{
	"SystemRoot", "windir", "SystemDrive", "ComSpec", "PATHEXT", "Path",
	"TEMP", "TMP",
	"USERNAME", "USERDOMAIN", "USERPROFILE", "HOMEDRIVE", "HOMEPATH", "APPDATA", "LOCALAPPDATA",
	"ProgramData", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
	"CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432", "ALLUSERSPROFILE", "PUBLIC",
	"OS", "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS", "COMPUTERNAME",
	"HOME", "LANG", "TERM",
}
