package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.env")
	if err := os.WriteFile(file, []byte("# settings\nA=file\nF=file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("A=1\noops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	procmanEnv := map[string]string{
		"HOME": "/home/u", "PATH": "/bin", "TERM": "xterm", "LANG": "",
		"SECRET": "s3cr3t", "COPY": "copied",
	}
	lookupEnv := func(key string) (string, bool) {
		v, ok := procmanEnv[key]
		return v, ok
	}
	set := func(arg string) envEdit { return envEdit{arg: arg} }
	envFile := func(path string) envEdit { return envEdit{file: true, arg: path} }

	tests := []struct {
		name    string
		edits   []envEdit
		clean   bool
		want    map[string]string
		wantErr string
	}{
		{
			name:  "clean",
			clean: true,
			want:  map[string]string{},
		},
		{
			name:  "set",
			edits: []envEdit{set("A=1"), set("B="), set("C=x=y")},
			clean: true,
			want:  map[string]string{"A": "1", "B": "", "C": "x=y"},
		},
		{
			name:  "copy",
			edits: []envEdit{set("COPY"), set("SECRET")},
			clean: true,
			want:  map[string]string{"COPY": "copied", "SECRET": "s3cr3t"},
		},
		{
			name:  "copy of an unset variable unsets it",
			edits: []envEdit{set("HOME=/elsewhere"), set("HOME"), set("USER=u"), set("USER")},
			clean: true,
			want:  map[string]string{"HOME": "/home/u"},
		},
		{
			name:  "later wins, across --env and --env-file",
			edits: []envEdit{set("A=cli"), set("F=cli"), envFile(file), set("F=last")},
			clean: true,
			want:  map[string]string{"A": "file", "F": "last"},
		},
		{
			name:    "malformed file",
			edits:   []envEdit{envFile(bad)},
			wantErr: bad + ":2: malformed line",
		},
		{
			name:    "newline in a key would forge a variable",
			edits:   []envEdit{set("NL\nX=3")},
			wantErr: `--env: key "NL\nX" contains white space`,
		},
		{
			name:    "space in a key",
			edits:   []envEdit{set("A B=1")},
			wantErr: `--env: key "A B" contains white space`,
		},
		{
			name:    "bad key to copy",
			edits:   []envEdit{set("A\tB")},
			wantErr: `--env: key "A\tB" contains white space`,
		},
		{
			name:    "NUL in a value",
			edits:   []envEdit{set("A=1\x00")},
			wantErr: `--env: value of "A" contains a NUL byte`,
		},
		{
			name:  "a value may span lines",
			edits: []envEdit{set("MULTI=a\nX=3"), set("ProgramFiles(x86)=p")},
			clean: true,
			want:  map[string]string{"MULTI": "a\nX=3", "ProgramFiles(x86)": "p"},
		},
		{
			name:    "missing file",
			edits:   []envEdit{envFile(filepath.Join(dir, "missing.env"))},
			wantErr: "missing.env: " + fileNotFoundText,
		},
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
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvFlagKeepsOrderAcrossFlags(t *testing.T) {
	opts, err := parseRunFlags([]string{"--env", "A=1", "-env-file", "f.env", "--env", "B", "--", "cmd", "--env", "C=3"})
	if err != nil {
		t.Fatal(err)
	}
	want := []envEdit{{arg: "A=1"}, {file: true, arg: "f.env"}, {arg: "B"}}
	if !slices.Equal(opts.env, want) {
		t.Errorf("edits = %+v, want %+v", opts.env, want)
	}
	if got := strings.Join(opts.command, " "); got != "cmd --env C=3" {
		t.Errorf("command = %q, want %q", got, "cmd --env C=3")
	}
}
