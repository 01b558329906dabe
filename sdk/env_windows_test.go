package sdk

import (
	"maps"
	"testing"
)

// On Windows a variable has one value whatever the case of its name:
// LookupEnv finds it under any spelling, and SetEnv changes it under the
// spelling the env already uses, so that the config stays valid.
func TestLookupAndSetEnvIgnoreCase(t *testing.T) {
	env := map[string]string{"Path": `C:\Windows`, "HOME": `C:\Users\u`}
	for _, key := range []string{"PATH", "path", "Path"} {
		if v, ok := LookupEnv(env, key); !ok || v != `C:\Windows` {
			t.Errorf("LookupEnv(%s) = %q, %v; want C:\\Windows", key, v, ok)
		}
	}
	if v, ok := LookupEnv(env, "PATHEXT"); ok {
		t.Errorf("LookupEnv(PATHEXT) = %q, true; want no variable", v)
	}
	SetEnv(env, "PATH", `C:\bin;C:\Windows`)
	SetEnv(env, "NVM_BIN", `C:\bin`)
	want := map[string]string{"Path": `C:\bin;C:\Windows`, "HOME": `C:\Users\u`, "NVM_BIN": `C:\bin`}
	if !maps.Equal(env, want) {
		t.Errorf("after SetEnv: %q, want %q", env, want)
	}
	cfg := ProcessConfig{Command: "tool", Env: env}
	if err := cfg.checkStrings(); err != nil {
		t.Errorf("config after SetEnv: %v", err)
	}
	UnsetEnv(env, "PATH")
	UnsetEnv(env, "home")
	if want := map[string]string{"NVM_BIN": `C:\bin`}; !maps.Equal(env, want) {
		t.Errorf("after UnsetEnv(PATH), UnsetEnv(home): %q, want %q", env, want)
	}
}
