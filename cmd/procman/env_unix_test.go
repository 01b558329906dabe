//go:build unix

package main

import (
	"maps"
	"strings"
	"testing"
)

// fileNotFoundText is how the system says that a file does not exist.
const fileNotFoundText = "no such file or directory"

// The Unix baseline, and the Unix rule that a key never starts with '='
// (see TestBuildEnvWindows for Windows').
func TestBuildEnvUnixBaseline(t *testing.T) {
	procmanEnv := map[string]string{
		"HOME": "/home/u", "PATH": "/bin", "TERM": "xterm", "LANG": "",
		"SECRET": "s3cr3t", "COPY": "copied", "Path": "/other",
	}
	lookupEnv := func(key string) (string, bool) {
		v, ok := procmanEnv[key]
		return v, ok
	}
	set := func(arg string) envEdit { return envEdit{arg: arg} }
	tests := []struct {
		name    string
		edits   []envEdit
		want    map[string]string
		wantErr string
	}{
		{
			name: "baseline copies what is set, empty values too",
			want: map[string]string{"HOME": "/home/u", "PATH": "/bin", "TERM": "xterm", "LANG": ""},
		},
		{
			name:  "override the baseline",
			edits: []envEdit{set("PATH=/usr/local/bin")},
			want:  map[string]string{"HOME": "/home/u", "PATH": "/usr/local/bin", "TERM": "xterm", "LANG": ""},
		},
		{
			name:  "keys that differ in case are different variables",
			edits: []envEdit{set("Path"), set("path=/p")},
			want:  map[string]string{"HOME": "/home/u", "PATH": "/bin", "TERM": "xterm", "LANG": "", "Path": "/other", "path": "/p"},
		},
		{
			name:    "empty key",
			edits:   []envEdit{set("=1")},
			wantErr: `--env: a key is empty`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildEnv(tt.edits, false, lookupEnv)
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
