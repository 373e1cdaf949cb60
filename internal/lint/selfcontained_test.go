package lint

import (
	"path/filepath"
	"regexp"
	"testing"
)

// steering is the folder beside the clone that CI has and a clone lacks;
// outside matches a path that leaves the clone for it, or for the tool
// library (written "..", then the name, as a path or joined in code). The
// names are put together here so that this file does not itself read as a
// path outside the repository.
var (
	steering = "sha" + "red"
	outside  = regexp.MustCompile(`\.\./` + steering + `\b|"\.\.",\s*"` + steering + `"|\.\.[/\\]\.library`)
)

// TestSelfContained fails when a Go file, script, config or Python file of
// the repository names a path outside the clone: a test or script that
// reads beside it passes on a developer's machine and fails everywhere else.
func TestSelfContained(t *testing.T) {
	if !outside.MatchString(`path := "../../`+steering+`/data/ett"`) || outside.MatchString(`path := "../testdata/ett"`) {
		t.Fatal("the pattern does not tell a path outside the clone from one inside it")
	}
	keep := func(rel string) bool {
		switch filepath.Ext(rel) {
		case ".go", ".sh", ".py", ".yaml", ".yml", "":
			return true
		}
		return false
	}
	testdata := func(rel string) bool { return filepath.Base(rel) == "testdata" }
	scanLines(t, outside, testdata, keep, 50, func(rel string, line int, text string) {
		t.Errorf("%s:%d reaches outside the repository: %s", rel, line, text)
	})
}
