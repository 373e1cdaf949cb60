package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rnncast/rnncast"

// Third-party packages the rules restrict, matched by prefix.
const (
	kafkaGo      = "github.com/segmentio/kafka-go"
	franzGo      = "github.com/twmb/franz-go"
	clientGolang = "github.com/prometheus/client_golang"
)

// pkg is the part of `go list -json` the rules read. Deps is transitive and,
// like Imports, excludes test files: tests may import anything.
type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("cannot decode go list output: %v", err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = p
	}
	if _, ok := pkgs["model"]; !ok {
		t.Fatalf("go list found no model package among %d packages", len(pkgs))
	}
	return pkgs
}

func matches(path string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") })
}

// TestPureCore: the core packages reach neither Kafka client nor Prometheus,
// not even transitively.
func TestPureCore(t *testing.T) {
	pkgs := listPackages(t)
	forbidden := []string{kafkaGo, franzGo, clientGolang}
	for _, name := range []string{"model", "record", "window", "state", "forecast", "scale", "simulate", "config"} {
		p, ok := pkgs[name]
		if !ok {
			t.Errorf("package %s does not exist: a rule that guards nothing passes by accident; update the rule", name)
			continue
		}
		for _, d := range p.Deps {
			if matches(d, forbidden) {
				t.Errorf("%s depends on %s (transitively); core packages must not", name, d)
			}
		}
	}
}

// TestForbiddenImports: repository packages that must not depend on each
// other, not even transitively. pipeline runs with any Checkpointer; the
// state topic's store (checkpoint) is wired in by cmd, and it imports
// pipeline for KeyState, so the compiler would also refuse a cycle: the rule
// says why.
func TestForbiddenImports(t *testing.T) {
	rules := []struct{ pkg, forbidden string }{
		{"pipeline", "checkpoint"},
	}
	pkgs := listPackages(t)
	for _, r := range rules {
		p, ok := pkgs[r.pkg]
		if _, ok2 := pkgs[r.forbidden]; !ok || !ok2 {
			t.Errorf("rule %s must not import %s: a package does not exist (found %v, %v); update the rule", r.pkg, r.forbidden, ok, ok2)
			continue
		}
		if slices.Contains(p.Deps, module+"/"+r.forbidden) {
			t.Errorf("%s depends on %s; it must not", r.pkg, r.forbidden)
		}
	}
}

// TestDirectImports: who may import kafka-go and client_golang directly,
// and that nothing imports a command.
func TestDirectImports(t *testing.T) {
	rules := []struct {
		lib     string
		allowed []string // package paths relative to the module, with their subpackages
	}{
		{kafkaGo, []string{"ingest", "sink", "kafkaconn", "internal/kafkatest", "cmd"}},
		{clientGolang, []string{"metrics", "cmd"}},
		{module + "/cmd", nil},
	}
	pkgs := listPackages(t)
	if ingest, ok := pkgs["ingest"]; !ok || !slices.Contains(ingest.Imports, kafkaGo) {
		t.Fatalf("ingest (found: %v) does not import kafka-go: go list output is not what the rules assume", ok)
	}
	for _, r := range rules {
		for _, a := range r.allowed {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(pkgs)), func(name string) bool { return matches(name, []string{a}) }) {
				t.Errorf("the rule for %s allows %s, which is no package: update the rule", r.lib, a)
			}
		}
	}
	for name, p := range pkgs {
		for _, imp := range p.Imports {
			for _, r := range rules {
				if matches(imp, []string{r.lib}) && !matches(name, r.allowed) {
					t.Errorf("%s imports %s; only %q may", name, imp, r.allowed)
				}
			}
		}
	}
}

// TestRulesCatchViolations runs the matcher over made-up packages, so the
// rules above cannot pass by matching nothing.
func TestRulesCatchViolations(t *testing.T) {
	f := func(path string, prefixes []string, want bool) {
		t.Helper()
		if got := matches(path, prefixes); got != want {
			t.Errorf("matches(%q, %q) = %v, want %v", path, prefixes, got, want)
		}
	}
	f(kafkaGo, []string{kafkaGo}, true)
	f(kafkaGo+"/protocol", []string{kafkaGo}, true)
	f("github.com/segmentio/kafka-gold", []string{kafkaGo}, false)
	f("ingest", []string{"ingest", "sink"}, true)
	f("ingestx", []string{"ingest"}, false)
	f("internal/kafkatest/kafkaprobe", []string{"internal/kafkatest"}, true)
	f("cmd/rnncast", []string{"cmd"}, true)
	f("pipeline", nil, false)
}
