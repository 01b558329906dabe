package host_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/procman-dev/procman/internal/testplugin/kinds"
	"github.com/procman-dev/procman/sdk"
	"golang.org/x/sys/windows"
)

// The Windows tests run under Wine (scripts/test-windows.sh), where this
// test binary is the one program built for Windows: it plays every program
// the tests start. A copy named procman-plugin-NAME.exe is the test plugin
// NAME (internal/testplugin/kinds, as internal/testplugin serves it); run
// with roleArg first, it plays the role runRole describes.

// roleArg, as the first argument, makes the test binary play a role.
const roleArg = "procman-host-test-role"

// deadline bounds every wait of these tests: generous, as Wine on a loaded
// machine is slow.
const deadline = 60 * time.Second

// testBinary is this test binary.
var testBinary string

func TestMain(m *testing.M) {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if strings.HasPrefix(strings.ToLower(filepath.Base(exe)), "procman-plugin-") {
		kinds.Serve(exe)
		return
	}
	if len(os.Args) > 2 && os.Args[1] == roleArg {
		runRole(os.Args[2], os.Args[3:])
		os.Exit(0)
	}
	testBinary = exe
	code := m.Run()
	if code == 0 {
		// The completion port's reader ends once no job is followed.
		if err := findLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// runRole plays role with args, whose last is the test's marker. Every
// process that lives on prints "NAME PID" on its stdout, which its own
// children share.
//
//	sleep NAME           announce NAME, live until killed
//	ignore               announce "ignorer", take every console control
//	                     event and do nothing about it, live until killed
//	tree                 level 1 of a tree of three levels and a detached
//	                     grandchild: level1, level2, level3, detached
//	detach CODE          start a detached child ("detached"), exit with CODE
//	exit CODE            exit with CODE
//	env                  print its environment as a JSON list of KEY=value
//	burn MS MB           start a child ("burn-leaf MS MB") that uses MS ms of
//	                     CPU and touches MB MiB of memory, wait for it, exit 0
//	cat                  copy stdin to stdout, exit 0 at its end
//	host HOW PLUGINDIR   a program that embeds a Manager (runHost)
func runRole(role string, args []string) {
	marker := args[len(args)-1]
	switch role {
	case "sleep":
		announce(args[0])
		sleepForever()
	case "ignore":
		signal.Notify(make(chan os.Signal, 1), os.Interrupt, syscall.SIGTERM)
		announce("ignorer")
		sleepForever()
	case "tree":
		announce("level1")
		startRole(0, "tree2", marker)
		sleepForever()
	case "tree2":
		announce("level2")
		startRole(0, "sleep", "level3", marker)
		startRole(0, "detacher", marker)
		sleepForever()
	case "detacher": // the parent of "detached", which exits
		startRole(windows.DETACHED_PROCESS, "sleep", "detached", marker)
	case "detach":
		startRole(windows.DETACHED_PROCESS, "sleep", "detached", marker)
		os.Exit(intArg(args[0]))
	case "exit":
		os.Exit(intArg(args[0]))
	case "env":
		json.NewEncoder(os.Stdout).Encode(os.Environ())
	case "burn":
		exe, _ := os.Executable()
		cmd := exec.Command(exe, roleArg, "burn-leaf", args[0], args[1], marker)
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(100)
		}
	case "burn-leaf":
		burn(time.Duration(intArg(args[0]))*time.Millisecond, intArg(args[1]))
	case "cat":
		io.Copy(os.Stdout, os.Stdin)
	case "host":
		runHost(args[0], args[1], marker)
	default:
		fmt.Fprintln(os.Stderr, "unknown role", role)
		os.Exit(100)
	}
}

// burn uses cpu of CPU time, by its own account, and touches mb MiB.
func burn(cpu time.Duration, mb int) {
	mem := make([]byte, mb<<20)
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 1
	}
	// By its own account when the system keeps one (Wine may not), and
	// at most three times as long by the clock.
	for deadline := time.Now().Add(3 * cpu); time.Now().Before(deadline); {
		var creation, exit, kernel, user windows.Filetime
		windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user)
		used := time.Duration(kernel.Nanoseconds() + user.Nanoseconds())
		if used >= cpu {
			break
		}
		for i := 0; i < 1_000_000; i++ {
			mem[i%len(mem)]++
		}
	}
}

func announce(name string) { fmt.Printf("%s %d\n", name, os.Getpid()) }

// sleepForever blocks until the process is killed; unlike select {}, the
// runtime does not take it for a deadlock.
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

func intArg(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(100)
	}
	return n
}

// startRole starts this binary in role with args, its stdio this
// process's, created with flags, and does not wait for it.
func startRole(flags uint32, role string, args ...string) {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, append([]string{roleArg, role}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start", role+":", err)
		os.Exit(101)
	}
}

