package sdk_test

import (
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestDocumentationShowsOnlyWhatAuthorsUse checks sdk's exported API, as go
// doc shows it: no host plumbing (the go-plugin glue, the handshake, the
// lifeline's variable, Apply), and no declaration that names a type of
// go-plugin or gRPC, which would make them part of the SDK's promise.
func TestDocumentationShowsOnlyWhatAuthorsUse(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	if _, err := os.Stat(self); err != nil {
		// A test binary run where its source cannot be read, as the
		// unprivileged run does: the run from the checkout checks it.
		t.Skipf("the package's source is out of reach: %v", err)
	}
	pkg, err := build.ImportDir(filepath.Dir(self), 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/procman-dev/procman/sdk")
	if err != nil {
		t.Fatal(err)
	}

	// Every exported declaration, by name, with the packages it names.
	decls := map[string][]string{}
	show := func(name string, node ast.Node) {
		var named []string
		ast.Inspect(node, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					named = append(named, pkg.Name+"."+sel.Sel.Name)
				}
			}
			return true
		})
		decls[name] = named
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, name := range v.Names {
				show(name, v.Decl)
			}
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			name := f.Name
			if f.Recv != "" {
				name = strings.TrimPrefix(f.Recv, "*") + "." + name
			}
			show(name, &ast.FuncDecl{Recv: f.Decl.Recv, Name: f.Decl.Name, Type: f.Decl.Type})
		}
	}
	values(d.Consts)
	values(d.Vars)
	funcs(d.Funcs)
	for _, typ := range d.Types {
		show(typ.Name, typ.Decl)
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
	for _, name := range []string{"Serve", "Plugin", "ProcessConfig", "Note", "LoggerFrom"} {
		if _, ok := decls[name]; !ok {
			t.Errorf("%s is missing from the API (the check reads the wrong package?)", name)
		}
	}

	plumbing := []string{"GRPCPlugin", "ClientPlugins", "Handshake", "PluginKey", "EnvLifeline",
		"Apply", "Outcome", "ContextWithLogger", "ErrUnavailable"}
	for name, named := range decls {
		if slices.Contains(plumbing, name) {
			t.Errorf("%s is host plumbing, shown to plugin authors", name)
		}
		for _, sel := range named {
			pkg, _, _ := strings.Cut(sel, ".")
			if slices.Contains([]string{"plugin", "grpc", "pluginwire", "pluginpb"}, pkg) {
				t.Errorf("%s names %s, which is not sdk's to promise", name, sel)
			}
		}
	}
}
