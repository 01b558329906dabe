//go:build unix

package sdk

import (
	"maps"
	"testing"
)

// On Unix, keys that differ in case are different variables: LookupEnv and
// SetEnv never mix them up.
func TestLookupAndSetEnvTakeCaseIntoAccount(t *testing.T) {
	env := map[string]string{"Path": "/opt/bin", "HOME": "/home/u"}
	if v, ok := LookupEnv(env, "PATH"); ok {
		t.Errorf("LookupEnv(PATH) = %q, true; want no variable (the env has Path)", v)
	}
	if v, ok := LookupEnv(env, "Path"); !ok || v != "/opt/bin" {
		t.Errorf("LookupEnv(Path) = %q, %v; want /opt/bin", v, ok)
	}
	SetEnv(env, "PATH", "/usr/bin")
	want := map[string]string{"Path": "/opt/bin", "PATH": "/usr/bin", "HOME": "/home/u"}
	if !maps.Equal(env, want) {
		t.Errorf("after SetEnv(PATH): %q, want %q", env, want)
	}
	UnsetEnv(env, "PATH")
	delete(want, "PATH")
	if !maps.Equal(env, want) {
		t.Errorf("after UnsetEnv(PATH): %q, want %q", env, want)
	}
}
