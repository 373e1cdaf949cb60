// Package deploy_test checks docker-compose.yml, the Dockerfile, the
// Prometheus configuration and the Grafana dashboard without a Docker
// engine: pinned images, real rnncast subcommands and flags, topics and ports
// that agree with pipeline.yaml, a configuration promtool accepts, and a
// dashboard that asks only for metric names docs/contracts.md fixes.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository root, relative to this package's directory.
const root = ".."

// compose is the part of a docker-compose.yml these tests read.
type compose struct {
	Services map[string]service `yaml:"services"`
}

// service is one compose service. Command, entrypoint and environment take
// either of compose's two spellings, so they stay untyped until used.
type service struct {
	Image       string   `yaml:"image"`
	Build       any      `yaml:"build"`
	Command     any      `yaml:"command"`
	Entrypoint  any      `yaml:"entrypoint"`
	Environment any      `yaml:"environment"`
	Ports       []string `yaml:"ports"`
	Volumes     []string `yaml:"volumes"`
}

// builtHere reports whether the service's image is built from this
// repository's Dockerfile, that is, whether it runs rnncast.
func (s service) builtHere() bool {
	switch b := s.Build.(type) {
	case string:
		return b == "."
	case map[string]any:
		return b["context"] == "."
	}
	return false
}

// args returns the service's command as an argument list: a list as is, a
// string split on white space (as compose does without a shell).
func (s service) args() []string {
	return argList(s.Command)
}

func argList(v any) []string {
	switch c := v.(type) {
	case string:
		return strings.Fields(c)
	case []any:
		out := make([]string, 0, len(c))
		for _, a := range c {
			out = append(out, strings.TrimSpace(toString(a)))
		}
		return out
	}
	return nil
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}

// env returns the service's environment as a map, from either spelling.
func (s service) env() map[string]string {
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case map[string]any:
		for k, v := range e {
			out[k] = toString(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(toString(kv), "=")
			out[k] = v
		}
	}
	return out
}

func loadCompose(t *testing.T) *compose {
	t.Helper()
	data := readFile(t, "docker-compose.yml")
	var c compose
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("docker-compose.yml: cannot decode: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	return &c
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatalf("cannot read %s: %v", rel, err)
	}
	return data
}

// flagValue returns the value of --name (or -name, or --name=value) in
// args, and whether it is there.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		n, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			continue
		}
		if hasValue {
			return v, true
		}
		if i+1 < len(args) {
			return args[i+1], true
		}
		return "", true
	}
	return "", false
}

// imageRef matches name[:tag][@digest].
var imageRef = regexp.MustCompile(`^([^@]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$`)

// pinned reports why an image reference is not pinned, or "" when it names a
// tag other than latest or a digest.
func pinned(ref string) string {
	m := imageRef.FindStringSubmatch(ref)
	switch {
	case ref == "":
		return "no image"
	case m == nil || strings.Contains(m[1], ":") && !strings.Contains(m[1], "/"):
		return "not an image reference"
	case m[3] != "":
		return ""
	case m[2] == "":
		return "no tag or digest"
	case m[2] == "latest":
		return "tag latest"
	}
	return ""
}

func TestPinned(t *testing.T) {
	f := func(ref, want string) {
		t.Helper()
		if got := pinned(ref); got != want {
			t.Errorf("pinned(%q) = %q, want %q", ref, got, want)
		}
	}
	f("apache/kafka:3.9.1", "")
	f("gcr.io/distroless/static-debian12:nonroot", "")
	f("localhost:5000/x:1.2", "")
	f("prom/prometheus@sha256:"+strings.Repeat("a", 64), "")
	f("prom/prometheus", "no tag or digest")
	f("prom/prometheus:latest", "tag latest")
	f("localhost:5000/x", "no tag or digest")
	f("", "no image")
}

func TestComposeImagesPinned(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Image == "" && s.builtHere() {
			continue
		}
		if why := pinned(s.Image); why != "" {
			t.Errorf("service %s: image %q is not pinned: %s", name, s.Image, why)
		}
	}
}

