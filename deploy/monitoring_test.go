package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const dashboardPath = "deploy/grafana/dashboards/rnncast.json"

// requireReal reports whether CI asked that no test skip for a missing tool.
func requireReal() bool { return os.Getenv("RNNCAST_REQUIRE_REAL") == "1" }

// promtool returns promtool's path, skipping the test when it is absent
// unless RNNCAST_REQUIRE_REAL=1.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if requireReal() {
			t.Fatalf("promtool not found and RNNCAST_REQUIRE_REAL=1: run scripts/install-test-deps.sh")
		}
		t.Skip("promtool not found (Debian package prometheus); set RNNCAST_REQUIRE_REAL=1 to fail instead")
	}
	return p
}

func TestPrometheusConfig(t *testing.T) {
	bin := promtool(t)
	out, err := exec.Command(bin, "check", "config", filepath.Join(root, "deploy/prometheus.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config deploy/prometheus.yml: %v\n%s", err, out)
	}
}

// contractMetrics reads the metric names fixed in docs/contracts.md, with
// the series names Prometheus derives from each: a histogram also exposes
// _bucket, _sum and _count.
func contractMetrics(t *testing.T) map[string]bool {
	t.Helper()
	text := string(readFile(t, "docs/contracts.md"))
	_, section, ok := strings.Cut(text, "Metric names")
	if !ok {
		t.Fatal("docs/contracts.md: no \"Metric names\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	re := regexp.MustCompile(`(rnncast_\w+)(\{[^}]*\})?(\s*\(histogram\))?`)
	names := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(section, -1) {
		names[m[1]] = true
		if m[3] != "" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[m[1]+s] = true
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("docs/contracts.md: no rnncast_ metric names")
	}
	return names
}

// dashboard is the part of a Grafana dashboard JSON these tests read.
type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title      string     `json:"title"`
	Datasource datasource `json:"datasource"`
	Targets    []struct {
		Expr       string     `json:"expr"`
		Datasource datasource `json:"datasource"`
	} `json:"targets"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readFile(t, dashboardPath), &d); err != nil {
		t.Fatalf("%s: invalid JSON: %v", dashboardPath, err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: want a uid, a title and panels", dashboardPath)
	}
	return d
}

// exprs returns every PromQL expression of the dashboard, keyed by
// "panel title/refIndex".
func (d dashboard) exprs() map[string]string {
	out := map[string]string{}
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			out[fmt.Sprintf("%s/%d", p.Title, i)] = tg.Expr
		}
	}
	return out
}

var metricName = regexp.MustCompile(`\brnncast_[a-zA-Z0-9_:]+`)

// TestDashboardMetricNames checks that every dashboard query asks for
// rnncast metrics, only names that docs/contracts.md fixes, and that the
// dashboard covers what the issue asks for.
func TestDashboardMetricNames(t *testing.T) {
	known := contractMetrics(t)
	used := map[string]bool{}
	for where, expr := range loadDashboard(t).exprs() {
		names := metricName.FindAllString(expr, -1)
		if len(names) == 0 {
			t.Errorf("%s: query %q uses no rnncast_ metric", where, expr)
		}
		for _, n := range names {
			used[n] = true
			if !known[n] {
				t.Errorf("%s: metric %s is not in docs/contracts.md", where, n)
			}
		}
	}
	want := []string{
		"rnncast_records_in_total", "rnncast_forecasts_out_total", // throughput
		"rnncast_consumer_lag", "rnncast_end_to_end_latency_seconds_bucket", "rnncast_live_mae",
		"rnncast_dead_letters_total", "rnncast_keys", "rnncast_restore_seconds_count",
	}
	for _, n := range want {
		if !used[n] {
			t.Errorf("dashboard: no panel shows %s", n)
		}
	}
}

// TestDashboardDatasource checks that every panel and query names the data
// source that Grafana's provisioning creates.
func TestDashboardDatasource(t *testing.T) {
	var prov struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy/grafana/provisioning/datasources/prometheus.yml"), &prov); err != nil {
		t.Fatalf("grafana data source provisioning: %v", err)
	}
	if len(prov.Datasources) != 1 || prov.Datasources[0].URL != "http://prometheus:9090" {
		t.Fatalf("grafana data sources = %+v, want one at http://prometheus:9090", prov.Datasources)
	}
	want := datasource{Type: prov.Datasources[0].Type, UID: prov.Datasources[0].UID}
	for _, p := range loadDashboard(t).Panels {
		if p.Datasource != want {
			t.Errorf("panel %q: data source %+v, want %+v", p.Title, p.Datasource, want)
		}
		for _, tg := range p.Targets {
			if tg.Datasource != want {
				t.Errorf("panel %q: query data source %+v, want %+v", p.Title, tg.Datasource, want)
			}
		}
	}
}

// TestDashboardPromQL has promtool parse every dashboard query, written as
// recording rules, with Grafana's $__rate_interval replaced by a duration.
func TestDashboardPromQL(t *testing.T) {
	bin := promtool(t)
	exprs := loadDashboard(t).exprs()
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	rules := make([]rule, 0, len(keys))
	for i, k := range keys {
		expr := strings.ReplaceAll(exprs[k], "$__rate_interval", "1m")
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:query_%d", i), Expr: expr})
	}
	doc := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules (dashboard queries, keys %v): %v\n%s", keys, err, out)
	}
	if !slices.ContainsFunc(strings.Split(string(out), "\n"), func(l string) bool {
		return strings.Contains(l, fmt.Sprintf("%d rules found", len(rules)))
	}) {
		t.Errorf("promtool check rules: want %d rules found, got:\n%s", len(rules), out)
	}
}
