package lint

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside matches a path that leaves the clone for the steering folder
// beside it (../shared, ../../shared, "..", "shared" joined in code). A
// clone is all CI has: a test or script that reads beside it passes on a
// developer's machine and fails everywhere else.
var outside = regexp.MustCompile(`\.\./shared\b|"\.\.",\s*"shared"|\.\.[/\\]\.library`)

// TestSelfContained fails when a Go file, script or Python file of the
// repository names a path outside the clone.
func TestSelfContained(t *testing.T) {
	root := "../.."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") && name != ".ci" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".sh", ".py", ".yaml", ".yml", "":
		default:
			return nil
		}
		if path == filepath.Join(root, "internal", "lint", "selfcontained_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if outside.MatchString(line) {
				t.Errorf("%s:%d reaches outside the repository: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files, want the whole repository", checked)
	}
}
