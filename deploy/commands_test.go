package deploy_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// built is the rnncast binary shared by this package's tests, built once.
var built struct {
	once sync.Once
	path string
	err  error
}

// buildRnncast builds cmd/rnncast into binDir, once per test binary.
func buildRnncast(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.path = filepath.Join(binDir, "rnncast")
		cmd := exec.Command("go", "build", "-o", built.path, "./cmd/rnncast")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("cannot build cmd/rnncast: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// helpText runs the binary with args and returns what it printed on both
// streams. A command's --help may exit non-zero (the flag package's
// convention is 0 or 2), so the exit status is not checked; the text is.
func helpText(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	return out.String()
}

// flagNames returns the names of the flags in args ("--topic x" and
// "-topic=x" both give "topic").
func flagNames(args []string) []string {
	var names []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		n, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		names = append(names, n)
	}
	return names
}

// subcommandListed reports whether rnncast's usage lists sub as a command.
func subcommandListed(usage, sub string) bool {
	return regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(sub) + `\s`).MatchString(usage)
}

// flagDocumented reports whether a --help text documents the flag: the flag
// package prints "  -name ..." and others print "--name".
func flagDocumented(help, name string) bool {
	return regexp.MustCompile(`(?m)(^|\s)--?` + regexp.QuoteMeta(name) + `\b`).MatchString(help)
}

func TestFlagParsing(t *testing.T) {
	got := flagNames([]string{"run", "--config", "/x", "-model=/m", "--", "-"})
	if strings.Join(got, ",") != "config,model" {
		t.Errorf("flagNames = %v, want [config model]", got)
	}
	help := "Usage of run:\n  -config string\n    \tpath\n  --brokers list\n"
	f := func(name string, want bool) {
		t.Helper()
		if got := flagDocumented(help, name); got != want {
			t.Errorf("flagDocumented(%q) = %v, want %v", name, got, want)
		}
	}
	f("config", true)
	f("brokers", true)
	f("conf", false)
	f("path", false)
}

// rnncastCommands returns, per compose service and for the Dockerfile's CMD,
// the rnncast argument lists that the stack runs.
func rnncastCommands(t *testing.T) map[string][]string {
	t.Helper()
	c := loadCompose(t)
	cmds := map[string][]string{}
	for name, s := range c.Services {
		if s.builtHere() {
			cmds["service "+name] = s.args()
		}
	}
	_, cmd, _ := parseDockerfile(t)
	cmds["Dockerfile CMD"] = cmd
	return cmds
}

// TestComposeCommandsExist builds rnncast and checks that every command the
// stack runs is a real subcommand and that its --help documents each flag
// used. Until cmd/rnncast registers the subcommands this test fails, naming
// what is missing.
func TestComposeCommandsExist(t *testing.T) {
	cmds := rnncastCommands(t)
	bin := buildRnncast(t)
	usage := helpText(t, bin, "--help")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, where := range names {
		args := cmds[where]
		if len(args) == 0 {
			t.Errorf("%s: no command", where)
			continue
		}
		if !subcommandListed(usage, args[0]) {
			t.Errorf("%s: %q is not an rnncast subcommand; rnncast --help says:\n%s", where, args[0], usage)
			continue
		}
		help := helpText(t, bin, args[0], "--help")
		for _, f := range flagNames(args[1:]) {
			if !flagDocumented(help, f) {
				t.Errorf("%s: rnncast %s has no flag --%s; its --help says:\n%s", where, args[0], f, help)
			}
		}
	}
}
