package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNvmrc(t *testing.T) {
	tests := []struct {
		name, content string
		want          string // the version, or "" for an invalid file
		wantErr       string // part of the error
	}{
		{"bare version", "20\n", "20", ""},
		{"no final newline", "v20.20.2", "v20.20.2", ""},
		{"trimmed", " \t lts/iron \t \n", "lts/iron", ""},
		{"comment after version", "18.17 # the LTS we deploy\n", "18.17", ""},
		{"comment lines", "# node for this project\n#another\n20\n", "20", ""},
		{"comment without space", "20#comment", "20", ""},
		{"blank lines", "\n\n   \n20\n\n", "20", ""},
		{"crlf", "# project\r\n20\r\n\r\n", "20", ""},
		{"crlf with setting", "mirror=https://example.com\r\n18\r\n", "18", ""},
		{"settings ignored", "engine = x\n20\nother=1\n", "20", ""},
		{"value with equals", "20\nmirror=https://example.com/dist?arch=x64\n", "20", ""},
		{"comment holding equals", "# a=b\n20\n", "20", ""},
		{"lone leading equals is the version", "=foo\n", "=foo", ""},

		{"empty", "", "", "no line names a version"},
		{"only comments", "# nothing\n   # here\n", "", "no line names a version"},
		{"only blank crlf lines", "\r\n\r\n", "", "no line names a version"},
		{"only settings", "mirror=x\n", "", "no line names a version"},
		{"two versions", "18\n20\n", "", `two lines name a version, "18" and "20"`},
		{"key node", "node=20\n", "", `key "node"`},
		{"key node beside version", "20\nnode = 18\n", "", `key "node"`},
		{"duplicate key", "20\nmirror=a\nmirror = b\n", "", `key "mirror" appears twice`},
		{"leading equals and version", "20\n=foo\n", "", "two lines name a version"},
		{"version with spaces inside", "18\n20 22", "", "two lines name a version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNvmrc(tt.content)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("parseNvmrc(%q) = %q, %v; want %q", tt.content, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseNvmrc(%q) = %q, %v; want an error holding %q", tt.content, got, err, tt.wantErr)
			}
		})
	}
}

func TestFindNvmrc(t *testing.T) {
	top := t.TempDir()
	deep := filepath.Join(top, "a", "b", "c", "d", "e")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(top, ".nvmrc"), "16\n", 0o644)
	writeFile(t, filepath.Join(top, "a", "b", ".nvmrc"), "18\n", 0o644)
	// A directory named .nvmrc is no .nvmrc.
	if err := os.Mkdir(filepath.Join(top, "a", "b", "c", "d", ".nvmrc"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dir, want string }{
		{top, filepath.Join(top, ".nvmrc")},
		{filepath.Join(top, "a"), filepath.Join(top, ".nvmrc")},
		{filepath.Join(top, "a", "b"), filepath.Join(top, "a", "b", ".nvmrc")},
		{filepath.Join(top, "a", "b", "c"), filepath.Join(top, "a", "b", ".nvmrc")},
		{deep, filepath.Join(top, "a", "b", ".nvmrc")},
	}
	for _, tt := range tests {
		got, err := findNvmrc(context.Background(), tt.dir)
		if err != nil || got != tt.want {
			t.Errorf("findNvmrc(%s) = %q, %v; want %q", tt.dir, got, err, tt.want)
		}
	}

	// Without any .nvmrc up to the root (this test assumes there is none at
	// the root of this machine), there is none.
	if _, err := os.Stat("/.nvmrc"); err == nil {
		t.Skip("this machine has a /.nvmrc")
	}
	if got, err := findNvmrc(context.Background(), t.TempDir()); got != "" || err != nil {
		t.Errorf("findNvmrc in a fresh directory = %q, %v; want none", got, err)
	}
}

func TestFindNvmrcHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := findNvmrc(ctx, t.TempDir()); err != context.Canceled {
		t.Errorf("findNvmrc with a cancelled context: %v, want context.Canceled", err)
	}
}
