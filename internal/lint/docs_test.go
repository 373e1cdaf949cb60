package lint

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/config"
)

// The docs tests read DESIGN.md, docs/contracts.md, docs/design/*.md and
// README.md's configuration and metrics tables, and fail, naming the
// document, the line and the missing thing, when they name something the
// repository does not have.
//
// They read backquoted spans outside fenced code blocks and, in prose, only
// relative paths (with a file extension, or under a top-level directory)
// and section.key of a pipeline.yaml section (proseRefs). A span with
// whitespace is a command or a sentence and is not read. Leading *, & and
// [] and a trailing call's arguments are stripped, and (*T).M is read as
// T.M. What remains is read by its shape (checkSpan):
//
//   - TestX, BenchmarkX, FuzzX (before any "/subtest"): a test function of
//     the repository;
//   - a span with "/" that starts with a lower-case letter or "." (and
//     whose first element is no domain, as in github.com/...): a path
//     relative to the repository root, with {a,b} alternatives and *
//     globs; it must match a file or directory;
//   - a bare file name with a known extension (worker.go, test.sh): some
//     file of that name exists in the repository;
//   - section.key (lower case) whose section is a top-level key of
//     pipeline.yaml: a yaml key of config.Config (found by reflection);
//   - pkg.Name[.Member] whose pkg is a package directory's name: Name is
//     declared in the package's non-test files and Member is a field or
//     method of it (exported or not: the lock table names fields);
//   - Type.Member, with Type declared somewhere in the repository: some
//     type of that name has that field or method;
//   - any other name.name with two lower-case parts: an error (neither a
//     section, nor a package, nor a type);
//   - a single CamelCase or lowerCamel identifier: declared somewhere in
//     the repository (a type, function, variable, constant, field or
//     method; or a class or function of python/) or a test function.
//
// Names from other projects are on the small allowlists below, each with
// its reason. When the test fails after a rename, fix the document.

// externalQualifiers are what the docs write before a dot that is neither
// a repository package nor a config section: other projects' packages and
// names that are not code (tensor and header names).
var externalQualifiers = map[string]string{
	"kafka":       "segmentio/kafka-go",
	"prometheus":  "client_golang",
	"memory":      "arrow-go's memory.NewCheckedAllocator",
	"yaml":        "gopkg.in/yaml.v3",
	"errors":      "Go stdlib",
	"context":     "Go stdlib",
	"strconv":     "Go stdlib",
	"flag":        "Go stdlib",
	"sync":        "Go stdlib",
	"time":        "Go stdlib",
	"torch":       "PyTorch",
	"safetensors": "the safetensors Python package",
	"nets":        "python/nets.py, a Python module",
	"kfake":       "franz-go's in-process Kafka",
	"fc":          "PyTorch state_dict tensor names (fc.weight)",
	"highway":     "PyTorch state_dict tensor names (highway.weight)",
	"original":    "dead-letter header names (original.<name>)",
}

// localNames are variables the notes write instead of their type; their
// members are checked on that type.
var localNames = map[string]string{
	"c": "kafkatest.Cluster", // testing.md: the cluster handle
	"m": "model.Model",       // model-format.md: m.Prepare()
}

// externalNames are identifiers and Type.Member spans of other projects.
var externalNames = map[string]string{
	"ConsumerGroup.Next":   "kafka-go",
	"Conn.CreateTopics":    "kafka-go",
	"Client.CreateTopics":  "kafka-go",
	"MessageTooLargeError": "kafka-go",
	"WriteMessages":        "kafka-go",
	"BatchTimeout":         "kafka-go Writer",
	"BatchSize":            "kafka-go Writer",
	"BatchBytes":           "kafka-go Writer",
	"Dgemm":                "gonum BLAS",
	"HasAVX512F":           "x/sys/cpu",
	"HasAVX2":              "x/sys/cpu",
	"HasFMA":               "x/sys/cpu",
	"RNN.Cell":             "PyTorch's nn.RNN",
	"Deps":                 "a field of go list -json",
}

