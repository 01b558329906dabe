package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []envVar
		wantErr string // substring of the error; "" for none
	}{
		{name: "empty", text: "", want: nil},
		{
			name: "comments and blank lines",
			text: "# a comment\n\nA=1\n   \n  # indented comment\n\tB=2\n#C=3\n",
			want: []envVar{{"A", "1"}, {"B", "2"}},
		},
		{
			name: "values verbatim",
			text: "Q=\"quoted\"\nS='single'\nSP=  two  words  \nEQ=a=b\nE=\nD=$HOME\nH=x # not a comment\n",
			want: []envVar{{"Q", `"quoted"`}, {"S", "'single'"}, {"SP", "  two  words  "}, {"EQ", "a=b"}, {"E", ""}, {"D", "$HOME"}, {"H", "x # not a comment"}},
		},
		{name: "crlf", text: "A=1\r\nB=2\r\n", want: []envVar{{"A", "1"}, {"B", "2"}}},
		{name: "no final newline", text: "A=1", want: []envVar{{"A", "1"}}},
		{name: "repeated key kept in order", text: "A=1\nA=2\n", want: []envVar{{"A", "1"}, {"A", "2"}}},
		{name: "no equals sign", text: "A=1\n\nJUSTAKEY\n", wantErr: "vars.env:3: malformed line"},
		{name: "empty key", text: "=1\n", wantErr: "vars.env:1: malformed line"},
		{name: "space in key", text: "# c\nA B=1\n", wantErr: "vars.env:2: malformed line"},
		{name: "space before equals", text: "A =1\n", wantErr: "vars.env:1: malformed line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnvFile(strings.NewReader(tt.text), "vars.env")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

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
			name: "baseline copies what is set, empty values too",
			want: map[string]string{"HOME": "/home/u", "PATH": "/bin", "TERM": "xterm", "LANG": ""},
		},
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
			name:  "override the baseline",
			edits: []envEdit{set("PATH=/usr/local/bin")},
			want:  map[string]string{"HOME": "/home/u", "PATH": "/usr/local/bin", "TERM": "xterm", "LANG": ""},
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
			name:    "missing file",
			edits:   []envEdit{envFile(filepath.Join(dir, "missing.env"))},
			wantErr: "missing.env: no such file or directory",
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
