package sdk

import (
	"errors"
	"os"
	"os/user"
	"strconv"
	"strings"
	"testing"
)

func TestValidateUserAndLimits(t *testing.T) {
	base := ProcessConfig{Command: "/bin/sh", Dir: "/"}
	nice := func(n int) *int { return &n }
	self, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		t.Skip("this process's user is not in the user database:", err)
	}
	root := os.Geteuid() == 0
	type testCase struct {
		name   string
		change func(*ProcessConfig)
		field  string // "" when valid
		reason string
	}
	tests := []testCase{
		{"own user by name", func(c *ProcessConfig) { c.User = self.Username }, "", ""},
		{"own user by id", func(c *ProcessConfig) { c.User = self.Uid }, "", ""},
		{"own group by id", func(c *ProcessConfig) { c.Group = self.Gid }, "", ""},
		{"unknown user", func(c *ProcessConfig) { c.User = "no-such-user-procman" }, "User", `no user "no-such-user-procman"`},
		{"unknown group", func(c *ProcessConfig) { c.Group = "no-such-group-procman" }, "Group", `no group "no-such-group-procman"`},
		{"unknown uid alone", func(c *ProcessConfig) { c.User = "4000000000" }, "User", "not in the user database: set a group too"},
		{"uid meaning unchanged", func(c *ProcessConfig) { c.User = "4294967295" }, "User", `no user "4294967295"`},
		{"NUL in user", func(c *ProcessConfig) { c.User = "a\x00b" }, "User", "NUL byte"},
		{"negative memory", func(c *ProcessConfig) { c.Limits.Memory = -1 }, "Limits.Memory", "negative"},
		{"CPU too small", func(c *ProcessConfig) { c.Limits.CPU = 0.001 }, "Limits.CPU", "below the least"},
		{"CPU not a number", func(c *ProcessConfig) { c.Limits.CPU = -0.5 }, "Limits.CPU", "not a number of CPUs"},
		{"negative tasks", func(c *ProcessConfig) { c.Limits.Tasks = -2 }, "Limits.Tasks", "negative"},
		{"nice too high", func(c *ProcessConfig) { c.Limits.Nice = nice(20) }, "Limits.Nice", "from -20 to 19"},
		{"nice at its ends", func(c *ProcessConfig) { c.Limits.Nice = nice(19) }, "", ""},
		{"unknown rlimit", func(c *ProcessConfig) { c.Limits.Rlimits = []Rlimit{{Resource: "nofile", Soft: 1, Hard: 1}} }, "Limits.Rlimits[0]", `unknown resource "nofile"`},
		{"soft above hard", func(c *ProcessConfig) { c.Limits.Rlimits = []Rlimit{{Resource: "NOFILE", Soft: 2, Hard: 1}} }, "Limits.Rlimits[0]", "soft limit 2 is above its hard limit 1"},
		{"rlimit twice", func(c *ProcessConfig) {
			c.Limits.Rlimits = []Rlimit{{Resource: "CORE", Hard: RlimInfinity}, {Resource: "CORE"}}
		}, "Limits.Rlimits[1]", "CORE is limited twice"},
		{"all limits", func(c *ProcessConfig) {
			c.Limits = Limits{Memory: 1 << 30, CPU: 1.5, Tasks: 100, Nice: nice(-20), Rlimits: []Rlimit{{Resource: "NOFILE", Soft: 64, Hard: RlimInfinity}}}
			c.NoNewPrivileges = true
		}, "", ""},
	}
	if root {
		tests = append(tests,
			testCase{"another user, as root", func(c *ProcessConfig) { c.User, c.Group = "nobody", "0" }, "", ""},
			testCase{"unknown uid with a group, as root", func(c *ProcessConfig) { c.User, c.Group = "4000000000", "4000000000" }, "", ""})
	} else {
		tests = append(tests,
			testCase{"root, as another user", func(c *ProcessConfig) { c.User = "root" }, "User", "only root may run a process as another user"},
			testCase{"root's group, as another user", func(c *ProcessConfig) { c.Group = "0" }, "Group", "only root may run a process with another group"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base.Clone()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(ce.Reason, tt.reason) {
				t.Fatalf("Validate = %v, want a ConfigError of %s saying %q", err, tt.field, tt.reason)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v is not ErrInvalidConfig", err)
			}
		})
	}
}

func TestCloneCopiesLimits(t *testing.T) {
	nice := 5
	c := ProcessConfig{Limits: Limits{Nice: &nice, Rlimits: []Rlimit{{Resource: "NOFILE", Soft: 1, Hard: 2}}}}
	d := c.Clone()
	*d.Limits.Nice = 6
	d.Limits.Rlimits[0].Soft = 2
	if nice != 5 || c.Limits.Rlimits[0].Soft != 1 {
		t.Errorf("changing the clone's limits changed the original: %+v", c.Limits)
	}
	if !c.Limits.Equal(c.Clone().Limits) || c.Limits.Equal(d.Limits) {
		t.Error("Equal does not compare the values of the limits")
	}
}
