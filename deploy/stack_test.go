package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/internal/kafkatest"
)

// stackJob is the scrape job of rnncast in deploy/prometheus.yml (the one
// liveScrapeConfig keeps).
const stackJob = "rnncast"

// stackWarmup replaces the demo model's warm-up (its window, 48 steps) in
// the test's configuration: with the compose simulator's one simulated hour
// per second, 48 steps are 48 s before the first forecast, most of the
// test's budget. Everything else the stack runs is as compose runs it.
const stackWarmup = 3

// TestStackWithoutDocker runs the docker-compose stack without Docker: the
// real Apache Kafka broker of scripts/test.sh (kafkatest.Real) with the
// topics the compose "topics" step creates, `rnncast run` with
// deploy/pipeline.yaml (brokers, topics, group, HTTP address and model path
// pointed at this test's), `rnncast simulate` with the compose simulator's
// flags, and Debian's Prometheus scraping rnncast with deploy/prometheus.yml.
// rnncast's metrics are read back through Prometheus's query API and
// compared with its own /metrics; every dashboard query must be accepted;
// rnncast must exit 0 on SIGTERM within its shutdown_timeout, and what it
// counted must agree with the topics' offsets.
func TestStackWithoutDocker(t *testing.T) {
	promBin := lookTool(t, "prometheus")
	kc := kafkatest.Real(t)
	bin := buildRnncast(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	comp := loadCompose(t)
	dep := parseConfig(t, "deploy/pipeline.yaml")
	brokers := strings.Join(kc.Brokers, ",")

	// The compose "topics" step, on this test's topic names.
	topics := map[string]string{} // compose name → this test's name
	for _, spec := range composeTopicSpecs(t, comp.Services["topics"]) {
		name := kafkatest.Name(t, spec.name)
		kc.CreateTopic(t, name, spec.partitions, spec.configs)
		topics[spec.name] = name
	}
	for _, tp := range []string{dep.Kafka.InputTopic, dep.Kafka.OutputTopic, dep.Kafka.DeadLetterTopic, dep.Kafka.StateTopic} {
		if topics[tp] == "" {
			t.Fatalf("docker-compose.yml topics step does not create %q (creates %v)", tp, topics)
		}
	}
	group := kafkatest.Name(t, dep.Kafka.Group)

	// rnncast run, as the compose rnncast service runs it.
	rnncastAddr := freeAddr(t)
	cfgPath, cfg := stackConfig(t, dep, topics, group, kc.Brokers, rnncastAddr)
	// The compose topics pass rnncast's own check (partitions, cleanup
	// policies, the dead-letter topic's record size).
	check := exec.CommandContext(ctx, bin, "topics", "check", "--config", cfgPath)
	check.Env = stackEnv([]string{config.EnvBrokers}, config.EnvBrokers+"="+brokers)
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("rnncast topics check of the compose topics: %v\n%s", err, out)
	}
	svc := comp.Services["rnncast"]
	runArgs := replaceFlags(t, "rnncast service", svc.args(), map[string]string{"config": cfgPath})
	var runEnv []string
	for k, v := range svc.env() {
		if k == config.EnvBrokers {
			v = brokers
		}
		runEnv = append(runEnv, k+"="+v)
	}
	sort.Strings(runEnv)
	rnncast := startStackProc(t, stackEnv([]string{config.EnvBrokers}, runEnv...), bin, runArgs...)

	// rnncast simulate with the compose simulator's flags.
	simArgs := comp.Services["simulator"].args()
	simTopic, _ := flagValue(simArgs, "topic")
	if topics[simTopic] == "" {
		t.Fatalf("simulator --topic %q is not a topic the compose stack creates", simTopic)
	}
	simArgs = replaceFlags(t, "simulator service", simArgs, map[string]string{"brokers": brokers, "topic": topics[simTopic]})
	sim := startStackProc(t, stackEnv([]string{config.EnvBrokers}), bin, simArgs...)

	// Prometheus with the compose flags, deploy/prometheus.yml pointed at
	// this rnncast, and its data and port of this test's.
	promAddr := freeAddr(t)
	promData := t.TempDir() // before the process, so removed after it stops
	promArgs := replaceFlags(t, "prometheus service", argList(comp.Services["prometheus"].Command), map[string]string{
		"config.file": liveScrapeConfig(t, rnncastAddr)})
	promArgs = append(promArgs, "--storage.tsdb.path="+promData, "--web.listen-address="+promAddr)
	prom := startStackProc(t, stackEnv(nil), promBin, promArgs...)
	api := "http://" + promAddr

	// Everything flows: rnncast's counters reach Prometheus.
	procs := []*stackProc{rnncast, sim, prom}
	waitStack(t, ctx, api, procs, 60*time.Second, map[string]string{
		"sum(rnncast_records_in_total) > 0":                         "readings counted",
		"sum(rnncast_forecasts_out_total) > 0":                      "forecasts counted",
		`up{job="` + stackJob + `"} == 1`:                           "rnncast scraped",
		`up{job="` + stackJob + `",instance="` + rnncastAddr + `"}`: "the test's rnncast as the target",
	})

	// Prometheus's values lie between two direct reads of /metrics: wait
	// until a scrape after the first read is stored, then read again.
	counters := []string{"rnncast_records_in_total", "rnncast_forecasts_out_total", "rnncast_warmup_steps_total"}
	before := scrapeSums(t, ctx, rnncastAddr, counters)
	got := map[string]float64{}
	deadline := time.Now().Add(15 * time.Second)
	for _, name := range counters {
		for {
			v, err := promScalar(ctx, api, "sum("+name+`{job="`+stackJob+`"})`)
			if err == nil && v >= before[name] {
				got[name] = v
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Prometheus's %s stays below %v read from /metrics before (got %v, %v)", name, before[name], v, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	after := scrapeSums(t, ctx, rnncastAddr, counters)
	for _, name := range counters {
		if got[name] > after[name] {
			t.Errorf("%s: Prometheus has %v, more than /metrics read after it (%v)", name, got[name], after[name])
		}
		t.Logf("%s: /metrics %v ≤ Prometheus %v ≤ /metrics %v", name, before[name], got[name], after[name])
	}
	// Within one scrape, every reading counted in made at most one forecast,
	// warm-up step or dead letter (a reading is counted in when fetched,
	// before what it makes is counted).
	sel := `{job="` + stackJob + `"}`
	accounted := "sum(rnncast_forecasts_out_total" + sel + ") + sum(rnncast_warmup_steps_total" + sel +
		") + (sum(rnncast_dead_letters_total" + sel + ") or vector(0))"
	if res, err := promQuery(ctx, api, accounted+" > sum(rnncast_records_in_total"+sel+")"); err != nil {
		t.Error(err)
	} else if len(res) != 0 {
		t.Errorf("Prometheus: forecasts + warm-up steps + dead letters = %v, more than the readings counted in", res[0].Value[1])
	}
	compareModelInfo(t, ctx, api, rnncastAddr)

	// Every dashboard query runs against this Prometheus.
	exprs := loadDashboard(t).exprs()
	keys := slices.Sorted(maps.Keys(exprs))
	for _, k := range keys {
		if _, err := query(ctx, api, strings.ReplaceAll(exprs[k], "$__rate_interval", liveRate)); err != nil {
			t.Errorf("dashboard %s: %v", k, err)
		}
	}
	for _, k := range []string{"Readings in/0", "Forecasts out/0"} {
		waitQuery(t, ctx, api, strings.ReplaceAll(exprs[k], "$__rate_interval", liveRate), "dashboard "+k)
	}

	// SIGTERM: rnncast drains, commits and exits 0 within shutdown_timeout
	// (the simulator keeps producing meanwhile, as in the stack).
	final := scrapeSums(t, ctx, rnncastAddr, counters)
	start := time.Now()
	if !rnncast.stop(cfg.ShutdownTimeout) {
		t.Fatalf("rnncast did not exit within shutdown_timeout %v of SIGTERM", cfg.ShutdownTimeout)
	}
	if code := rnncast.exitCode(); code != 0 {
		t.Errorf("rnncast exited %d after SIGTERM, want 0", code)
	}
	t.Logf("rnncast exited %d, %v after SIGTERM", rnncast.exitCode(), time.Since(start).Round(time.Millisecond))
	if !sim.stop(35 * time.Second) { // a write in flight is finished (30 s bound)
		t.Fatal("rnncast simulate did not exit after SIGTERM")
	}
	if code := sim.exitCode(); code != 0 {
		t.Errorf("rnncast simulate exited %d after SIGTERM, want 0", code)
	}
	if !prom.stop(10 * time.Second) {
		t.Fatal("prometheus did not exit within 10 s of SIGTERM")
	}
	if code := prom.exitCode(); code != 0 {
		t.Errorf("prometheus exited %d after SIGTERM, want 0", code)
	}

	// What rnncast counted agrees with Kafka.
	in := kc.EndOffsets(t, topics[dep.Kafka.InputTopic])
	if n := sumOffsets(in); float64(n) < final["rnncast_records_in_total"] {
		t.Errorf("input topic holds %d records, rnncast counted %v in", n, final["rnncast_records_in_total"])
	}
	if n := sumOffsets(kc.EndOffsets(t, topics[dep.Kafka.OutputTopic])); float64(n) < final["rnncast_forecasts_out_total"] {
		t.Errorf("forecast topic holds %d records, rnncast counted %v acknowledged", n, final["rnncast_forecasts_out_total"])
	}
	committed := kc.CommittedOffsets(t, group, topics[dep.Kafka.InputTopic])
	if len(committed) == 0 {
		t.Errorf("group %s committed nothing on the input topic", group)
	}
	for p, off := range committed {
		if off > in[p] {
			t.Errorf("partition %d: committed %d beyond the end offset %d", p, off, in[p])
		}
	}
}

// topicSpec is one topic of the compose topics step.
type topicSpec struct {
	name       string
	partitions int
	configs    map[string]string
}

// composeTopicSpecs reads the kafka-topics.sh --create lines of the compose
// topics step: name, partitions and every --config.
func composeTopicSpecs(t *testing.T, s service) []topicSpec {
	t.Helper()
	var out []topicSpec
	for _, line := range strings.Split(strings.Join(s.args(), "\n"), "\n") {
		m := topicLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		args := strings.Fields(line)
		p, _ := flagValue(args, "partitions")
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			t.Fatalf("topics service: topic %s: --partitions %q", m[1], p)
		}
		if rf, ok := flagValue(args, "replication-factor"); ok && rf != "1" {
			t.Fatalf("topics service: topic %s: replication factor %s; the test broker has one node", m[1], rf)
		}
		spec := topicSpec{name: m[1], partitions: n, configs: map[string]string{}}
		for i, a := range args {
			if a == "--config" && i+1 < len(args) {
				k, v, _ := strings.Cut(args[i+1], "=")
				spec.configs[k] = v
			} else if v, ok := strings.CutPrefix(a, "--config="); ok {
				k, v, _ := strings.Cut(v, "=")
				spec.configs[k] = v
			}
		}
		out = append(out, spec)
	}
	if len(out) == 0 {
		t.Fatal("docker-compose.yml: the topics service creates no topic")
	}
	return out
}

// replaceFlags returns args with the value of each named flag replaced;
// every flag must be there (--name value or --name=value).
func replaceFlags(t *testing.T, what string, args []string, values map[string]string) []string {
	t.Helper()
	out := append([]string(nil), args...)
	for name, value := range values {
		found := false
		for i := 0; i < len(out); i++ {
			a := out[i]
			if !strings.HasPrefix(a, "-") {
				continue
			}
			n, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if n != name {
				continue
			}
			found = true
			if hasValue {
				out[i] = a[:strings.Index(a, "=")+1] + value
			} else if i+1 < len(out) {
				out[i+1] = value
				i++
			}
		}
		if !found {
			t.Fatalf("%s: no --%s in %v", what, name, args)
		}
	}
	return out
}

// stackConfig writes deploy/pipeline.yaml with this test's brokers, topics,
// group, HTTP address and model file (the one the Dockerfile copies to
// model.path), and returns its path and the configuration rnncast will load.
func stackConfig(t *testing.T, dep *config.Config, topics map[string]string, group string, brokers []string, listen string) (string, *config.Config) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(readFile(t, "deploy/pipeline.yaml"), &doc); err != nil {
		t.Fatal(err)
	}
	section := func(name string) map[string]any {
		m, _ := doc[name].(map[string]any)
		if m == nil {
			m = map[string]any{}
			doc[name] = m
		}
		return m
	}
	src := dockerfileSource(t, dep.Model.Path)
	if src == "" {
		t.Fatalf("Dockerfile: no COPY puts a model at model.path %q", dep.Model.Path)
	}
	modelPath, err := filepath.Abs(filepath.Join(root, src))
	if err != nil {
		t.Fatal(err)
	}
	k := section("kafka")
	k["brokers"] = brokers
	k["input_topic"] = topics[dep.Kafka.InputTopic]
	k["output_topic"] = topics[dep.Kafka.OutputTopic]
	k["dead_letter_topic"] = topics[dep.Kafka.DeadLetterTopic]
	k["state_topic"] = topics[dep.Kafka.StateTopic]
	k["group"] = group
	m := section("model")
	m["path"] = modelPath
	m["warmup"] = stackWarmup
	section("http")["listen"] = listen
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatalf("generated configuration:\n%s\n%v", data, err)
	}
	return path, cfg
}

