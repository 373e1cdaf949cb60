#!/usr/bin/env bash
# Soak and overload benchmark of rnncast on a real Kafka broker (a
# benchmark, not a test: it prints figures and checks them, and exits 1
# when a check fails).
#
#   scripts/soak.sh [--short]
#
# Phases, one `rnncast run` process throughout (`rnncast simulate`
# produces; a private broker from scripts/kafka, stopped by its pid):
#   1. max rate: a ramp from SOAK_RAMP_START records/s, SOAK_RAMP_STEP per
#      step, each SOAK_RAMP_FACTOR times faster, until rnncast falls
#      behind: the last rate it kept up with is the
#      maximum (SOAK_MAX_RATE gives it and skips the ramp). The ramp
#      runs again, from that maximum, just before phase 3 (the machine's
#      other load may have changed).
#   2. soak: SOAK_DURATION at half the maximum rate. Checked after
#      SOAK_WARMUP: RSS within ±SOAK_RSS_PCT % of its mean, goroutines flat
#      (the second half's mean at most SOAK_GOROUTINE_SLACK above the
#      first half's), lag bounded (never above
#      SOAK_LAG_SECONDS s of input), no dead letter.
#   3. overload: SOAK_OVERLOAD at twice the (second) maximum: RSS at most
#      SOAK_OVERLOAD_RSS times the soak's mean (nothing unbounded), lag
#      grows; then the rate drops to zero and the lag must drain within
#      SOAK_DRAIN_TIMEOUT.
#   4. accounting: records produced (simulate's counts) = the topic's end
#      offsets = the group's committed offsets = records fetched =
#      forecasts + warm-up steps + dead letters + skipped.
# Every SOAK_SAMPLE it samples VmRSS (/proc/<pid>/status) and, from
# /metrics, go_goroutines, rnncast_consumer_lag (sum),
# rnncast_dead_letters_total and the counters, into <workdir>/samples.tsv.
#
# Defaults (the full run): SOAK_RAMP_STEP=5s SOAK_DURATION=10m
# SOAK_WARMUP=2m SOAK_OVERLOAD=2m SOAK_SAMPLE=5s; --short (CI, about a
# minute of load): SOAK_RAMP_STEP=3s SOAK_DURATION=30s SOAK_WARMUP=10s
# SOAK_OVERLOAD=10s SOAK_SAMPLE=2s. Any SOAK_* set in the environment wins.
# Others: SOAK_SENSORS=1000 SOAK_PARTITIONS=4 SOAK_RSS_PCT=5
# SOAK_GOROUTINE_SLACK=5 SOAK_LAG_SECONDS=5 SOAK_OVERLOAD_RSS=1.5
# SOAK_DRAIN_TIMEOUT=15m SOAK_RAMP_START=10000 SOAK_RAMP_FACTOR=1.5, SOAK_WORKDIR (default a new temporary directory,
# removed at the end unless SOAK_KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)

if [ "${1:-}" = "--short" ]; then
	: "${SOAK_RAMP_STEP:=3s}" "${SOAK_DURATION:=30s}" "${SOAK_WARMUP:=10s}" "${SOAK_OVERLOAD:=10s}" "${SOAK_SAMPLE:=2s}"
	shift
elif [ $# -gt 0 ]; then
	echo "usage: $0 [--short]   (parameters: SOAK_* environment variables, see the script's header)" >&2
	exit 2
fi
: "${SOAK_RAMP_STEP:=5s}" "${SOAK_DURATION:=10m}" "${SOAK_WARMUP:=2m}" "${SOAK_OVERLOAD:=2m}" "${SOAK_SAMPLE:=5s}"
: "${SOAK_SENSORS:=1000}" "${SOAK_PARTITIONS:=4}" "${SOAK_RSS_PCT:=5}" "${SOAK_GOROUTINE_SLACK:=5}"
: "${SOAK_LAG_SECONDS:=5}" "${SOAK_OVERLOAD_RSS:=1.5}" "${SOAK_DRAIN_TIMEOUT:=15m}"
: "${SOAK_RAMP_START:=10000}" "${SOAK_RAMP_FACTOR:=1.5}"

# seconds converts a Go-style duration (90s, 2m, 1m30s, 500ms) to seconds.
seconds() {
	awk -v d="$1" 'BEGIN {
		s = 0; n = ""
		for (i = 1; i <= length(d); i++) {
			c = substr(d, i, 1)
			if (c ~ /[0-9.]/) { n = n c; continue }
			if (substr(d, i, 2) == "ms") { s += n / 1000; i++; n = ""; continue }
			if (c == "h") s += n * 3600; else if (c == "m") s += n * 60; else if (c == "s") s += n
			else { print "bad"; exit }
			n = ""
		}
		if (n != "") { print "bad"; exit }
		print s
	}'
}
for v in SOAK_RAMP_STEP SOAK_DURATION SOAK_WARMUP SOAK_OVERLOAD SOAK_SAMPLE SOAK_DRAIN_TIMEOUT; do
	[ "$(seconds "${!v}")" != bad ] || { echo "soak.sh: $v=${!v} is not a duration (e.g. 30s, 10m)" >&2; exit 2; }
