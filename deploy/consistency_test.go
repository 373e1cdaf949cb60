package deploy_test

import (
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/model"
)

// deployConfig is the path of the compose configuration inside the image
// (the Dockerfile copies deploy/pipeline.yaml there).
const deployConfig = "/etc/rnncast/pipeline.yaml"

func parseConfig(t *testing.T, rel string) *config.Config {
	t.Helper()
	c, err := config.Parse(readFile(t, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return c
}

func listenPort(t *testing.T, c *config.Config) string {
	t.Helper()
	_, port, err := net.SplitHostPort(c.HTTP.Listen)
	if err != nil {
		t.Fatalf("http.listen %q: %v", c.HTTP.Listen, err)
	}
	return port
}

// TestDeployConfigMatchesRoot checks that deploy/pipeline.yaml, the
// configuration the compose rnncast runs with, names the same topics, group
// and HTTP port as the repository's pipeline.yaml.
func TestDeployConfigMatchesRoot(t *testing.T) {
	rootCfg := parseConfig(t, "pipeline.yaml")
	dep := parseConfig(t, "deploy/pipeline.yaml")
	f := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("deploy/pipeline.yaml %s = %q, want %q as in pipeline.yaml", what, got, want)
		}
	}
	f("kafka.input_topic", dep.Kafka.InputTopic, rootCfg.Kafka.InputTopic)
	f("kafka.output_topic", dep.Kafka.OutputTopic, rootCfg.Kafka.OutputTopic)
	f("kafka.dead_letter_topic", dep.Kafka.DeadLetterTopic, rootCfg.Kafka.DeadLetterTopic)
	f("kafka.state_topic", dep.Kafka.StateTopic, rootCfg.Kafka.StateTopic)
	f("kafka.group", dep.Kafka.Group, rootCfg.Kafka.Group)
	f("http.listen port", listenPort(t, dep), listenPort(t, rootCfg))
	if host, _, _ := net.SplitHostPort(dep.HTTP.Listen); host != "0.0.0.0" && host != "" {
		t.Errorf("deploy/pipeline.yaml http.listen host = %q, want all interfaces in a container", host)
	}
}

// createdTopic is one kafka-topics.sh --create line of the topics service.
type createdTopic struct {
	partitions int
	compacted  bool
}

var topicLine = regexp.MustCompile(`--create\b.*--topic\s+(\S+)`)

func createdTopics(t *testing.T, s service) map[string]createdTopic {
	t.Helper()
	out := map[string]createdTopic{}
	for _, line := range strings.Split(strings.Join(s.args(), "\n"), "\n") {
		m := topicLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		args := strings.Fields(line)
		p, _ := flagValue(args, "partitions")
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Errorf("topics service: topic %s: --partitions %q: %v", m[1], p, err)
		}
		out[m[1]] = createdTopic{partitions: n, compacted: strings.Contains(line, "cleanup.policy=compact")}
	}
	return out
}

// TestComposeTopics checks that the topic-creation step creates every topic
// the compose configuration uses, the state topic compacted and
// co-partitioned with the input topic, and that the simulator writes to the
// input topic.
func TestComposeTopics(t *testing.T) {
	c := loadCompose(t)
	dep := parseConfig(t, "deploy/pipeline.yaml")
	topics := createdTopics(t, c.Services["topics"])
	for _, name := range []string{dep.Kafka.InputTopic, dep.Kafka.OutputTopic, dep.Kafka.DeadLetterTopic, dep.Kafka.StateTopic} {
		if _, ok := topics[name]; !ok {
			t.Errorf("topics service: does not create %q (created: %v)", name, topics)
		}
	}
	in, state := topics[dep.Kafka.InputTopic], topics[dep.Kafka.StateTopic]
	if !state.compacted {
		t.Errorf("topics service: state topic %q is not created with cleanup.policy=compact", dep.Kafka.StateTopic)
	}
	if state.partitions != in.partitions {
		t.Errorf("topics service: state topic has %d partitions, input topic %d: want equal", state.partitions, in.partitions)
	}
	sim, ok := c.Services["simulator"]
	if !ok {
		t.Fatal("docker-compose.yml: no simulator service")
	}
	if got, _ := flagValue(sim.args(), "topic"); got != dep.Kafka.InputTopic {
		t.Errorf("simulator --topic = %q, want the input topic %q", got, dep.Kafka.InputTopic)
	}
}

