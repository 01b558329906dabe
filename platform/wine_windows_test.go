package platform

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Linux side of Wine, for the tests that act on a Windows process as
// Linux sees it. Wine runs a Unix program through CreateProcess; this one
// is /bin/sh with linuxSideScript, which finds processes by a marker on
// their command line: Linux shows a Wine process's Windows command line in
// /proc/PID/cmdline.

// linuxSideScript is run as `sh linux.sh ACTION DIR`.
const linuxSideScript = `# Written by platform/wine_windows_test.go.
# DIR/host and DIR/tree hold the markers on the command lines of the host
# and of its tree's processes; they are read from files so that no command
# line of this script carries them. The answer goes to DIR/ACTION.result,
# in lines of "NAME VALUE...".
set -u
action=$1 dir=$2
exec >/dev/null 2>>"$dir/linux.log"

# with FILE: the pids of the processes with the argument FILE holds.
with() {
	grep -lzxF -f "$1" /proc/[0-9]*/cmdline 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p' | tr '\n' ' '
}

answer() {
	printf '%s\n' "$@" >"$dir/$action.tmp" && mv "$dir/$action.tmp" "$dir/$action.result"
}

case $action in
kill) # SIGKILL the host, if it is the one process with its marker
	hosts=$(with "$dir/host")
	members=$(with "$dir/tree")
	set -- $hosts
	if [ $# -eq 1 ] && kill -KILL "$1"; then
		answer "hosts $hosts" "members $members" "killed $1"
	else
		answer "hosts $hosts" "members $members"
	fi ;;
check) # wait until no process with a marker is left, 30 s at most
	end=$(($(date +%s) + 30))
	while :; do
		left=$(with "$dir/host")$(with "$dir/tree")
		[ -n "$left" ] && [ "$(date +%s)" -lt "$end" ] || break
		sleep 0.1
	done
	answer "left $left"
	for p in $left; do
		printf '%s: %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline")" >>"$dir/$action.result"
	done ;;
*) answer "unknown $action" ;;
esac
`

// A linuxSide runs linuxSideScript on a host and its tree, which carry
// hostMarker and treeMarker on their command lines.
type linuxSide struct {
	hostMarker, treeMarker string
	dir, unixDir           string // the script's folder, as Windows and Linux name it
}

// newLinuxSide skips the test unless it runs under Wine.
func newLinuxSide(t *testing.T) *linuxSide {
	t.Helper()
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil {
		t.Skip("not under Wine: the test acts from the Linux side of Wine")
	}
	prefix := os.Getenv("WINEPREFIX")
	if prefix == "" {
		t.Fatal("WINEPREFIX is not set (scripts/test-windows.sh sets it)")
	}
	l := &linuxSide{treeMarker: "procman-hostdeath-" + rand.Text(), dir: t.TempDir()}
	l.hostMarker = l.treeMarker + "-host"
	// Wine's dosdevices folder holds a link to each drive's root.
	volume := filepath.VolumeName(l.dir)
	if len(volume) != 2 || volume[1] != ':' {
		t.Fatalf("temporary folder %s is not on a drive", l.dir)
	}
	l.unixDir = prefix + "/dosdevices/" + strings.ToLower(volume) + filepath.ToSlash(l.dir[len(volume):])
	for name, text := range map[string]string{"host": l.hostMarker, "tree": l.treeMarker, "linux.sh": linuxSideScript} {
		if err := os.WriteFile(filepath.Join(l.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// run runs the script's action and returns its answer: the values of each
// name. Wine runs a Unix program apart from its own processes and returns
// no handle of it, so the answer comes in a file.
func (l *linuxSide) run(t *testing.T, action string) map[string][]string {
	t.Helper()
	app, err := windows.UTF16PtrFromString(`Z:\bin\sh`)
	if err != nil {
		t.Fatal(err)
	}
	line, err := windows.UTF16PtrFromString(windows.ComposeCommandLine([]string{"sh", l.unixDir + "/linux.sh", action, l.unixDir}))
	if err != nil {
		t.Fatal(err)
	}
	si := windows.StartupInfo{Cb: uint32(unsafe.Sizeof(windows.StartupInfo{}))}
	var pi windows.ProcessInformation
	if err := windows.CreateProcess(app, line, nil, nil, false, windows.CREATE_NO_WINDOW, nil, nil, &si, &pi); err != nil {
		t.Fatalf("start the Linux side (sh): %v", err)
	}
	result := filepath.Join(l.dir, action+".result")
	for end := time.Now().Add(deadline); ; time.Sleep(50 * time.Millisecond) {
		text, err := os.ReadFile(result)
		if err == nil {
			answer := make(map[string][]string)
			for line := range strings.Lines(string(text)) {
				fields := strings.Fields(line)
				if len(fields) > 0 {
					answer[fields[0]] = fields[1:]
				}
			}
			return answer
		}
		if time.Now().After(end) {
			log, _ := os.ReadFile(filepath.Join(l.dir, "linux.log"))
			t.Fatalf("the Linux side did not answer %s within %v; its log: %q", action, deadline, log)
		}
	}
}
