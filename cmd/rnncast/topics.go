package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/ingest"
)

func init() {
	register(command{name: "topics", summary: "create or check the input, output, dead-letter and state topics of a pipeline.yaml", run: runTopics})
}

const topicsSynopsis = `topics create|check [--config pipeline.yaml] [--brokers host:port,...] [--partitions 4] [--replication-factor N] [--input-retention-ms -1] [--tls ... --sasl-mechanism ...]`

const topicsAbout = `Creates (create) or checks (check) the topics a pipeline.yaml names:
kafka.input_topic, kafka.output_topic, kafka.dead_letter_topic and, with
state.enabled, kafka.state_topic. The output, dead-letter and state topics
have as many partitions as the input (co-partitioned: a sensor's forecasts,
dead letters and state live in its input partition's number); the state topic
is compacted, the others use cleanup.policy=delete; the dead-letter topic takes
records of at least 1048588 bytes (max.message.bytes; more when
dead_letter.max_bytes plus 4096 bytes of framing is larger), so that every
dead letter rnncast writes fits. create leaves an existing topic as it is and checks
it (running it twice is safe); check creates nothing. Each problem is printed,
naming the topic; either exits 1 when there is one.

A topic of historical readings replayed with their own old timestamps (rnncast
backtest -topic, or a run over a backfill) needs --input-retention-ms -1:
under the default 7-day retention the broker deletes older records soon after
they arrive (at the next retention check).

Examples:
  rnncast topics create --config pipeline.yaml
  rnncast topics create --config pipeline.yaml --partitions 12 --replication-factor 3
  rnncast topics check --config pipeline.yaml --brokers kafka-1:9092
  rnncast topics create --config backfill.yaml --input-retention-ms -1`

// deadLetterMessageBytes is the least max.message.bytes of the dead-letter
// topic: the broker's default message.max.bytes, or more when
// dead_letter.max_bytes (plus a record batch's framing) asks for it, so that
// every dead letter rnncast writes fits.
func deadLetterMessageBytes(c *config.Config) int {
	const brokerDefault, framing = 1048588, 4096
	return max(brokerDefault, c.DeadLetter.MaxBytes+framing)
}

// topicsOptions are the flags of rnncast topics.
type topicsOptions struct {
	action, configPath, brokers string
	partitions, replication     int
	inputRetentionMs            int64
	set                         map[string]bool
	kafka                       *kafkaFlags // override the config's kafka.tls and kafka.sasl
}

func topicsFlagSet(o *topicsOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("topics", topicsSynopsis, topicsAbout, stderr)
	fs.StringVar(&o.configPath, "config", "pipeline.yaml", "pipeline configuration whose kafka.* topics (and state.enabled) are created or checked")
	fs.StringVar(&o.brokers, "brokers", "", "comma-separated bootstrap brokers (default: kafka.brokers of --config, or RNNCAST_BROKERS)")
	fs.IntVar(&o.partitions, "partitions", 4, "partitions of the input topic when it is created; when given, an existing input topic must have this many (the other topics always get the input's count)")
	fs.IntVar(&o.replication, "replication-factor", -1, "replicas per partition of the topics created (-1: the broker's default.replication.factor); when given, existing topics must have it")
	o.kafka = addKafkaFlags(fs)
	fs.Int64Var(&o.inputRetentionMs, "input-retention-ms", 0, "retention.ms of the input topic (-1: kept forever, for readings replayed with old timestamps); when given, an existing input topic must have it (default: the broker's)")
	return fs
}

func runTopics(args []string, stdout, stderr io.Writer) int {
	o := topicsOptions{}
	fs := topicsFlagSet(&o, stderr)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		o.action, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.action == "" && fs.NArg() == 1 {
		o.action = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rnncast topics: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if o.action != "create" && o.action != "check" {
		fmt.Fprintf(stderr, "rnncast topics: want create or check, got %q (see rnncast topics --help)\n", o.action)
		return 2
	}
	o.set = setFlags(fs)
	ctx, stop := commandContext(0)
	defer stop()
	problems, err := topics(ctx, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, errorLine("topics "+o.action, err))
		return 1
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "rnncast topics %s: %s\n", o.action, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "rnncast topics %s: %d problem(s)\n", o.action, len(problems))
		return 1
	}
	return 0
}

// topicRole is one topic of the config and the role it plays.
type topicRole struct {
	role string
	spec ingest.TopicSpec
}