// TestComposeWiring checks the addresses between services: the brokers
// rnncast and the simulator dial are Kafka's advertised in-network listener,
// rnncast publishes its HTTP port and Prometheus scrapes it there, and
// rnncast runs the configuration file the Dockerfile installs.
func TestComposeWiring(t *testing.T) {
	c := loadCompose(t)
	dep := parseConfig(t, "deploy/pipeline.yaml")
	port := listenPort(t, dep)
	broker := advertisedBroker(t, c.Services["kafka"])

	rn, ok := c.Services["rnncast"]
	if !ok {
		t.Fatal("docker-compose.yml: no rnncast service")
	}
	if got := rn.env()[config.EnvBrokers]; got != broker {
		t.Errorf("rnncast %s = %q, want kafka's advertised listener %q", config.EnvBrokers, got, broker)
	}
	if !slices.Equal(dep.Kafka.Brokers, []string{broker}) {
		t.Errorf("deploy/pipeline.yaml kafka.brokers = %v, want [%s]", dep.Kafka.Brokers, broker)
	}
	if got, _ := flagValue(c.Services["simulator"].args(), "brokers"); got != broker {
		t.Errorf("simulator --brokers = %q, want %q", got, broker)
	}
	if got, _ := flagValue(rn.args(), "config"); got != deployConfig {
		t.Errorf("rnncast --config = %q, want %q (where the Dockerfile copies deploy/pipeline.yaml)", got, deployConfig)
	}
	if !slices.ContainsFunc(rn.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port) }) {
		t.Errorf("rnncast ports %v do not publish http.listen port %s", rn.Ports, port)
	}
	checkScrapeTarget(t, "rnncast:"+port)
	checkDockerfileCopiesConfig(t)
}

func advertisedBroker(t *testing.T, kafka service) string {
	t.Helper()
	for _, l := range strings.Split(kafka.env()["KAFKA_ADVERTISED_LISTENERS"], ",") {
		if addr, ok := strings.CutPrefix(l, "PLAINTEXT://"); ok {
			return addr
		}
	}
	t.Fatal("kafka service: no PLAINTEXT:// entry in KAFKA_ADVERTISED_LISTENERS")
	return ""
}

// checkScrapeTarget checks that deploy/prometheus.yml scrapes target.
func checkScrapeTarget(t *testing.T, target string) {
	t.Helper()
	var p struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy/prometheus.yml"), &p); err != nil {
		t.Fatalf("deploy/prometheus.yml: %v", err)
	}
	var all []string
	for _, sc := range p.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			all = append(all, st.Targets...)
		}
	}
	if !slices.Contains(all, target) {
		t.Errorf("deploy/prometheus.yml targets %v, want %s", all, target)
	}
}

func checkDockerfileCopiesConfig(t *testing.T) {
	t.Helper()
	if src := dockerfileSource(t, deployConfig); src != "deploy/pipeline.yaml" {
		t.Errorf("Dockerfile: %s comes from %q, want deploy/pipeline.yaml", deployConfig, src)
	}
}

// dockerfileSource returns the build-context path that a COPY (without
// --from) puts at dst in the image, or "" when none does.
func dockerfileSource(t *testing.T, dst string) string {
	t.Helper()
	_, _, copies := parseDockerfile(t)
	for _, c := range copies {
		if len(c) == 2 && c[1] == dst {
			return c[0]
		}
	}
	return ""
}

// TestComposeModel checks that the model file the compose rnncast serves is
// copied into the image from a file in the repository that loads, and that
// the simulator's event-time step is the model's interval.
func TestComposeModel(t *testing.T) {
	dep := parseConfig(t, "deploy/pipeline.yaml")
	src := dockerfileSource(t, dep.Model.Path)
	if src == "" {
		t.Fatalf("Dockerfile: no COPY puts a model at model.path %q", dep.Model.Path)
	}
	m, err := model.Load(filepath.Join(root, src))
	if err != nil {
		t.Fatalf("Dockerfile copies %s as the model: %v", src, err)
	}
	step, ok := flagValue(loadCompose(t).Services["simulator"].args(), "interval")
	d, err := time.ParseDuration(step)
	if !ok || err != nil || d != m.Meta.Interval {
		t.Errorf("simulator --interval %q, want the model's interval %v", step, m.Meta.Interval)
	}
}