// externalPaths are spans with "/" that are not repository paths.
var externalPaths = map[string]string{
	"x/sys/cpu":      "golang.org/x/sys/cpu",
	"keysteps/s":     "a unit",
	"cpu-keysteps/s": "a unit",
}

// kafkaConfigs are Kafka's own two-part configuration names (Kafka's
// longer names, such as max.message.bytes, are not read: a lower-case span
// of three or more parts is read only when it starts with a config section
// or a package).
var kafkaConfigs = map[string]bool{"cleanup.policy": true}

const root = "../.."

// docFiles are the documents checked, relative to the repository root.
func docFiles(t *testing.T) []string {
	t.Helper()
	notes, err := filepath.Glob(filepath.Join(root, "docs", "design", "*.md"))
	if err != nil || len(notes) == 0 {
		t.Fatalf("no design notes found: %v", err)
	}
	files := []string{"DESIGN.md", "docs/contracts.md"}
	for _, n := range notes {
		rel, _ := filepath.Rel(root, n)
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

// goPkg is what the docs may name in one package directory.
type goPkg struct {
	dir     string                     // relative to the root, slash-separated
	files   []string                   // non-test .go files
	decls   map[string]bool            // top-level names
	members map[string]map[string]bool // type name → field and method names
	embeds  map[string][]string        // type name → its embedded types' names
	asts    []*ast.File
}

// goIndex is every package directory's declarations and every test name.
type goIndex struct {
	byDir   map[string]*goPkg
	byName  map[string]*goPkg // by the directory's base name
	names   map[string]bool   // every declared name, members included
	types   map[string][]*goPkg
	tests   map[string]bool
	fset    *token.FileSet
	allFile map[string]bool // base names of every file in the repository
}

// cachedIndex is built by the first test that needs it (the tests of this
// package do not run in parallel).
var cachedIndex *goIndex

func loadIndex(t *testing.T) *goIndex {
	t.Helper()
	if cachedIndex == nil {
		cachedIndex = buildIndex(t)
	}
	ix := cachedIndex
	if len(ix.byDir) < 10 {
		t.Fatalf("indexed %d package directories, want the whole repository", len(ix.byDir))
	}
	return ix
}

func buildIndex(t *testing.T) *goIndex {
	ix := &goIndex{
		byDir: map[string]*goPkg{}, byName: map[string]*goPkg{}, names: map[string]bool{},
		types: map[string][]*goPkg{}, tests: map[string]bool{}, fset: token.NewFileSet(), allFile: map[string]bool{},
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci" {
				return filepath.SkipDir
			}
			return nil
		}
		ix.allFile[d.Name()] = true
		if !strings.HasSuffix(path, ".go") || strings.Contains(path, "testdata") {
			return nil
		}
		return ix.addFile(path)
	})
	if err != nil {
		t.Fatal(err)
	}
	ix.addPython(t)
	for _, p := range ix.byDir {
		if len(p.files) > 0 {
			ix.byName[filepath.Base(p.dir)] = p
		}
	}
	return ix
}

// pyDecl is a top-level Python class or function.
var pyDecl = regexp.MustCompile(`(?m)^(?:class|def) (\w+)`)

