package reaper_test

import (
	"fmt"
	"log"
	"os/exec"
	"time"

	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/reaper"
)

// A program protects a child it starts: from then on the child does not
// outlive the program, even if the program is SIGKILLed.
func Example() {
	r, err := reaper.Start(reaper.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	start, err := platform.StartTime(cmd.Process.Pid)
	if err != nil {
		log.Fatal(err)
	}
	reg, err := r.ProtectProcess(cmd.Process.Pid, start, 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("protected")

	// The program stops the child itself, so the reaper can forget it.
	cmd.Process.Kill()
	cmd.Wait()
	if err := reg.Release(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stopped and released")
	// Output:
	// protected
	// stopped and released
}
