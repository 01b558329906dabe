package envfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []Var
		wantErr string // substring of the error; "" for none
	}{
		{name: "empty", text: "", want: nil},
		{
			name: "comments and blank lines",
			text: "# a comment\n\nA=1\n   \n  # indented comment\n\tB=2\n#C=3\n",
			want: []Var{{"A", "1"}, {"B", "2"}},
		},
		{
			name: "values verbatim",
			text: "Q=\"quoted\"\nS='single'\nSP=  two  words  \nEQ=a=b\nE=\nD=$HOME\nH=x # not a comment\n",
			want: []Var{{"Q", `"quoted"`}, {"S", "'single'"}, {"SP", "  two  words  "}, {"EQ", "a=b"}, {"E", ""}, {"D", "$HOME"}, {"H", "x # not a comment"}},
		},
		{name: "crlf", text: "A=1\r\nB=2\r\n", want: []Var{{"A", "1"}, {"B", "2"}}},
		{name: "no final newline", text: "A=1", want: []Var{{"A", "1"}}},
		{name: "repeated key kept in order", text: "A=1\nA=2\n", want: []Var{{"A", "1"}, {"A", "2"}}},
		{name: "byte-order mark skipped", text: "\ufeffA=1\nB=2\n", want: []Var{{"A", "1"}, {"B", "2"}}},
		{name: "byte-order mark before a comment", text: "\ufeff# c\nA=1\n", want: []Var{{"A", "1"}}},
		{name: "keys programs use", text: "npm_config_cache=/c\nProgramFiles(x86)=C:\\P\nBASH_FUNC_f%%=() { :; }\n", want: []Var{{"npm_config_cache", "/c"}, {"ProgramFiles(x86)", `C:\P`}, {"BASH_FUNC_f%%", "() { :; }"}}},
		{name: "longest line", text: "A=" + strings.Repeat("x", maxLine-2) + "\r\nB=2", want: []Var{{"A", strings.Repeat("x", maxLine-2)}, {"B", "2"}}},
		{name: "no equals sign", text: "A=1\n\nJUSTAKEY\n", wantErr: "vars.env:3: malformed line: want KEY=VALUE"},
		{name: "space in key", text: "# c\nA B=1\n", wantErr: `vars.env:2: key "A B" contains white space`},
		{name: "space before equals", text: "A =1\n", wantErr: `vars.env:1: key "A " contains white space`},
		{name: "export prefix", text: "export A=1\n", wantErr: `vars.env:1: key "export A" contains white space`},
		{name: "control character in key", text: "A=1\nB\x1bC=2\n", wantErr: `vars.env:2: key "B\x1bC" contains a control character`},
		{name: "NUL in value", text: "A=1\x002\n", wantErr: `vars.env:1: value of "A" contains a NUL byte`},
		{name: "byte-order mark after the start", text: "A=1\n\ufeffB=2\n", wantErr: `vars.env:2: key "\ufeffB" contains U+FEFF`},
		{name: "two byte-order marks", text: "\ufeff\ufeffA=1\n", wantErr: `vars.env:1: key "\ufeffA" contains U+FEFF`},
		{name: "line over the limit", text: "A=1\n\nB=" + strings.Repeat("x", maxLine-1) + "\nC=3\n", wantErr: "vars.env:3: line is longer than 1048576 bytes"},
		{name: "line far over the limit", text: "A=1\nB=" + strings.Repeat("x", 3*maxLine), wantErr: "vars.env:2: line is longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.text), "vars.env")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one starting with %q", err, tt.wantErr)
				}
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Errorf("error %q spans more than one line", err)
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

// An error of the reader is wrapped, under the file's name.
func TestParseReaderError(t *testing.T) {
	broken := errors.New("device gone")
	_, err := Parse(&failingReader{text: "A=1\n", err: broken}, "vars.env")
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), "vars.env: ") {
		t.Errorf("error = %v, want %q wrapped under the file's name", err, broken)
	}
}

// failingReader gives text, then err.
type failingReader struct {
	text string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.text == "" {
		return 0, r.err
	}
	n := copy(p, r.text)
	r.text = r.text[n:]
	return n, nil
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.env")
	if err := os.WriteFile(good, []byte("# settings\r\nA=1\r\nB=x=y\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars, err := Read(good)
	if want := []Var{{"A", "1"}, {"B", "x=y"}}; err != nil || !slices.Equal(vars, want) {
		t.Errorf("Read = %q, %v; want %q", vars, err, want)
	}

	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("A=1\noops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bad); err == nil || err.Error() != bad+":2: malformed line: want KEY=VALUE" {
		t.Errorf("a malformed file: error = %v, want one naming %s:2", err, bad)
	}

	missing := filepath.Join(dir, "missing.env")
	_, err = Read(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("a missing file: error = %v, want fs.ErrNotExist naming %s", err, missing)
	}
}
