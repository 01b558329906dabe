package envfile

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/sdk"
)

// FuzzParse checks that an env file either fails with one line naming the
// file and the line, or gives variables that obey the env rule and that
// come back the same when written out again.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"A=1\nB=2\n",
		"A=1\r\nB=2\r\n",
		"\ufeffA=1\n",
		"\ufeff\ufeffA=1\n",
		"A=1\n\ufeffB=2\n",
		"# comment\n\n  \tB=2\n#C=3\n",
		"Q=\"quoted\"\nS='single'\nSP=  two  words  \nEQ=a=b\nE=\n",
		"export A=1\n",
		"NL\\nX=3\n",
		"A B=1\n",
		"A =1\n",
		"=1\n",
		"JUSTAKEY\n",
		"A=1\x002\n",
		"A\x00=1\n",
		"A\x1b=1\n",
		"K\xc3=1\n",
		"A=\xff\xfe\n",
		"A=x\r\r\n",
		"A=x\rB=y\n",
		"ProgramFiles(x86)=C:\\P\nnpm_config_x=1\nBASH_FUNC_f%%=() { :; }\n",
		"\u00a0A=1\n",
		"A\u2028B=1\n",
		"A=1\nB=" + strings.Repeat("x", maxLine) + "\n",
	} {
		f.Add([]byte(seed))
	}
	lineError := regexp.MustCompile(`^vars\.env:[1-9][0-9]*: `)
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := Parse(bytes.NewReader(data), "vars.env")
		if err != nil {
			if !lineError.MatchString(err.Error()) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error %q is not one line naming the file and the line", err)
			}
			return
		}
		var out strings.Builder
		for _, v := range vars {
			if err := sdk.ValidateEnvVar(v.Key, v.Value); err != nil {
				t.Errorf("variable %q=%q breaks the env rule: %v", v.Key, v.Value, err)
			}
			if strings.HasPrefix(v.Key, "#") {
				t.Errorf("key %q is a comment", v.Key)
			}
			if strings.Contains(v.Value, "\n") {
				t.Errorf("value %q of %q spans lines", v.Value, v.Key)
			}
			out.WriteString(v.Key + "=" + v.Value + "\r\n")
		}
		again, err := Parse(strings.NewReader(out.String()), "vars.env")
		if err != nil || !slices.Equal(again, vars) {
			t.Errorf("written out and parsed again, %q gives %q, %v", vars, again, err)
		}
	})
}
