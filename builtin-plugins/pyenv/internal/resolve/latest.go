package resolve

import (
	"regexp"
	"strings"
	"sync"
)

// patterns are the regular expressions by which pyenv latest chooses.
type patterns struct {
	// freeThreadedPrefix matches a prefix that asks for a free-threaded
	// build, such as "3.13t"; the group is the prefix without the "t".
	freeThreadedPrefix *regexp.Regexp
	// freeThreadedName matches the name of a free-threaded build.
	freeThreadedName *regexp.Regexp
	// unstableName matches names that pyenv latest never picks: development
	// and source builds, "-latest" names and pre-releases.
	unstableName *regexp.Regexp
	// flavourName matches the implementation part of a name such as
	// "pypy3.10-7.3.12".
	flavourName *regexp.Regexp
}

// namePatterns returns the patterns, compiled on first use rather than
// when a program that links this package starts: procman run does, and
// most of its runs never need them.
var namePatterns = sync.OnceValue(func() *patterns {
	return &patterns{
		freeThreadedPrefix: regexp.MustCompile(`^(.*[0-9])t$`),
		freeThreadedName:   regexp.MustCompile(`[0-9]t$`),
		unstableName:       regexp.MustCompile(`-dev$|-src$|-latest$|(a|b|rc)[0-9]+$`),
		flavourName:        regexp.MustCompile(`^[[:alnum:]]+-`),
	}
})

// latest returns the name among names that `pyenv latest` picks for
// prefix, or "" if none fits. A candidate starts with the prefix followed
// by '-' or '.'; development, source, "-latest" and pre-release (a, b, rc)
// names are left out, and so are free-threaded builds ("3.13.0t") unless
// the prefix itself ends in "t" ("3.13t"), which then asks for one. The
// highest of the rest, by numeric components, wins.
func latest(prefix string, names []string) string {
	p := namePatterns()
	freeThreaded := false
	if m := p.freeThreadedPrefix.FindStringSubmatch(prefix); m != nil {
		prefix, freeThreaded = m[1], true
	}
	var best string
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		switch {
		case !ok || rest == "" || rest[0] != '-' && rest[0] != '.':
		case freeThreaded && !strings.HasSuffix(rest[1:], "t"):
		case !freeThreaded && p.freeThreadedName.MatchString(name):
		case p.unstableName.MatchString(name):
		case best == "" || newer(name, best):
			best = name
		}
	}
	return best
}

// newer reports whether pyenv latest ranks name a above name b. It sorts
// on fields separated by '.', after turning a leading "flavour-" into
// "flavour.": the first field as text, the others as numbers (their leading
// digits), highest first; on a tie, the name that sorts first as text.
func newer(a, b string) bool {
	fa, fb := sortFields(a), sortFields(b)
	if fa[0] != fb[0] {
		return fa[0] > fb[0]
	}
	for i := 1; i < max(len(fa), len(fb)); i++ {
		if c := compareNumbers(field(fa, i), field(fb, i)); c != 0 {
			return c > 0
		}
	}
	return a < b
}

func sortFields(name string) []string {
	if loc := namePatterns().flavourName.FindStringIndex(name); loc != nil {
		name = name[:loc[1]-1] + "." + name[loc[1]:]
	}
	return strings.Split(name, ".")
}

func field(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// compareNumbers compares the numbers that a and b start with (0 if they
// start with no digit), as sort -n does, without limit on their size.
func compareNumbers(a, b string) int {
	a, b = leadingDigits(a), leadingDigits(b)
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// leadingDigits returns the digits s starts with, without leading zeros.
func leadingDigits(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	return strings.TrimLeft(s[:end], "0")
}