done

work=${SOAK_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/rnncast-soak.XXXXXX")}
mkdir -p "$work"
work=$(cd "$work" && pwd)
run_pid=""
sim_pid=""
finish() {
	local status=$?
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
		kill "$run_pid" 2>/dev/null || true
		wait "$run_pid" 2>/dev/null || true
	fi
	if [ -f "$work/kafka/broker.env" ]; then
		scripts/kafka/stop.sh "$work/kafka" || status=1
	fi
	if [ "$status" -ne 0 ] && [ -s "$work/run.log" ]; then
		echo "--- last 20 lines of rnncast run's log ---" >&2
		tail -n 20 "$work/run.log" >&2
	fi
	if [ "${SOAK_KEEP:-}" = 1 ] || [ -n "${SOAK_WORKDIR:-}" ]; then
		echo "soak.sh: workdir kept: $work" >&2
	else
		rm -rf "$work"
	fi
	echo "soak.sh: exit $status after $(($(date +%s) - started))s" >&2
	exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "soak.sh: $*" >&2; }

go build -o "$work/rnncast" ./cmd/rnncast
go build -o "$work/kafkaprobe" ./internal/kafkatest/kafkaprobe
scripts/kafka/start.sh "$work/kafka"
brokers=$(sed -n 's/^RNNCAST_KAFKA_BROKERS=//p' "$work/kafka/broker.env")
topic=soak-in
group=soak
read -r http_port < <("$work/kafkaprobe" ports 1)
metrics_url=http://127.0.0.1:$http_port/metrics

cat >"$work/pipeline.yaml" <<YAML
kafka:
  brokers: ["$brokers"]
  input_topic: $topic
  output_topic: soak-out
  dead_letter_topic: soak-dlq
  state_topic: soak-state
  group: $group
  start_offset: earliest
model:
  path: $repo/models/demo.safetensors
http:
  listen: 127.0.0.1:$http_port
log:
  level: warn
  format: text
YAML

# The demo model's interval (1h) is simulate's default; no malformed
# records, so every dead letter would come from load, and no gaps, so
# every round has every sensor (the next start is easy). Each run starts
# its event time after the last run's (sim_epoch): a run from the same
# start would replay old hours, dead-lettered as late.
sim_epoch=$(date -u -d 2026-01-01T00:00:00Z +%s)
simulate() { # rate duration
	"$work/rnncast" simulate --brokers "$brokers" --topic "$topic" --sensors "$SOAK_SENSORS" \
		--malformed-rate 0 --gap-rate 0 --rate "$1" --duration "$2" --seed "$RANDOM" --start "$(date -u -d "@$sim_epoch" +%Y-%m-%dT%H:%M:%SZ)"
}
produced=0
# simulate_bg rate duration: in the background; wait_sim waits, sets
# sim_n to its count (added to produced), sim_rate to count / duration
# and sim_s to its wall time.
simulate_bg() {
	sim_t0=$(date +%s.%N)
	sim_dur=$(seconds "$2")
	simulate "$@" >"$work/sim.out" 2>"$work/sim.err" &
	sim_pid=$!
}
wait_sim() {
	local status=0
	wait "$sim_pid" || status=$?
	sim_pid=""
	[ "$status" -eq 0 ] || { log "rnncast simulate failed:"; cat "$work/sim.err" >&2; exit 1; }
	sim_n=$(sed -n 's/^rnncast simulate: \([0-9]*\) records.*/\1/p' "$work/sim.out")
	# simulate paces by its own clock (what is due at rate since its start
	# is written), so n / duration is the rate it reached; its last write
	# may end after the duration (sim_s, the wall time, shows it).
	sim_s=$(awk -v a="$sim_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	sim_rate=$(awk -v n="$sim_n" -v d="$sim_dur" 'BEGIN { printf "%.0f", n / d }')
	produced=$((produced + sim_n))
	# Its last, maybe partial, round was hour sim_n / sensors.
	sim_epoch=$((sim_epoch + (sim_n / SOAK_SENSORS + 1) * 3600))
}

# metric name: the sum of every series of a metric (0 when absent).
scrape() { curl -fsS --max-time 5 "$metrics_url" >"$work/metrics.txt" 2>/dev/null; }
metric() {
	awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%.0f\n", s }' "$work/metrics.txt"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$run_pid/status"; }

# sample phase: one line of samples.tsv (and the values in globals).
echo -e "t\tphase\trss_kb\tgoroutines\tlag\tdead\trecords_in\tforecasts\twarmups\tskipped" >"$work/samples.tsv"
sample() {
	kill -0 "$run_pid" 2>/dev/null || { log "rnncast run exited"; exit 1; }
	scrape || { log "cannot scrape $metrics_url"; return 1; }
	s_rss=$(rss_kb)
	s_gor=$(metric go_goroutines)
	s_lag=$(metric rnncast_consumer_lag)
	s_dead=$(metric rnncast_dead_letters_total)
	s_in=$(metric rnncast_records_in_total)
	s_fc=$(metric rnncast_forecasts_out_total)
	s_warm=$(metric rnncast_warmup_steps_total)
	s_skip=$(metric rnncast_skipped_total)
	echo -e "$(($(date +%s) - started))\t$1\t$s_rss\t$s_gor\t$s_lag\t$s_dead\t$s_in\t$s_fc\t$s_warm\t$s_skip" >>"$work/samples.tsv"
}
# sample_for phase seconds: sample every SOAK_SAMPLE for that long.
sample_for() {
	local end=$(($(date +%s) + ${2%.*}))
	while [ "$(date +%s)" -lt "$end" ]; do
		sample "$1" || true
		sleep "$(seconds "$SOAK_SAMPLE")"
	done
}

failed=0
check() { # ok description
	if [ "$1" = 1 ]; then
		log "PASS $2"
	else
		log "FAIL $2"
		failed=1
	fi
}

# The forecasts with size-bounded retention (256 MiB per partition, 64 MiB
# segments): the full run writes ~11 GB otherwise, ~8 of it forecasts.
# The input keeps everything (~2 GB), so a long lag never runs past the
# log's start; its end offsets, which the accounting uses, are all kept.
"$work/kafkaprobe" create -brokers "$brokers" -partitions "$SOAK_PARTITIONS" "$topic"
"$work/kafkaprobe" create -brokers "$brokers" -partitions "$SOAK_PARTITIONS" \
	-config retention.bytes=268435456 -config segment.bytes=67108864 soak-out soak-dlq

# 1. The maximum rate.
start_run() {
	"$work/rnncast" run --config "$work/pipeline.yaml" >"$work/run.log" 2>&1 &
	run_pid=$!
	for _ in $(seq 300); do
		scrape && return 0
		kill -0 "$run_pid" 2>/dev/null || { log "rnncast run exited at start"; exit 1; }
		sleep 0.2
	done
	log "rnncast run serves no /metrics"
	exit 1
}
# wait_drained timeout_s: until rnncast has fetched every record produced
# and reports no lag.
wait_drained() {
	local deadline=$(($(date +%s) + ${1%.*}))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		sample drain || true
		[ "${s_lag:-1}" -eq 0 ] && [ "${s_in:-0}" -ge "$produced" ] && return 0
		sleep 0.5
	done
	return 1
}
# ramp from: sets max_rate by a ramp that starts at rate from. Each step
# runs SOAK_RAMP_STEP at SOAK_RAMP_FACTOR times the last rate, until
# rnncast fetches less than 95% of a step's records in its time or ends
# it more than 0.25 s of input behind (or simulate cannot produce the
# rate). The maximum is the last rate kept up with: the sustainable live
# rate, to within the factor (draining a backlog is another regime: its
# rate varied from a third to twice the live one between runs).
ramp() {
	local step_s rate=$1
	step_s=$(seconds "$SOAK_RAMP_STEP")
	max_rate=0
	for _ in $(seq 12); do
		in0=${s_in:-0}
		simulate_bg "$rate" "$SOAK_RAMP_STEP"
		sample_for ramp "$step_s"
		wait_sim
		sample ramp-step || true
		got=$sim_rate
		took=$(awk -v n="$((s_in - in0))" -v d="$sim_dur" 'BEGIN { printf "%.0f", n / d }')
		log "ramp: offered $rate records/s, produced $got/s, fetched $took/s, lag at the end $s_lag"
		if [ "$got" -lt $((rate * 9 / 10)) ]; then
			log "ramp: simulate cannot produce $rate records/s on this machine; the maximum is bounded by the producer"
			[ "$max_rate" -gt 0 ] || max_rate=$got
			break
		fi
		# Kept up: fetched 95% of what was produced, and less than a
		# quarter second of input left at the end of the step.
		if [ "$took" -lt $((got * 95 / 100)) ] || [ "$s_lag" -gt $((rate / 4)) ]; then
			[ "$max_rate" -gt 0 ] || max_rate=$took
			break
		fi
		max_rate=$rate
		rate=$(awk -v r="$rate" -v f="$SOAK_RAMP_FACTOR" 'BEGIN { printf "%.0f", r * f }')
	done
	wait_drained "$(seconds "$SOAK_DRAIN_TIMEOUT")" || { log "the ramp's backlog did not drain within $SOAK_DRAIN_TIMEOUT"; exit 1; }
	log "maximum rate: $max_rate records/s (the last ramp step kept up with)"
}
start_run
if [ -n "${SOAK_MAX_RATE:-}" ]; then
	max_rate=$SOAK_MAX_RATE
	log "maximum rate given: $max_rate records/s"
else
	ramp "$SOAK_RAMP_START"
fi
half=$((max_rate / 2))
double=$((max_rate * 2))

# 2. Soak at half the maximum rate.
soak_s=$(seconds "$SOAK_DURATION")
warm_s=$(seconds "$SOAK_WARMUP")
log "soak: $SOAK_DURATION at $half records/s ($SOAK_SENSORS sensors), warm-up $SOAK_WARMUP"
simulate_bg "$half" "$SOAK_DURATION"
sample_for warmup "$warm_s"
sample_for soak "$(awk -v a="$soak_s" -v b="$warm_s" 'BEGIN { print a - b }')"
wait_sim
n=$sim_n
log "soak: $n records produced in ${sim_s}s ($sim_rate records/s)"
sample soak-end || true

stats() { # phase column: mean min max
	awk -F'\t' -v p="$1" -v c="$2" 'NR > 1 && $2 == p { s += $c; k++; if (k == 1 || $c < lo) lo = $c; if ($c > hi) hi = $c }
		END { if (k == 0) { print "0 0 0"; exit } printf "%.0f %.0f %.0f\n", s / k, lo, hi }' "$work/samples.tsv"
}
read -r rss_mean rss_min rss_max < <(stats soak 3)
read -r gor_mean gor_min gor_max < <(stats soak 4)
read -r lag_mean lag_min lag_max < <(stats soak 5)
lag_bound=$((half * SOAK_LAG_SECONDS))
log "soak after warm-up: RSS mean $((rss_mean / 1024)) MiB, min $((rss_min / 1024)), max $((rss_max / 1024)); goroutines $gor_min-$gor_max; lag mean $lag_mean, max $lag_max"
check "$(awk -v m="$rss_mean" -v lo="$rss_min" -v hi="$rss_max" -v p="$SOAK_RSS_PCT" 'BEGIN { print (m > 0 && hi <= m * (1 + p / 100) && lo >= m * (1 - p / 100)) ? 1 : 0 }')" \
	"soak RSS within ±$SOAK_RSS_PCT% of its mean: $(awk -v m="$rss_mean" -v lo="$rss_min" -v hi="$rss_max" 'BEGIN { printf "%+.1f%% / %+.1f%%", (lo / m - 1) * 100, (hi / m - 1) * 100 }')"
# Flat: the second half's mean no more than the slack above the first
# half's (kafka-go starts a goroutine per batch in flight, so single
# samples vary by a few; a leak grows).
read -r gor_first gor_second < <(awk -F'\t' 'NR > 1 && $2 == "soak" { v[++k] = $4 }
	END { h = int(k / 2); for (i = 1; i <= k; i++) if (i <= h) a += v[i]; else b += v[i]; printf "%.1f %.1f\n", a / h, b / (k - h) }' "$work/samples.tsv")
check "$(awk -v a="$gor_first" -v b="$gor_second" -v s="$SOAK_GOROUTINE_SLACK" 'BEGIN { print (b - a <= s) ? 1 : 0 }')" \
	"soak goroutines flat: mean $gor_first in the first half, $gor_second in the second (slack $SOAK_GOROUTINE_SLACK; range $gor_min-$gor_max)"
check "$([ "$lag_max" -le "$lag_bound" ] && echo 1)" "soak lag bounded: max $lag_max <= $lag_bound ($SOAK_LAG_SECONDS s of input)"
check "$([ "$s_dead" -eq 0 ] && echo 1)" "no dead letters from load: $s_dead"

# 3. Overload at twice the maximum rate, then drain.
# The machine is shared: what it could do 10 minutes ago may be far
# from what it can do now, so the ramp runs again (from the last
# maximum) and the overload is twice its result.
if [ -z "${SOAK_MAX_RATE:-}" ]; then
	ramp "$max_rate"
	double=$((max_rate * 2))
fi
log "overload: $SOAK_OVERLOAD at $double records/s"
over_s=$(seconds "$SOAK_OVERLOAD")
lag_before=$s_lag
simulate_bg "$double" "$SOAK_OVERLOAD"
sample_for overload "$over_s"
wait_sim
n=$sim_n
sample overload-end || true
lag_peak=$s_lag
log "overload: $n records produced in ${sim_s}s ($sim_rate records/s); lag $lag_before -> $lag_peak"
read -r orss_mean orss_min orss_max < <(stats overload 3)
check "$(awk -v hi="$orss_max" -v m="$rss_mean" -v f="$SOAK_OVERLOAD_RSS" 'BEGIN { print (hi <= m * f) ? 1 : 0 }')" \
	"overload RSS bounded: max $((orss_max / 1024)) MiB <= $SOAK_OVERLOAD_RSS x soak mean $((rss_mean / 1024)) MiB"
check "$([ "$lag_peak" -gt $((lag_before + max_rate)) ] && echo 1)" "overload lag grows: $lag_before -> $lag_peak (more than 1 s of input)"

drain_start=$(date +%s.%N)
drain_deadline=$(($(date +%s) + $(seconds "$SOAK_DRAIN_TIMEOUT" | cut -d. -f1)))
drained=0
while [ "$(date +%s)" -lt "$drain_deadline" ]; do
	sample drain || true
	read -r end committed < <("$work/kafkaprobe" offsets -brokers "$brokers" -topic "$topic" -group "$group" | sed 's/end=\([0-9]*\) committed=\([0-9]*\)/\1 \2/')
	if [ "$s_lag" -eq 0 ] && [ "$committed" -eq "$end" ] && [ "$s_in" -ge "$end" ]; then
		drained=1
		break
	fi
	sleep 1
done
drain_s=$(awk -v a="$drain_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check "$drained" "lag drains once the rate drops: in ${drain_s}s (limit $SOAK_DRAIN_TIMEOUT)"

# 4. Every offset accounted for.
sleep 2
sample final || true
read -r end committed < <("$work/kafkaprobe" offsets -brokers "$brokers" -topic "$topic" -group "$group" | sed 's/end=\([0-9]*\) committed=\([0-9]*\)/\1 \2/')
sum=$((s_fc + s_warm + s_dead + s_skip))
log "accounting: produced $produced, end offsets $end, committed $committed, fetched $s_in, forecasts $s_fc + warm-ups $s_warm + dead letters $s_dead + skipped $s_skip = $sum"
check "$([ "$produced" -eq "$end" ] && [ "$end" -eq "$committed" ] && [ "$committed" -eq "$s_in" ] && [ "$s_in" -eq "$sum" ] && echo 1)" \
	"every offset accounted for"
read -r frss_mean frss_min frss_max < <(stats drain 3)
log "RSS: soak mean $((rss_mean / 1024)) MiB, overload max $((orss_max / 1024)) MiB, drain max $((frss_max / 1024)) MiB, final $((s_rss / 1024)) MiB; goroutines final $s_gor"
log "samples: $work/samples.tsv (kept with SOAK_KEEP=1)"
if [ "$failed" -ne 0 ]; then
	log "a check failed"
	exit 1
fi
log "every check passed"
