package lint

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scanLines calls bad for every line matching pattern in the repository's
// files that keep(rel) accepts, skipping hidden directories (but .ci) and
// the directories skipDir(rel) names. It fails the test when fewer than
// least files were read: a walk that finds nothing must not pass.
func scanLines(t *testing.T, pattern *regexp.Regexp, skipDir, keep func(rel string) bool, least int, bad func(rel string, line int, text string)) {
	t.Helper()
	root := "../.."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci" || skipDir(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !keep(rel) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if pattern.MatchString(line) {
				bad(rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < least {
		t.Fatalf("checked %d files, want the whole repository (at least %d)", checked, least)
	}
}
