package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/testplugin/kinds"
)

// TestMain makes the test binary procman itself, or a program for procman
// to run, when PROCMAN_TEST_ROLE says so: the end-to-end tests run it
// rather than build procman again, which a test under Wine, with no Go
// toolchain, could not. The roles:
//
//	procman  procman's main, with the binary's arguments
//	exit     print PROCMAN_TEST_OUTPUT, exit with PROCMAN_TEST_CODE
//	env      print the environment, one variable a line
//	sleep    write the pid to PROCMAN_TEST_PIDFILE, then sleep an hour
//
// A copy named procman-plugin-NAME is the test plugin NAME (see package
// kinds), whatever its environment: procman gives a plugin none of its own.
func TestMain(m *testing.M) {
	if strings.HasPrefix(filepath.Base(os.Args[0]), "procman-plugin-") {
		kinds.Serve(os.Args[0])
		os.Exit(0)
	}
	switch role := os.Getenv("PROCMAN_TEST_ROLE"); role {
	case "":
		os.Exit(m.Run())
	case "procman":
		os.Exit(dispatch(os.Args[1:]))
	case "exit":
		fmt.Print(os.Getenv("PROCMAN_TEST_OUTPUT"))
		code, _ := strconv.Atoi(os.Getenv("PROCMAN_TEST_CODE"))
		os.Exit(code)
	case "env":
		for _, v := range os.Environ() {
			fmt.Println(v)
		}
		os.Exit(0)
	case "sleep":
		pidFile := os.Getenv("PROCMAN_TEST_PIDFILE")
		if err := os.WriteFile(pidFile+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			panic(err)
		}
		if err := os.Rename(pidFile+".tmp", pidFile); err != nil {
			panic(err)
		}
		time.Sleep(time.Hour)
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown PROCMAN_TEST_ROLE %q\n", role)
		os.Exit(3)
	}
}