// waitStack polls Prometheus until every query returns a series, failing
// after timeout or as soon as one of procs exits.
func waitStack(t *testing.T, ctx context.Context, api string, procs []*stackProc, timeout time.Duration, want map[string]string) {
	t.Helper()
	start := time.Now()
	pending := maps.Clone(want)
	var lastErr error
	for len(pending) > 0 {
		for _, p := range procs {
			if !p.running() {
				t.Fatalf("%s exited (status %d) while waiting for %v", p.name, p.exitCode(), slices.Sorted(maps.Values(pending)))
			}
		}
		for expr := range pending {
			n, err := query(ctx, api, expr)
			if err != nil {
				lastErr = err
			} else if n > 0 {
				delete(pending, expr)
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Since(start) > timeout || ctx.Err() != nil {
			t.Fatalf("after %v Prometheus still lacks %v (last error: %v)", timeout, slices.Sorted(maps.Keys(pending)), lastErr)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("stack up, rnncast's metrics in Prometheus after %v", time.Since(start).Round(time.Millisecond))
}

// scrapeMetrics reads rnncast's /metrics directly.
func scrapeMetrics(t *testing.T, ctx context.Context, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", res.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	return fams
}

// scrapeSums returns the sum over all series of each named counter or
// gauge, read from /metrics; a name not exposed is a failure.
func scrapeSums(t *testing.T, ctx context.Context, addr string, names []string) map[string]float64 {
	t.Helper()
	fams := scrapeMetrics(t, ctx, addr)
	out := map[string]float64{}
	for _, name := range names {
		f := fams[name]
		if f == nil {
			t.Fatalf("/metrics has no %s", name)
		}
		for _, m := range f.Metric {
			switch {
			case m.Counter != nil:
				out[name] += m.Counter.GetValue()
			case m.Gauge != nil:
				out[name] += m.Gauge.GetValue()
			case m.Untyped != nil:
				out[name] += m.Untyped.GetValue()
			}
		}
	}
	return out
}

// promSample is one series of an instant vector.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// promQuery asks Prometheus an instant query for a vector.
func promQuery(ctx context.Context, api, expr string) ([]promSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/query?query="+url.QueryEscape(expr), nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	if body.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %s, want vector", expr, body.Data.ResultType)
	}
	return body.Data.Result, nil
}

// promScalar asks for an expression of one series and returns its value.
func promScalar(ctx context.Context, api, expr string) (float64, error) {
	res, err := promQuery(ctx, api, expr)
	if err != nil {
		return 0, err
	}
	if len(res) != 1 {
		return 0, fmt.Errorf("query %q: %d series, want 1", expr, len(res))
	}
	s, ok := res[0].Value[1].(string)
	if !ok {
		return 0, fmt.Errorf("query %q: value %v", expr, res[0].Value)
	}
	return strconv.ParseFloat(s, 64)
}

// compareModelInfo checks that Prometheus's rnncast_model_info series has
// the labels rnncast exposes, and the job and instance of this test.
func compareModelInfo(t *testing.T, ctx context.Context, api, addr string) {
	t.Helper()
	fams := scrapeMetrics(t, ctx, addr)
	f := fams["rnncast_model_info"]
	if f == nil || len(f.Metric) != 1 {
		t.Fatalf("/metrics: want one rnncast_model_info series, got %v", f)
	}
	want := map[string]string{"__name__": "rnncast_model_info", "job": stackJob, "instance": addr}
	for _, l := range f.Metric[0].Label {
		want[l.GetName()] = l.GetValue()
	}
	res, err := promQuery(ctx, api, `rnncast_model_info{job="`+stackJob+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("Prometheus: %d rnncast_model_info series, want 1: %v", len(res), res)
	}
	if !maps.Equal(res[0].Metric, want) {
		t.Errorf("Prometheus rnncast_model_info labels %v, want %v (from /metrics)", res[0].Metric, want)
	}
	if v, _ := res[0].Value[1].(string); v != "1" {
		t.Errorf("Prometheus rnncast_model_info = %v, want 1", res[0].Value[1])
	}
}

func sumOffsets(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