// dockerStage is one FROM of a Dockerfile with the USER it ends with.
type dockerStage struct {
	image, user string
}

func parseDockerfile(t *testing.T) (stages []dockerStage, cmd []string, copies [][]string) {
	t.Helper()
	for _, line := range strings.Split(string(readFile(t, "Dockerfile")), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			stages = append(stages, dockerStage{image: f[1]})
		case "USER":
			if len(stages) > 0 {
				stages[len(stages)-1].user = f[1]
			}
		case "CMD":
			if err := yaml.Unmarshal([]byte(strings.Join(f[1:], " ")), &cmd); err != nil {
				t.Fatalf("Dockerfile: CMD is not an exec-form list: %v", err)
			}
		case "COPY":
			copies = append(copies, f[1:])
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: got %d stages, want a multi-stage build", len(stages))
	}
	return stages, cmd, copies
}

func TestDockerfile(t *testing.T) {
	stages, _, _ := parseDockerfile(t)
	for _, s := range stages {
		if why := pinned(s.image); why != "" {
			t.Errorf("Dockerfile: FROM %s is not pinned: %s", s.image, why)
		}
	}
	final := stages[len(stages)-1]
	user, _, _ := strings.Cut(final.user, ":")
	if user == "" || user == "root" || user == "0" {
		t.Errorf("Dockerfile: final stage runs as %q, want a non-root USER", final.user)
	}
}

// ignored reports whether a .dockerignore pattern list excludes rel (a
// slash-separated path in the build context). It supports what this
// repository's file uses: exact names and globs matched against the path or
// any of its leading directories, and a "**/" prefix matching at any depth.
func ignored(patterns []string, rel string) bool {
	parts := strings.Split(rel, "/")
	for _, p := range patterns {
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		for i := range parts {
			for j := i + 1; j <= len(parts); j++ {
				if (anyDepth || i == 0) && match(p, strings.Join(parts[i:j], "/")) {
					return true
				}
			}
		}
	}
	return false
}

func match(pattern, name string) bool {
	ok, err := filepath.Match(pattern, name)
	return err == nil && ok
}

func dockerignore(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(readFile(t, ".dockerignore")), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func TestIgnored(t *testing.T) {
	pats := []string{".git", "**/testdata", "*.test", "docs"}
	f := func(rel string, want bool) {
		t.Helper()
		if got := ignored(pats, rel); got != want {
			t.Errorf("ignored(%q) = %v, want %v", rel, got, want)
		}
	}
	f(".git/HEAD", true)
	f("model/testdata/golden/a.safetensors", true)
	f("web/web.test", false) // "*.test" without **/ matches at the root only
	f("rnncast.test", true)
	f("docs/contracts.md", true)
	f("web/docs.go", false)
	f("model/model.go", false)
	f("sub/docs/x", false) // "docs" without **/ matches at the root only
}

// TestDockerContext checks that .dockerignore keeps every file the image's
// build needs: each Dockerfile COPY source and every Go, embedded and
// module file of cmd/rnncast's packages in this module.
func TestDockerContext(t *testing.T) {
	pats := dockerignore(t)
	need := []string{"go.mod", "go.sum"}
	_, _, copies := parseDockerfile(t)
	for _, c := range copies {
		if len(c) == 2 && !strings.HasPrefix(c[0], "--") && c[0] != "." {
			need = append(need, c[0])
		}
	}
	need = append(need, buildFiles(t)...)
	for _, rel := range need {
		if ignored(pats, rel) {
			t.Errorf(".dockerignore excludes %s, which the image's build needs", rel)
		}
	}
}

// buildFiles lists, relative to the repository, the Go and embedded files
// of every package of this module that cmd/rnncast's build compiles.
func buildFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}|{{join .GoFiles \",\"}}|{{join .EmbedFiles \",\"}}{{end}}", "./cmd/rnncast")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, rest, _ := strings.Cut(line, "|")
		rel, err := filepath.Rel(abs, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a dependency outside the module
		}
		for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == '|' }) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(files) == 0 {
		t.Fatal("go list found no files of this module in cmd/rnncast's build")
	}
	return files
}
