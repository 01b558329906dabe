//go:build !linux

package sdk

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestUserAndLimitsAreLinuxOnly(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := os.Getwd()
	nice := 1
	for field, change := range map[string]func(*ProcessConfig){
		"User":            func(c *ProcessConfig) { c.User = "nobody" },
		"Group":           func(c *ProcessConfig) { c.Group = "nobody" },
		"NoNewPrivileges": func(c *ProcessConfig) { c.NoNewPrivileges = true },
		"Limits":          func(c *ProcessConfig) { c.Limits.Nice = &nice },
	} {
		cfg := ProcessConfig{Command: exe, Dir: dir}
		change(&cfg)
		var ce *ConfigError
		if err := cfg.Validate(); !errors.As(err, &ce) || ce.Field != field || !strings.Contains(ce.Reason, "not supported on "+runtime.GOOS) {
			t.Errorf("Validate with %s set = %v, want it refused as not supported on %s", field, err, runtime.GOOS)
		}
	}
}
