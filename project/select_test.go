package project

import (
	"reflect"
	"testing"
)

// TestSelect selects processes of a file with dependencies and disabled
// processes.
func TestSelect(t *testing.T) {
	proj := mustLoad(t, `processes:
  worker:
    command: x
    depends_on: {web: {}}
  web:
    command: x
    depends_on: {db: {}, cache: {}}
  db:
    command: x
  cache:
    command: x
    disabled: true
  admin:
    command: x
    disabled: true
    depends_on: {db: {}}
  tool:
    command: x
    disabled: true
`)
	// Ready first: cache, db, tool; once db is placed, admin goes before
	// tool by name; web needs cache and db; worker web.
	if got, want := processNames(proj.Processes), []string{"cache", "db", "admin", "tool", "web", "worker"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Processes: %v; want %v", got, want)
	}
	tests := []struct {
		names []string
		want  []string
	}{
		// Every enabled process, and cache, disabled, which web needs.
		{nil, []string{"cache", "db", "web", "worker"}},
		// What worker needs, transitively.
		{[]string{"worker"}, []string{"cache", "db", "web", "worker"}},
		// A disabled process named is selected.
		{[]string{"tool"}, []string{"tool"}},
		{[]string{"admin"}, []string{"db", "admin"}},
		// In dependency order, whatever the order of the names; once
		// each.
		{[]string{"admin", "db", "admin"}, []string{"db", "admin"}},
		{[]string{"web", "tool"}, []string{"cache", "db", "tool", "web"}},
	}
	for _, tt := range tests {
		procs, err := proj.Select(tt.names...)
		if err != nil {
			t.Errorf("Select(%q): %v", tt.names, err)
			continue
		}
		if got := processNames(procs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Select(%q) = %v; want %v", tt.names, got, tt.want)
		}
	}
}

// TestSelectUnknown: a name of no process is an error naming the file
// and its processes.
func TestSelectUnknown(t *testing.T) {
	proj := mustLoad(t, "processes:\n  web: {command: x}\n  db: {command: x}\n  api: {command: x}\n")
	procs, err := proj.Select("web", "wbe")
	want := "no process wbe in " + proj.Path + " (processes: api, db, web)"
	if err == nil || err.Error() != want || procs != nil {
		t.Errorf("Select(web, wbe) = %v, %v; want the error %q", procs, err, want)
	}
}

// processNames returns the names of procs.
func processNames(procs []*Process) []string {
	names := make([]string, len(procs))
	for i, p := range procs {
		names[i] = p.Name
	}
	return names
}
