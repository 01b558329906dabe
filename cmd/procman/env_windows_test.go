package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// fileNotFoundText is how the system says that a file does not exist (in
// Wine's words under Wine).
var fileNotFoundText = windows.ERROR_FILE_NOT_FOUND.Error()

// On Windows the baseline holds what programs need to run at all, in
// Windows' own spelling whatever procman's; names ignore case, so an edit
// of PATH changes the baseline's Path rather than add a second spelling,
// which sdk.ProcessConfig.Validate refuses; a leading '=' is part of a name.
func TestBuildEnvWindows(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.env")
	if err := os.WriteFile(file, []byte("path=C:\\file\n=D:=D:\\data\nTemp=C:\\t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	procmanEnv := map[string]string{
		"SYSTEMROOT": `C:\windows`, "WINDIR": `C:\windows`, "PATH": `C:\windows\system32;C:\windows`,
		"PATHEXT": ".COM;.EXE;.BAT", "COMSPEC": `C:\windows\system32\cmd.exe`, "TEMP": `C:\tmp`, "TMP": `C:\tmp`,
		"USERPROFILE": `C:\users\u`, "SECRET_TOKEN": "s3cr3t", "=C:": `C:\work`,
	}
	lookupEnv := func(key string) (string, bool) { // as Windows looks up: ignoring case
		for k, v := range procmanEnv {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
		return "", false
	}
	set := func(arg string) envEdit { return envEdit{arg: arg} }
	baseline := map[string]string{
		"SystemRoot": `C:\windows`, "windir": `C:\windows`, "Path": `C:\windows\system32;C:\windows`,
		"PATHEXT": ".COM;.EXE;.BAT", "ComSpec": `C:\windows\system32\cmd.exe`, "TEMP": `C:\tmp`, "TMP": `C:\tmp`,
		"USERPROFILE": `C:\users\u`,
	}
	with := func(changes map[string]string, removed ...string) map[string]string {
		env := maps.Clone(baseline)
		maps.Copy(env, changes)
		for _, k := range removed {
			delete(env, k)
		}
		return env
	}
	tests := []struct {
		name    string
		edits   []envEdit
		clean   bool
		want    map[string]string
		wantErr string
	}{
		{name: "baseline in Windows' spelling, no secret", want: baseline},
		{name: "PATH changes Path", edits: []envEdit{set(`PATH=C:\bin`)}, want: with(map[string]string{"Path": `C:\bin`})},
		{name: "an env file's path and Temp change Path and TEMP", edits: []envEdit{{file: true, arg: file}},
			want: with(map[string]string{"Path": `C:\file`, "TEMP": `C:\t`, "=D:": `D:\data`})},
		{name: "copy of an unset variable unsets any spelling", edits: []envEdit{set("TEMP=x"), set("temp"), set("userprofile")},
			want: with(map[string]string{"TEMP": `C:\tmp`})},
		{name: "hidden drive variable set", edits: []envEdit{set(`=D:=D:\x`)}, clean: true, want: map[string]string{"=D:": `D:\x`}},
		{name: "hidden drive variable copied", edits: []envEdit{set("=C:")}, clean: true, want: map[string]string{"=C:": `C:\work`}},
		{name: "a name of '=' alone", edits: []envEdit{set("==x")}, wantErr: `--env: key "=" contains '='`},
		{name: "'=' after the first character", edits: []envEdit{set("=A=B")}, clean: true, want: map[string]string{"=A": "B"}},
		{name: "empty name", edits: []envEdit{set("=")}, wantErr: `--env: a key is empty`},
		{name: "a hidden variable's name alone is a copy", edits: []envEdit{set("=1")}, clean: true, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildEnv(tt.edits, tt.clean, lookupEnv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
