package project

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// fileNames are the names Find looks for, preferred first.
var fileNames = []string{"procman.yaml", "procman.yml", "Procfile"}

// Find returns the absolute path of the project file for dir: the
// procman.yaml, procman.yml or Procfile (preferred in that order) of dir,
// or else of its nearest parent directory holding one. It returns an error
// when neither dir nor any of its parents holds one.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, name := range fileNames {
			path := filepath.Join(d, name)
			// A directory that cannot be read is passed over like one
			// without a project file: the search goes on upwards.
			if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
				return path, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no procman.yaml or Procfile in %s or any parent directory", dir)
		}
	}
}

// Load reads and checks the project file at path. The file is a Procfile,
// foreman style, when its name is Procfile or starts with "Procfile."
// (Procfile.dev), and a procman.yaml otherwise, whatever its name.
//
// When the file cannot be read, the error wraps the os package's. When
// its content is wrong, the error is a *FileError holding every problem
// found, each naming path as given. Otherwise the Project has every
// process of the file, disabled ones included, ordered by dependencies.
func Load(path string) (*Project, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read project file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	proj := &Project{Path: abs, Dir: filepath.Dir(abs)}
	var problems []Problem
	if isProcfile(filepath.Base(path)) {
		problems = parseProcfile(proj, path, data)
	} else {
		problems = parseYAML(proj, path, data)
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &FileError{Problems: problems}
	}
	proj.Processes = dependencyOrder(proj.Processes)
	return proj, nil
}

// isProcfile reports whether a file named name is a Procfile.
func isProcfile(name string) bool {
	return name == "Procfile" || strings.HasPrefix(name, "Procfile.")
}

// validName reports whether name may name a process: letters, digits,
// '_', '.' and '-', starting with a letter or a digit.
func validName(name string) bool {
	for i, r := range name {
		letterOrDigit := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !letterOrDigit && (i == 0 || r != '_' && r != '.' && r != '-') {
			return false
		}
	}
	return name != ""
}

// badName is the problem of name, which validName refuses.
func badName(name string) string {
	return fmt.Sprintf("bad process name %q: want letters, digits, '_', '.' and '-', starting with a letter or digit", name)
}
