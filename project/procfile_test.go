package project

import (
	"reflect"
	"testing"
)

// TestLoadProcfile loads a Procfile as foreman's users write them:
// comments, blank lines, a colon in a command, Windows line ends.
func TestLoadProcfile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "Procfile", "# the app\n"+
		"web: bundle exec rails server -p $PORT\n"+
		"\n"+
		"  # indented comment\n"+
		"worker:   bundle exec sidekiq -C config/sidekiq.yml  \r\n"+
		"release: echo time: $(date)\n"+
		"asset.build_1: npm run watch\n")
	proj, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	process := func(name string, line int, command string) *Process {
		return &Process{
			Name:       name,
			Line:       line,
			Command:    []string{"/bin/sh", "-c", command},
			WorkingDir: dir,
			Shutdown:   sigtermIn10s,
			Replicas:   1,
		}
	}
	want := &Project{
		Path:     path,
		Dir:      dir,
		Procfile: true,
		Processes: []*Process{
			process("asset.build_1", 7, "npm run watch"),
			process("release", 6, "echo time: $(date)"),
			process("web", 2, "bundle exec rails server -p $PORT"),
			process("worker", 5, "bundle exec sidekiq -C config/sidekiq.yml"),
		},
	}
	if !reflect.DeepEqual(proj, want) {
		t.Errorf("Load:\n%s\nwant:\n%s", dump(proj), dump(want))
	}
	if procs, err := proj.Select(); err != nil || !reflect.DeepEqual(procs, want.Processes) {
		t.Errorf("Select() = %v, %v; want every process", procs, err)
	}
}

// TestLoadBadProcfile loads Procfiles with problems, checking every line
// of the error.
func TestLoadBadProcfile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // LINE: FIELD: MESSAGE, in order
	}{
		{
			name:    "no colon",
			content: "web: ./web\nworker ./worker\n",
			want:    []string{`2: want NAME: COMMAND`},
		},
		{
			name:    "bad name",
			content: "my web: ./web\n-x: y\n",
			want: []string{
				`1: bad process name "my web": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
				`2: bad process name "-x": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
			},
		},
		{
			name:    "empty command",
			content: "web:\nworker:   \n",
			want:    []string{`1: web: empty command`, `2: worker: empty command`},
		},
		{
			name:    "duplicate",
			content: "web: ./web\nworker: ./worker\nweb: ./web --again\n",
			want:    []string{`3: web: duplicate process (first at line 1)`},
		},
		{
			name:    "empty",
			content: "# nothing yet\n\n",
			want:    []string{`no processes: want a line NAME: COMMAND`},
		},
		{
			name:    "several problems",
			content: "web: ./web\nworker\n: ./nameless\nweb: ./web\nclock:\n",
			want: []string{
				`2: want NAME: COMMAND`,
				`3: bad process name "": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
				`4: web: duplicate process (first at line 1)`,
				`5: clock: empty command`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, writeFile(t, t.TempDir(), "Procfile", tt.content), tt.want)
		})
	}
}