// topics creates (o.action create) the missing topics and checks the
// existing ones; it prints one line per topic to stdout and returns the
// problems, each naming its topic.
func topics(ctx context.Context, o topicsOptions, stdout io.Writer) ([]string, error) {
	c, err := config.Load(o.configPath)
	if err != nil {
		return nil, err
	}
	if o.brokers != "" {
		c.Kafka.Brokers = strings.Split(o.brokers, ",")
	}
	o.kafka.apply(&c.Kafka)
	brokers := c.Kafka.Brokers
	conn, err := connectKafka(ctx, c.Kafka)
	if err != nil {
		return nil, err
	}
	dialer := conn.Dialer()
	names := []string{c.Kafka.InputTopic, c.Kafka.OutputTopic, c.Kafka.DeadLetterTopic}
	if c.State.Enabled {
		names = append(names, c.Kafka.StateTopic)
	}
	have, err := ingest.DescribeTopics(ctx, brokers, dialer, names...)
	if err != nil {
		return nil, err
	}
	roles := topicRoles(c, o, have)
	var problems []string
	var missing []ingest.TopicSpec
	for _, r := range roles {
		info, ok := have[r.spec.Name]
		switch {
		case ok:
			for _, p := range r.spec.Problems(info) {
				problems = append(problems, fmt.Sprintf("topic %s (%s) %s", r.spec.Name, r.role, p))
			}
			fmt.Fprintf(stdout, "topic %s (%s): exists: %s\n", r.spec.Name, r.role, describeTopic(info))
		case o.action == "create":
			missing = append(missing, r.spec)
		default:
			problems = append(problems, fmt.Sprintf("topic %s (%s) does not exist (rnncast topics create makes it)", r.spec.Name, r.role))
		}
	}
	if len(missing) == 0 {
		return problems, nil
	}
	if err := ingest.CreateTopics(ctx, brokers, dialer, missing...); err != nil {
		return problems, err
	}
	for _, r := range roles {
		if _, ok := have[r.spec.Name]; !ok {
			fmt.Fprintf(stdout, "topic %s (%s): created: %s\n", r.spec.Name, r.role, describeSpec(r.spec))
		}
	}
	return problems, nil
}

// topicRoles returns the spec of each topic of c: the input's partitions
// are its own (or --partitions), the others the input's.
func topicRoles(c *config.Config, o topicsOptions, have map[string]ingest.TopicInfo) []topicRole {
	n := o.partitions
	if in, ok := have[c.Kafka.InputTopic]; ok && !o.set["partitions"] {
		n = in.Partitions
	}
	spec := func(name string) ingest.TopicSpec {
		return ingest.TopicSpec{Name: name, Partitions: n, ReplicationFactor: o.replication, CheckReplication: o.set["replication-factor"]}
	}
	in, out, dead := spec(c.Kafka.InputTopic), spec(c.Kafka.OutputTopic), spec(c.Kafka.DeadLetterTopic)
	out.CoPartitioned, dead.CoPartitioned = in.Name, in.Name
	if o.set["input-retention-ms"] {
		in.RetentionMs = &o.inputRetentionMs
	}
	dead.MinMessageBytes = deadLetterMessageBytes(c)
	roles := []topicRole{{"input", in}, {"output", out}, {"dead letters", dead}}
	if c.State.Enabled {
		st := spec(c.Kafka.StateTopic)
		st.Compacted, st.CoPartitioned = true, in.Name
		roles = append(roles, topicRole{"state", st})
	}
	return roles
}

func describeTopic(info ingest.TopicInfo) string {
	return fmt.Sprintf("%d partitions, replication factor %d, cleanup.policy=%s, retention.ms=%s, max.message.bytes=%s",
		info.Partitions, info.Replication, info.Configs["cleanup.policy"], info.Configs["retention.ms"], info.Configs["max.message.bytes"])
}

func describeSpec(s ingest.TopicSpec) string {
	rf := "the broker's default"
	if s.ReplicationFactor > 0 {
		rf = fmt.Sprint(s.ReplicationFactor)
	}
	policy, extra := "delete", ""
	if s.Compacted {
		policy = "compact"
	}
	if s.RetentionMs != nil {
		extra += fmt.Sprintf(", retention.ms=%d", *s.RetentionMs)
	}
	if s.MinMessageBytes > 0 {
		extra += fmt.Sprintf(", max.message.bytes=%d", s.MinMessageBytes)
	}
	return fmt.Sprintf("%d partitions, replication factor %s, cleanup.policy=%s%s", s.Partitions, rf, policy, extra)
}
