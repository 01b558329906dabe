package proctree

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

// procargs2 lays out what macOS's kern.procargs2 returns: argc, 4 bytes
// little-endian, then the string area exactly as given.
func procargs2(argc int32, area string) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(argc)), area...)
}

// procargs2Cases are what TestDecodeProcargs2DarwinLayout checks, and the
// seeds of FuzzDecodeProcargs2.
var procargs2Cases = []struct {
	name      string
	in        []byte
	argv      []string
	env       []string
	malformed bool
}{
	{
		name: "arguments and environment, then the apple strings",
		in: procargs2(3, "/usr/local/bin/worker\x00\x00\x00"+
			"worker\x00--port\x008080\x00"+
			"HOME=/Users/ann\x00PROCMAN_TREE=7f3c\x00"+
			"\x00\x00\x00\x00\x00\x00"+
			"ptr_munge=\x00main_stack=\x00"),
		argv: []string{"worker", "--port", "8080"},
		env:  []string{"HOME=/Users/ann", "PROCMAN_TREE=7f3c"},
	},
	{
		name: "path already aligned: no padding",
		in:   procargs2(1, "/bin/sh\x00sh\x00PROCMAN_TREE=a\x00\x00"),
		argv: []string{"sh"},
		env:  []string{"PROCMAN_TREE=a"},
	},
	{
		name: "path followed by seven bytes of padding",
		in:   procargs2(2, "/bin/ls1\x00\x00\x00\x00\x00\x00\x00\x00ls1\x00-l\x00TERM=xterm\x00\x00"),
		argv: []string{"ls1", "-l"},
		env:  []string{"TERM=xterm"},
	},
	{
		name: "empty arguments after the first are arguments",
		in:   procargs2(4, "/bin/prog\x00\x00\x00prog\x00\x00x\x00\x00A=1\x00\x00"),
		argv: []string{"prog", "", "x", ""},
		env:  []string{"A=1"},
	},
	{
		name: "no arguments",
		in:   procargs2(0, "/bin/prog\x00\x00\x00A=1\x00B=2\x00\x00"),
		env:  []string{"A=1", "B=2"},
	},
	{
		name: "environment left out by the kernel: the buffer ends after argv",
		in:   procargs2(2, "/bin/prog\x00\x00\x00prog\x00-v\x00"),
		argv: []string{"prog", "-v"},
	},
	{
		name: "empty environment before the apple strings",
		in:   procargs2(1, "/bin/prog\x00\x00\x00prog\x00\x00\x00\x00ptr_munge=\x00"),
		argv: []string{"prog"},
	},
	{
		name: "environment up to the end of the buffer",
		in:   procargs2(1, "/bin/prog\x00\x00\x00prog\x00A=1\x00PROCMAN_TREE=b=c\x00"),
		argv: []string{"prog"},
		env:  []string{"A=1", "PROCMAN_TREE=b=c"},
	},
	{name: "too short for argc", in: []byte{1, 0, 0}, malformed: true},
	{name: "argc only", in: procargs2(0, ""), malformed: true},
	{name: "negative argc", in: procargs2(-1, "/bin/prog\x00\x00\x00prog\x00"), malformed: true},
	{name: "executable path cut short", in: procargs2(1, "/usr/bi"), malformed: true},
	{
		name:      "argc larger than the arguments present",
		in:        procargs2(3, "/bin/prog\x00\x00\x00prog\x00-v\x00"),
		malformed: true,
	},
	{
		name:      "argc larger than the arguments present, padding only",
		in:        procargs2(1, "/bin/prog\x00\x00\x00\x00\x00\x00"),
		malformed: true,
	},
	{name: "argument cut short", in: procargs2(2, "/bin/prog\x00\x00\x00prog\x00-ver"), malformed: true},
	{
		name:      "environment entry cut short",
		in:        procargs2(1, "/bin/prog\x00\x00\x00prog\x00A=1\x00PROCMAN_TR"),
		malformed: true,
	},
}

func TestDecodeProcargs2DarwinLayout(t *testing.T) {
	for _, tt := range procargs2Cases {
		t.Run(tt.name, func(t *testing.T) {
			argv, env, err := decodeProcargs2(tt.in)
			if tt.malformed {
				if !errors.Is(err, errProcargs2) {
					t.Fatalf("decodeProcargs2 = %q, %q, %v; want an error wrapping %v", argv, env, err, errProcargs2)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeProcargs2: %v", err)
			}
			if !slices.Equal(argv, tt.argv) {
				t.Errorf("argv = %q, want %q", argv, tt.argv)
			}
			if !slices.Equal(env, tt.env) {
				t.Errorf("env = %q, want %q", env, tt.env)
			}
		})
	}
}

// FuzzDecodeProcargs2 checks that no input panics and that what decodes
// keeps the format's promises.
func FuzzDecodeProcargs2(f *testing.F) {
	for _, tt := range procargs2Cases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		argv, env, err := decodeProcargs2(in)
		if err != nil {
			if !errors.Is(err, errProcargs2) {
				t.Fatalf("error %v does not wrap %v", err, errProcargs2)
			}
			return
		}
		if argc := int32(binary.LittleEndian.Uint32(in)); len(argv) != int(argc) {
			t.Errorf("%d arguments, argc is %d", len(argv), argc)
		}
		for _, s := range slices.Concat(argv, env) {
			if strings.ContainsRune(s, 0) {
				t.Errorf("string %q holds a NUL", s)
			}
		}
		for _, e := range env {
			if e == "" {
				t.Errorf("empty environment entry in %q", env)
			}
		}
	})
}