// addPython adds python/'s classes and functions to the declared names:
// the notes name the PyTorch networks (Net, EncDec) the Go models mirror.
func (ix *goIndex) addPython(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "python", "*.py"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no python/*.py: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pyDecl.FindAllStringSubmatch(string(b), -1) {
			ix.names[m[1]] = true
		}
	}
}

func (ix *goIndex) addFile(path string) error {
	f, err := parser.ParseFile(ix.fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, filepath.Dir(path))
	dir := filepath.ToSlash(rel)
	if strings.HasSuffix(path, "_test.go") {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				ix.tests[fd.Name.Name] = true
			}
		}
		return nil
	}
	p := ix.byDir[dir]
	if p == nil {
		p = &goPkg{dir: dir, decls: map[string]bool{}, members: map[string]map[string]bool{}, embeds: map[string][]string{}}
		ix.byDir[dir] = p
	}
	p.files = append(p.files, filepath.Base(path))
	p.asts = append(p.asts, f)
	for _, d := range f.Decls {
		ix.addDecl(p, d)
	}
	return nil
}

func (ix *goIndex) addDecl(p *goPkg, d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		ix.names[d.Name.Name] = true
		if d.Recv == nil {
			p.decls[d.Name.Name] = true
			return
		}
		ix.member(p, recvName(d.Recv.List[0].Type), d.Name.Name)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				p.decls[s.Name.Name], ix.names[s.Name.Name] = true, true
				ix.types[s.Name.Name] = append(ix.types[s.Name.Name], p)
				ix.typeMembers(p, s.Name.Name, s.Type)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					p.decls[n.Name], ix.names[n.Name] = true, true
				}
			}
		}
	}
}

func (ix *goIndex) member(p *goPkg, typ, name string) {
	if p.members[typ] == nil {
		p.members[typ] = map[string]bool{}
	}
	p.members[typ][name], ix.names[name] = true, true
}

// typeMembers records a struct's fields (an embedded field by its type's
// name) and an interface's methods.
func (ix *goIndex) typeMembers(p *goPkg, typ string, e ast.Expr) {
	var fields *ast.FieldList
	switch e := e.(type) {
	case *ast.StructType:
		fields = e.Fields
	case *ast.InterfaceType:
		fields = e.Methods
	default:
		return
	}
	for _, f := range fields.List {
		if len(f.Names) == 0 {
			ix.member(p, typ, typeName(f.Type))
			p.embeds[typ] = append(p.embeds[typ], typeName(f.Type))
		}
		for _, n := range f.Names {
			ix.member(p, typ, n.Name)
		}
	}
}

// recvName is a method receiver's type name, without * and type parameters.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// typeName is the last name of a type expression: sync.Mutex → Mutex.
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// hasMember reports whether type typ of package p has member m, its own or
// promoted from an embedded type (looked up in p, else by name anywhere).
func (ix *goIndex) hasMember(p *goPkg, typ, m string) bool {
	return ix.hasMemberDepth(p, typ, m, 0)
}

func (ix *goIndex) hasMemberDepth(p *goPkg, typ, m string, depth int) bool {
	if p.members[typ][m] {
		return true
	}
	if depth > 4 {
		return false
	}
	for _, e := range p.embeds[typ] {
		owners := ix.types[e]
		if p.decls[e] {
			owners = []*goPkg{p}
		}
		for _, q := range owners {
			if ix.hasMemberDepth(q, e, m, depth+1) {
				return true
			}
		}
	}
	return false
}

// span is one reference in a document: a backquoted span or a prose
// reference (proseRefs).
type span struct {
	doc  string
	line int
	text string
}

func (s span) String() string { return fmt.Sprintf("%s:%d: `%s`", s.doc, s.line, s.text) }

// docSpan is a span and the "## " section it is in.
type docSpan struct {
	span
	section string
}

var backquoted = regexp.MustCompile("`([^`]+)`")

// readSpans returns the backquoted spans of doc outside fenced code blocks
// and the prose references of those lines, each with its line and the
// section ("## " heading) it is in.
func readSpans(t *testing.T, doc string) []docSpan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, doc))
	if err != nil {
		t.Fatal(err)
	}
	var out []docSpan
	fenced, section := false, ""
	c := newChecker(t)
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimSpace(line[3:])
		}
		var texts []string
		for _, m := range backquoted.FindAllStringSubmatch(line, -1) {
			texts = append(texts, m[1])
		}
		for _, text := range append(texts, c.proseRefs(line)...) {
			out = append(out, docSpan{span{doc, i + 1, text}, section})
		}
	}
	return out
}

// configKeys are every yaml key of config.Config, sections included
// ("kafka", "kafka.brokers"), found by reflection.
func configKeys() (keys map[string]bool, leaves []string) {
	keys = map[string]bool{}
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for f := range t.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if strings.Contains(opts, "inline") {
				walk(prefix, ft)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name) // yaml.v3's default
			}
			key := prefix + name
			keys[key] = true
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
				walk(key+".", ft)
				continue
			}
			leaves = append(leaves, key)
		}
	}
	walk("", reflect.TypeFor[config.Config]())
	return keys, leaves
}

var (
	fileExt      = regexp.MustCompile(`^[\w.-]+\.(go|sh|py|md|yaml|yml|json|txt|xml|properties|golden|in|csv|safetensors|parquet)$`)
	testName     = regexp.MustCompile(`^(Test|Benchmark|Fuzz|Example)[A-Z_0-9]\w*`)
	pathLike     = regexp.MustCompile(`^[a-z.][\w.*{},/-]*$`)
	dotted       = regexp.MustCompile(`^[A-Za-z_]\w*(\.(\w+|\*))+$`)
	lowerSection = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	camel        = regexp.MustCompile(`^([A-Z][a-z0-9]\w*|[a-z][a-z0-9]*[A-Z]\w*)$`)
	recvMethod   = regexp.MustCompile(`^\(\*?(\w+)\)\.`)
	callArgs     = regexp.MustCompile(`^([\w.]+)\(.*\)$`)
	keyValue     = regexp.MustCompile(`^([a-z_]+(\.[a-z_]+)+): `)
)

// checker holds what the spans are checked against.
type checker struct {
	ix       *goIndex
	keys     map[string]bool
	sections map[string]bool
}

func newChecker(t *testing.T) *checker {
	keys, _ := configKeys()
	c := &checker{ix: loadIndex(t), keys: keys, sections: map[string]bool{}}
	for k := range keys {
		if !strings.Contains(k, ".") {
			c.sections[k] = true
		}
	}
	if !c.sections["kafka"] || !keys["state.ttl"] {
		t.Fatalf("config keys found by reflection lack kafka or state.ttl: %v", keys)
	}
	return c
}

// normalize strips what a span adds around the name it refers to.
func normalize(s string) string {
	if m := keyValue.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = recvMethod.ReplaceAllString(s, "$1.")
	if m := callArgs.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	return strings.TrimLeft(s, "*&[]")
}

// proseFile, proseDir and proseKey are the references read outside
// backquotes too: a relative file path with a known extension, a path
// under one of the repository's top-level directories (internal/lint), and
// section.key where the caller checks that section is a pipeline.yaml
// section.
var (
	proseFile = regexp.MustCompile(`(^|[\s(])([a-z][\w-]*(/[\w.-]+)*/[\w-]+\.(go|sh|py|md|yaml|yml))\b`)
	proseKey  = regexp.MustCompile(`(^|[\s(])([a-z][a-z_]*(\.[a-z][a-z0-9_]*)+)\b`)
	proseDir  = regexp.MustCompile(`(^|[\s(])([a-z][\w-]*/[\w./*{},-]*[\w/*}])`)
)

// proseRefs returns the file paths and config keys written without
// backquotes in line.
func (c *checker) proseRefs(line string) []string {
	line = backquoted.ReplaceAllString(line, " ")
	var out []string
	for _, m := range proseFile.FindAllStringSubmatch(line, -1) {
		out = append(out, m[2])
	}
	for _, m := range proseDir.FindAllStringSubmatch(line, -1) {
		first, _, _ := strings.Cut(m[2], "/")
		if st, err := os.Stat(filepath.Join(root, first)); err == nil && st.IsDir() && !fileExt.MatchString(filepath.Base(m[2])) {
			out = append(out, m[2]) // a path under a top-level directory
		}
	}
	for _, m := range proseKey.FindAllStringSubmatch(line, -1) {
		first, _, _ := strings.Cut(m[2], ".")
		if c.sections[first] && !fileExt.MatchString(m[2]) {
			out = append(out, m[2])
		}
	}
	return out
}

// checkSpan returns what is wrong with one span, or "" when it names
// nothing missing (or is not read as a reference).
func (c *checker) checkSpan(raw string) string {
	s := normalize(raw)
	if _, ok := externalPaths[s]; ok {
		return ""
	}
	if strings.ContainsAny(s, " \t") || s == "" {
		return ""
	}
	if m := testName.FindString(s); m != "" {
		if !c.ix.tests[m] {
			return fmt.Sprintf("no test function %s in any _test.go file", m)
		}
		return ""
	}
	if strings.Contains(s, "/") {
		first, _, _ := strings.Cut(s, "/")
		if !pathLike.MatchString(s) || strings.Contains(s, "..") || strings.Contains(first[1:], ".") {
			return "" // not a path, or outside the clone, or an import path (github.com/...)
		}
		return c.checkPath(s)
	}
	if fileExt.MatchString(s) {
		if !c.ix.allFile[s] {
			return fmt.Sprintf("no file named %s anywhere in the repository", s)
		}
		return ""
	}
	if dotted.MatchString(s) {
		return c.checkDotted(s)
	}
	if camel.MatchString(s) {
		if _, ok := externalNames[s]; !ok && !c.ix.names[s] && !c.ix.tests[s] {
			return fmt.Sprintf("no identifier %s is declared in the repository's non-test code", s)
		}
	}
	return ""
}

// checkPath expands {a,b} alternatives and requires every alternative to
// match a file or directory (a * glob at least one).
func (c *checker) checkPath(s string) string {
	for _, p := range expandBraces(s) {
		if strings.Contains(p, "*") {
			if m, _ := filepath.Glob(filepath.Join(root, p)); len(m) == 0 {
				return fmt.Sprintf("no file matches %s", p)
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			return fmt.Sprintf("no file or directory %s", p)
		}
	}
	return ""
}

func expandBraces(s string) []string {
	i := strings.Index(s, "{")
	j := strings.Index(s, "}")
	if i < 0 || j < i {
		return []string{s}
	}
	var out []string
	for _, alt := range strings.Split(s[i+1:j], ",") {
		out = append(out, expandBraces(s[:i]+alt+s[j+1:])...)
	}
	return out
}

func (c *checker) checkDotted(s string) string {
	if _, ok := externalNames[s]; ok {
		return ""
	}
	parts := strings.Split(s, ".")
	first := parts[0]
	lowerSecond := parts[1] == "*" || lowerSection.MatchString(parts[1])
	switch {
	case c.sections[first] && lowerSecond:
		return c.checkKey(s)
	case c.ix.byName[first] != nil:
		return c.checkPkgRef(c.ix.byName[first], parts[1:])
	case externalQualifiers[first] != "":
		return ""
	case localNames[first] != "":
		alias := strings.Split(localNames[first], ".")
		return c.checkPkgRef(c.ix.byName[alias[0]], append(alias[1:], parts[1:]...))
	case len(c.ix.types[first]) > 0:
		return c.checkTypeMember(first, parts[1])
	case !lowerSection.MatchString(first):
		return fmt.Sprintf("no type %s is declared in the repository", first)
	case !lowerSecond:
		return fmt.Sprintf("no package %s in the repository (nor a known external one)", first)
	case len(parts) == 2 && !kafkaConfigs[s]:
		return fmt.Sprintf("%s is neither a pipeline.yaml section nor a package nor a type", first)
	}
	return ""
}

func (c *checker) checkKey(s string) string {
	if prefix, ok := strings.CutSuffix(s, ".*"); ok {
		for k := range c.keys {
			if strings.HasPrefix(k, prefix+".") {
				return ""
			}
		}
		return fmt.Sprintf("no pipeline.yaml key under %s", prefix)
	}
	if !c.keys[s] {
		return fmt.Sprintf("no pipeline.yaml key %s (config.Config's yaml tags)", s)
	}
	return ""
}

func (c *checker) checkPkgRef(p *goPkg, parts []string) string {
	if !p.decls[parts[0]] {
		return fmt.Sprintf("package %s declares no %s", p.dir, parts[0])
	}
	if len(parts) > 1 && !c.ix.hasMember(p, parts[0], parts[1]) {
		return fmt.Sprintf("%s.%s has no field or method %s", p.dir, parts[0], parts[1])
	}
	return ""
}

func (c *checker) checkTypeMember(typ, m string) string {
	for _, p := range c.ix.types[typ] {
		if c.ix.hasMember(p, typ, m) {
			return ""
		}
	}
	return fmt.Sprintf("no type %s in the repository has a field or method %s", typ, m)
}

// TestDocsNameWhatExists: every reference in DESIGN.md and docs/design/
// names a file, package, identifier, test or config key that exists.
func TestDocsNameWhatExists(t *testing.T) {
	c := newChecker(t)
	read := 0
	for _, doc := range docFiles(t) {
		for _, s := range readSpans(t, doc) {
			read++
			if problem := c.checkSpan(s.text); problem != "" {
				t.Errorf("%s: %s", s.span, problem)
			}
		}
	}
	if read < 500 {
		t.Fatalf("read %d spans, want every design note", read)
	}
}

// TestSpanRules runs the rules over made-up spans, so that the docs test
// cannot pass by reading nothing. The spans that must pass are built from
// what the index holds today (the config package, which this test imports
// anyway), not from names another change may rename.
func TestSpanRules(t *testing.T) {
	c := newChecker(t)
	f := func(span string, wantProblem bool) {
		t.Helper()
		if got := c.checkSpan(span); (got != "") != wantProblem {
			t.Errorf("checkSpan(%q) = %q, want a problem: %v", span, got, wantProblem)
		}
	}
	p := c.ix.byDir["config"]
	if p == nil || len(p.files) < 2 {
		t.Fatal("no config package with two files in the index")
	}
	typ, member := someMember(t, p)
	_, leaves := configKeys()
	section, _, _ := strings.Cut(leaves[0], ".")
	// What exists.
	f("config/"+p.files[0], false)
	f("config/{"+strings.TrimSuffix(p.files[0], ".go")+","+strings.TrimSuffix(p.files[1], ".go")+"}.go", false)
	f("config/*.go", false)
	f("scripts/test.sh", false)
	f(leaves[0], false)
	f(section+".*", false)
	f(leaves[0]+": 5", false)
	f("config."+typ, false)
	f("config."+typ+"."+member, false)
	f("*config."+typ, false)
	f("(*"+typ+")."+member+"(x, y)", false)
	f(typ+"."+member, false)
	f("TestSpanRules/{a,b}", false)
	f("kafka.Writer", false)
	f("max.message.bytes", false)
	f("github.com/segmentio/kafka-go", false)
	f("../elsewhere/notes.md", false)
	f("rnncast run --model x", false)
	// What does not.
	f("internal/depcheck", true)
	f("config/nosuch.go", true)
	f("config/{"+strings.TrimSuffix(p.files[0], ".go")+",nosuch}.go", true)
	f("config/*.nosuch", true)
	f("state.key_ttl", true)
	f(section+".nosuch", true)
	f("config.Trainer", true)
	f("config."+typ+".NoSuch", true)
	f("depcheck.All", true)
	f(typ+".NoSuch", true)
	f("Trainer", true)
	f("runUntilNothing", true)
	f("TestNoSuchThing", true)
	f("nosuch.go", true)
	f("nosuchpkg.nosuch", true)
	f("stat.ttl", true)
}

// TestProseRefs: the few references read outside backquotes.
func TestProseRefs(t *testing.T) {
	c := newChecker(t)
	got := c.proseRefs("See internal/depcheck (and state.key_ttl), config/nosuch.go, `ignored/x.go`, and/or TLS/SASL.")
	want := []string{"config/nosuch.go", "internal/depcheck", "state.key_ttl"}
	if !slices.Equal(got, want) {
		t.Errorf("proseRefs = %q, want %q", got, want)
	}
	for _, r := range got {
		if c.checkSpan(r) == "" {
			t.Errorf("checkSpan(%q) found no problem", r)
		}
	}
}

// someMember returns the first type of p, in name order, that has a member,
// and its first member.
func someMember(t *testing.T, p *goPkg) (typ, member string) {
	t.Helper()
	for _, typ := range slices.Sorted(maps.Keys(p.members)) {
		if ms := slices.Sorted(maps.Keys(p.members[typ])); len(ms) > 0 && p.decls[typ] {
			return typ, ms[0]
		}
	}
	t.Fatalf("package %s has no type with a member", p.dir)
	return "", ""
}

// TestFileMap: DESIGN.md's file map lists every package directory (every
// directory with non-test .go files) and, under it, each of its non-test
// .go files, and names no file the directory lacks.
func TestFileMap(t *testing.T) {
	ix := loadIndex(t)
	entries := map[string][]span{} // package dir → the file spans of its entry
	var dir string
	for _, s := range readSpans(t, "DESIGN.md") {
		if s.section != "File map" || !strings.Contains(lineOf(t, s.span), "`"+s.text+"`") {
			continue // the map's entries are backquoted
		}
		if d, ok := strings.CutSuffix(s.text, "/"); ok {
			dir = d
			if _, dup := entries[dir]; dup {
				t.Errorf("%s: %s/ has a second entry", s.span, dir)
			}
			entries[dir] = []span{}
			continue
		}
		if dir != "" && strings.HasSuffix(s.text, ".go") && !strings.Contains(s.text, "/") {
			entries[dir] = append(entries[dir], s.span)
		}
	}
	if len(entries) == 0 {
		t.Fatal(`DESIGN.md has no "## File map" section with "- ` + "`dir/`" + `" entries`)
	}
	for d, files := range entries {
		p := ix.byDir[d]
		if p == nil {
			t.Errorf("DESIGN.md file map: %s/ is not a package directory (no non-test .go files)", d)
			continue
		}
		listed := map[string]bool{}
		for _, f := range files {
			listed[f.text] = true
			if !slices.Contains(p.files, f.text) {
				t.Errorf("%s: %s/ has no non-test file %s", f, d, f.text)
			}
		}
		for _, f := range p.files {
			if !listed[f] {
				t.Errorf("DESIGN.md file map: %s/ entry lacks %s", d, f)
			}
		}
	}
	for d := range ix.byDir {
		if _, ok := entries[d]; !ok {
			t.Errorf("DESIGN.md file map lacks package %s/ (files %v)", d, ix.byDir[d].files)
		}
	}
}

// TestPackagesTable: the first column of DESIGN.md's package table names
// package directories.
func TestPackagesTable(t *testing.T) {
	ix := loadIndex(t)
	n := 0
	for _, s := range readSpans(t, "DESIGN.md") {
		if s.section != "Packages" || !strings.HasPrefix(lineOf(t, s.span), "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(lineOf(t, s.span), "|"), "|")
		if !strings.Contains(first, "`"+s.text+"`") {
			continue
		}
		n++
		if ix.byDir[s.text] == nil {
			t.Errorf("%s: no package directory %s", s.span, s.text)
		}
	}
	if n < 10 {
		t.Fatalf("read %d packages from DESIGN.md's package table, want them all", n)
	}
}

var lines = map[string][]string{}

func lineOf(t *testing.T, s span) string {
	t.Helper()
	if lines[s.doc] == nil {
		b, err := os.ReadFile(filepath.Join(root, s.doc))
		if err != nil {
			t.Fatal(err)
		}
		lines[s.doc] = strings.Split(string(b), "\n")
	}
	return lines[s.doc][s.line-1]
}

// TestGoroutineAndLockTables: every goroutine start in non-test code (a go
// statement, context.AfterFunc, time.AfterFunc or a method call named Go,
// as sync.WaitGroup.Go) is named in DESIGN.md's
// "Goroutines and locks" section by the function that starts it (a method
// as Type.Method, or pkg.Type.Method), and every
// sync.Mutex or sync.RWMutex field as pkg.Type.field. (The names there are
// also checked to exist by TestDocsNameWhatExists.)
func TestGoroutineAndLockTables(t *testing.T) {
	ix := loadIndex(t)
	named := map[string]bool{}
	for _, s := range readSpans(t, "DESIGN.md") {
		if s.section == "Goroutines and locks" {
			parts := strings.Split(normalize(s.text), ".")
			for i := range parts { // pkg.Type.Method names Type.Method and Method too
				named[strings.Join(parts[i:], ".")] = true
			}
		}
	}
	starts, locks := 0, 0
	for _, p := range ix.byDir {
		for _, f := range p.asts {
			for _, fn := range goroutineStarts(f) {
				starts++
				if !named[fn] {
					t.Errorf("DESIGN.md goroutine table: %s/%s starts a goroutine in %s, which the table does not name",
						p.dir, filepath.Base(ix.fset.Position(f.Pos()).Filename), fn)
				}
			}
			for _, l := range mutexFields(f) {
				locks++
				if ref := filepath.Base(p.dir) + "." + l; !named[ref] {
					t.Errorf("DESIGN.md lock list: %s is not named (as `%s`)", ref, ref)
				}
			}
		}
	}
	if starts < 5 || locks < 5 {
		t.Fatalf("found %d goroutine starts and %d mutex fields, want the repository's", starts, locks)
	}
}

// goroutineStarts returns the name of the function declaration around each
// goroutine start in f: Func, or Type.Method for a method.
func goroutineStarts(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil {
			name = recvName(fd.Recv.List[0].Type) + "." + name
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				out = append(out, name)
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					break
				}
				x, _ := sel.X.(*ast.Ident)
				afterFunc := sel.Sel.Name == "AfterFunc" && x != nil && (x.Name == "context" || x.Name == "time")
				if afterFunc || sel.Sel.Name == "Go" { // sync.WaitGroup.Go, errgroup.Group.Go
					out = append(out, name)
				}
			}
			return true
		})
	}
	return out
}

// mutexFields returns Type.field for each sync.Mutex or sync.RWMutex field
// of a named struct type in f.
func mutexFields(f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return true
		}
		for _, fl := range st.Fields.List {
			sel, ok := fl.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Mutex" && sel.Sel.Name != "RWMutex" {
				continue
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "sync" {
				continue
			}
			for _, name := range fl.Names {
				out = append(out, ts.Name.Name+"."+name.Name)
			}
			if len(fl.Names) == 0 {
				out = append(out, ts.Name.Name+"."+sel.Sel.Name)
			}
		}
		return true
	})
	return out
}

// TestReadmeTables: README.md's configuration table has a row for every
// pipeline.yaml key and only for those; its metrics table names exactly
// the metrics the metrics package registers.
func TestReadmeTables(t *testing.T) {
	keys, leaves := configKeys()
	rows := tableKeys(t, "Configuration reference")
	for _, k := range rows {
		if !keys[k.text] {
			t.Errorf("%s: no pipeline.yaml key %s", k, k.text)
		}
	}
	for _, k := range leaves {
		if !slices.ContainsFunc(rows, func(s span) bool { return s.text == k }) {
			t.Errorf("README.md configuration reference lacks a row for %s", k)
		}
	}
	registered := metricNames(t)
	metrics := tableKeys(t, "Metrics reference")
	for _, m := range metrics {
		name, _, _ := strings.Cut(m.text, "{")
		if !registered[name] {
			t.Errorf("%s: the metrics package registers no %s", m, name)
		}
		delete(registered, name)
	}
	for name := range registered {
		t.Errorf("README.md metrics reference lacks a row for %s", name)
	}
	if len(rows) < 20 || len(metrics) < 10 {
		t.Fatalf("read %d config rows and %d metric rows from README.md, want the tables", len(rows), len(metrics))
	}
}

// tableKeys returns the first column's span of each table row in section.
func tableKeys(t *testing.T, section string) []span {
	t.Helper()
	var out []span
	for _, s := range readSpans(t, "README.md") {
		if s.section == section && strings.HasPrefix(lineOf(t, s.span), "| `"+s.text+"` |") {
			out = append(out, s.span)
		}
	}
	return out
}

// metricNames are the string literals of metrics' non-test code that are
// whole metric names.
func metricNames(t *testing.T) map[string]bool {
	t.Helper()
	p := loadIndex(t).byDir["metrics"]
	if p == nil {
		t.Fatal("no metrics package")
	}
	name := regexp.MustCompile(`^rnncast_[a-z_]+$`)
	out := map[string]bool{}
	for _, f := range p.asts {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && name.MatchString(s) {
					out[s] = true
				}
			}
			return true
		})
	}
	return out
}