// child returns a config that runs this binary in role with args, plus
// marker, in a fresh directory, with an environment of SYSTEMROOT only.
func child(t testing.TB, marker, role string, args ...string) sdk.ProcessConfig {
	return sdk.ProcessConfig{
		Command: testBinary,
		Args:    append(append([]string{roleArg, role}, args...), marker),
		Dir:     t.TempDir(),
		Env:     map[string]string{"SYSTEMROOT": os.Getenv("SYSTEMROOT")},
	}
}

// newMarker returns a string unique to this call, to pass as an argument
// to every process a test starts. At the end of the test, any process
// whose command line still holds it is reported as a survivor, and killed.
func newMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	marker := "procman-marker-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		end := time.Now().Add(deadline)
		for {
			pids := findProcesses(func(p processInfo) bool { return strings.Contains(p.commandLine, marker) })
			if len(pids) == 0 {
				return
			}
			if time.Now().After(end) {
				terminate(pids)
				t.Errorf("processes with marker %s survived the test: %v", marker, pids)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	return marker
}

// processInfo is what findProcesses knows of a live process.
type processInfo struct {
	pid         int
	image       string // the full path of its executable, "" if unknown
	commandLine string // "" if unknown
}

// findProcesses returns the pids of the live processes, this one aside,
// that match says yes to.
func findProcesses(match func(processInfo) bool) []int {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		panic(err)
	}
	defer windows.CloseHandle(snap)
	var pids []int
	entry := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err := windows.Process32First(snap, &entry); err == nil; err = windows.Process32Next(snap, &entry) {
		pid := entry.ProcessID
		if pid == 0 || int(pid) == os.Getpid() {
			continue
		}
		if info, ok := inspect(pid); ok && match(info) {
			pids = append(pids, int(pid))
		}
	}
	return pids
}

// inspect returns what can be known of the live process pid.
func inspect(pid uint32) (processInfo, bool) {
	// Wine refuses PROCESS_QUERY_LIMITED_INFORMATION handles for some
	// queries (research/windows-and-macos.md).
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_INFORMATION|windows.PROCESS_VM_READ|windows.SYNCHRONIZE, false, pid)
	if err != nil {
		return processInfo{}, false
	}
	defer windows.CloseHandle(h)
	if ev, err := windows.WaitForSingleObject(h, 0); err != nil || ev == windows.WAIT_OBJECT_0 {
		return processInfo{}, false // ended
	}
	info := processInfo{pid: int(pid), commandLine: commandLine(h)}
	name := make([]uint16, windows.MAX_LONG_PATH)
	size := uint32(len(name))
	if windows.QueryFullProcessImageName(h, 0, &name[0], &size) == nil {
		info.image = windows.UTF16ToString(name[:size])
	}
	return info, true
}

// commandLine returns the command line of the process h, "" if it cannot
// be read: from its process parameters, as Wine 8 does not answer
// ProcessCommandLineInformation. The offsets are those of 64-bit Windows
// (PEB.ProcessParameters, RTL_USER_PROCESS_PARAMETERS.CommandLine); the
// memory is read into buffers that hold no Go pointers, since the
// addresses are the other process's.
func commandLine(h windows.Handle) string {
	var basic [6]uintptr // PROCESS_BASIC_INFORMATION; PebBaseAddress second
	if windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&basic[0]), uint32(unsafe.Sizeof(basic)), nil) != nil {
		return ""
	}
	var params, line [2]uintptr // a pointer; a UNICODE_STRING (lengths, then buffer)
	if !readMemory(h, basic[1]+0x20, unsafe.Pointer(&params[0]), 8) ||
		!readMemory(h, params[0]+0x70, unsafe.Pointer(&line[0]), 16) {
		return ""
	}
	text := make([]uint16, uint16(line[0])/2)
	if len(text) == 0 || !readMemory(h, line[1], unsafe.Pointer(&text[0]), uintptr(len(text)*2)) {
		return ""
	}
	return windows.UTF16ToString(text)
}

// readMemory reads size bytes at addr of the process h into buf.
func readMemory(h windows.Handle, addr uintptr, buf unsafe.Pointer, size uintptr) bool {
	var n uintptr
	return windows.ReadProcessMemory(h, addr, (*byte)(buf), size, &n) == nil && n == size
}

// inDir says whether p runs an executable of dir.
func inDir(dir string) func(processInfo) bool {
	return func(p processInfo) bool {
		return strings.EqualFold(filepath.Dir(p.image), filepath.Clean(dir))
	}
}

// terminate ends the processes pids, which a test failed to see end.
func terminate(pids []int) {
	for _, pid := range pids {
		if h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid)); err == nil {
			windows.TerminateProcess(h, 1)
			windows.CloseHandle(h)
		}
	}
}

// treeNames are the processes of the tree role.
var treeNames = []string{"level1", "level2", "level3", "detached"}
