#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft) for tests, in the
# background, and waits until it serves Kafka requests.
#
#   scripts/kafka/start.sh <workdir>
#
# On a new workdir it picks two free ports on 127.0.0.1, writes
# <workdir>/server.properties and formats <workdir>/data. On a workdir that
# already has them (a stopped broker), it starts the same broker again on
# the same ports and log dir: that is how a restart keeps its data.
# When ready it writes <workdir>/broker.env:
#   RNNCAST_KAFKA_BROKERS=127.0.0.1:<port>  RNNCAST_KAFKA_PID=<pid>
#   RNNCAST_KAFKA_WORKDIR=<workdir>         RNNCAST_KAFKA_VERSION=<version>
# Logs: <workdir>/logs/server.log (broker), <workdir>/logs/stdout.log (JVM).
#   RNNCAST_KAFKA_VERSION        broker version (default 3.9.2; a restart keeps
#                                the version recorded in the workdir)
#   RNNCAST_KAFKA_READY_TIMEOUT  how long to wait for readiness (default 90s)
#   RNNCAST_KAFKA_SECURITY=1     on a new workdir, also TLS and SASL listeners
#                                (SASL_SSL, SCRAM512, SSL with mutual TLS; see
#                                security.sh), their addresses, CA and
#                                certificates added to broker.env. Default off.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <workdir>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=${RNNCAST_KAFKA_VERSION:-3.9.2}
mkdir -p "$1"
workdir=$(cd "$1" && pwd)
env_file=$workdir/broker.env

# A broker already running on this workdir is an error, not a second start.
# A restart keeps the version the workdir's log was written by.
if [ -f "$env_file" ]; then
	recorded=$(sed -n 's/^RNNCAST_KAFKA_VERSION=//p' "$env_file")
	if [ -n "$recorded" ] && [ "$recorded" != "$version" ]; then
		if [ -n "${RNNCAST_KAFKA_VERSION:-}" ]; then
			echo "start.sh: $workdir holds a Kafka $recorded broker; RNNCAST_KAFKA_VERSION=$version" >&2
			exit 1
		fi
		version=$recorded
	fi
	pid=$(sed -n 's/^RNNCAST_KAFKA_PID=//p' "$env_file")
	if [ -n "$pid" ] && grep -qaF "$workdir/server.properties" "/proc/$pid/cmdline" 2>/dev/null; then
		echo "start.sh: a broker (pid $pid) is already running on $workdir" >&2
		exit 1
	fi
fi

jars=$(RNNCAST_KAFKA_VERSION=$version "$here/fetch.sh")
probe=$workdir/kafkaprobe
if [ ! -x "$probe" ]; then
	(cd "$repo" && go build -o "$probe" ./internal/kafkatest/kafkaprobe)
fi

props=$workdir/server.properties
if [ ! -f "$props" ]; then
	if [ "${RNNCAST_KAFKA_SECURITY:-}" = 1 ]; then
		read -r port cport sasl_port scram_port ssl_port < <("$probe" ports 5)
	else
		read -r port cport < <("$probe" ports 2)
	fi
	sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$cport|g" -e "s|@DATA_DIR@|$workdir/data|g" \
		"$here/server.properties.in" >"$props.tmp"
	if [ "${RNNCAST_KAFKA_SECURITY:-}" = 1 ]; then
		"$here/security.sh" "$props.tmp" "$port" "$cport" "$sasl_port" "$scram_port" "$ssl_port"
	fi
	mv "$props.tmp" "$props"
fi
port=$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:\([0-9]*\).*|\1|p' "$props")
mkdir -p "$workdir/logs"

# Kafka 3.x logs through reload4j (log4j 1 config), 4.x through log4j2.
log_opt="-Dlog4j.configuration=file:$here/log4j.properties"
if compgen -G "$jars/log4j-core-2*.jar" >/dev/null; then
	log_opt="-Dlog4j2.configurationFile=$here/log4j2.properties"
fi

# A test broker on a small shared machine: C1 only (less JIT work at start),
# serial GC (fewer threads); at test volumes neither costs throughput.
java_opts=(-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError
	-Djava.awt.headless=true
	"-Dkafka.logs.dir=$workdir/logs" "$log_opt"
	-cp "$jars/*")

if [ ! -f "$workdir/data/meta.properties" ]; then
	# SCRAM users (security.sh) exist from the start: KRaft stores them in
	# the metadata log the format writes.
	scram_args=()
	if [ -f "$workdir/scram.args" ]; then
		mapfile -t scram_args <"$workdir/scram.args"
	fi
	java "${java_opts[@]}" kafka.tools.StorageTool format \
		-t "$("$probe" uuid)" -c "$props" "${scram_args[@]}" >>"$workdir/logs/stdout.log" 2>&1 || {
		echo "start.sh: cannot format $workdir/data:" >&2
		tail -n 20 "$workdir/logs/stdout.log" >&2
		exit 1
	}
fi

# setsid: the broker gets its own session, so a terminal's Ctrl-C or the end
# of this script does not signal it; stop.sh stops it by its pid.
setsid java "${java_opts[@]}" kafka.Kafka "$props" >>"$workdir/logs/stdout.log" 2>&1 </dev/null &
pid=$!
cat >"$env_file" <<ENV
RNNCAST_KAFKA_BROKERS=127.0.0.1:$port
RNNCAST_KAFKA_PID=$pid
RNNCAST_KAFKA_WORKDIR=$workdir
RNNCAST_KAFKA_VERSION=$version
ENV
if [ -f "$workdir/security.env" ]; then
	cat "$workdir/security.env" >>"$env_file"
fi

if ! "$probe" ready -brokers "127.0.0.1:$port" -pid "$pid" -timeout "${RNNCAST_KAFKA_READY_TIMEOUT:-90s}" >&2; then
	echo "start.sh: broker did not become ready; last lines of its logs:" >&2
	tail -n 40 "$workdir/logs/server.log" "$workdir/logs/stdout.log" >&2 || true
	"$here/stop.sh" --kill "$workdir" >&2 || true
	exit 1
fi
echo "start.sh: Apache Kafka $version (pid $pid) serving on 127.0.0.1:$port, workdir $workdir" >&2
