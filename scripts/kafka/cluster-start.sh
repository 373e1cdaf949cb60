#!/usr/bin/env bash
# Starts a three-node Apache Kafka cluster (KRaft) for tests, in the
# background, from the jars start.sh uses, and waits until every node
# serves Kafka requests.
#
#   scripts/kafka/cluster-start.sh <workdir>
#
# Each node is both broker and controller (node ids 1-3, the three
# controllers are the quorum's voters) and lives in <workdir>/node<N>, a
# workdir of start.sh: its own server.properties (from
# cluster.properties.in), data, logs and broker.env. Topics get replication
# factor 3 and min.insync.replicas 2 by default, the offsets topic RF 3.
# On a new workdir it picks six free ports on 127.0.0.1 and formats the
# three nodes with one cluster id; on a stopped cluster's workdir it starts
# the same nodes again on the same ports and log dirs.
# When ready it writes <workdir>/cluster.env:
#   RNNCAST_KAFKA_BROKERS=127.0.0.1:<port1>,127.0.0.1:<port2>,127.0.0.1:<port3>
#   RNNCAST_KAFKA_CLUSTER=<workdir>   RNNCAST_KAFKA_VERSION=<version>
#   RNNCAST_KAFKA_NODE<N>_DIR, _PORT, _CONTROLLER_PORT, _PID  (N = 1, 2, 3)
# cluster-node.sh stops, crashes and starts one node; cluster-stop.sh all.
#   RNNCAST_KAFKA_VERSION        broker version (default 3.9.2)
#   RNNCAST_KAFKA_READY_TIMEOUT  how long each node may take (default 180s:
#                                three JVMs start at once)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <workdir>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$1"
workdir=$(cd "$1" && pwd)
if [ -f "$workdir/version" ]; then
	version=$(cat "$workdir/version")
	if [ -n "${RNNCAST_KAFKA_VERSION:-}" ] && [ "$RNNCAST_KAFKA_VERSION" != "$version" ]; then
		echo "cluster-start.sh: $workdir holds a Kafka $version cluster; RNNCAST_KAFKA_VERSION=$RNNCAST_KAFKA_VERSION" >&2
		exit 1
	fi
else
	version=${RNNCAST_KAFKA_VERSION:-3.9.2}
fi
# A node already running is an error, and stays running (the failure
# path below crashes the nodes this script started).
for n in 1 2 3; do
	pid=$(sed -n 's/^RNNCAST_KAFKA_PID=//p' "$workdir/node$n/broker.env" 2>/dev/null || true)
	if [ -n "$pid" ] && grep -qaF "$workdir/node$n/server.properties" "/proc/$pid/cmdline" 2>/dev/null; then
		echo "cluster-start.sh: node $n (pid $pid) of $workdir is already running" >&2
		exit 1
	fi
done
jars=$(RNNCAST_KAFKA_VERSION=$version "$here/fetch.sh")
probe=$workdir/kafkaprobe
if [ ! -x "$probe" ]; then
	(cd "$repo" && go build -o "$probe" ./internal/kafkatest/kafkaprobe)
fi

if [ ! -f "$workdir/node3/server.properties" ]; then
	read -r -a ports < <("$probe" ports 6)
	voters="1@127.0.0.1:${ports[3]},2@127.0.0.1:${ports[4]},3@127.0.0.1:${ports[5]}"
	id=$("$probe" uuid)
	for n in 1 2 3; do
		dir=$workdir/node$n
		mkdir -p "$dir/logs"
		sed -e "s|@NODE_ID@|$n|g" -e "s|@PORT@|${ports[n - 1]}|g" -e "s|@CONTROLLER_PORT@|${ports[n + 2]}|g" \
			-e "s|@VOTERS@|$voters|g" -e "s|@DATA_DIR@|$dir/data|g" \
			"$here/cluster.properties.in" >"$dir/server.properties"
		cp "$probe" "$dir/kafkaprobe"
	done
	# All three nodes formatted with one cluster id (start.sh would give
	# each its own), in parallel: each is a JVM start.
	for n in 1 2 3; do
		dir=$workdir/node$n
		java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "-Dlog4j.configuration=file:$here/log4j.properties" \
			"-Dkafka.logs.dir=$dir/logs" -cp "$jars/*" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
			>>"$dir/logs/stdout.log" 2>&1 &
	done
	failed=0
	for _ in 1 2 3; do wait -n || failed=1; done
	if [ "$failed" -ne 0 ]; then
		echo "cluster-start.sh: cannot format the nodes' storage:" >&2
		tail -n 20 "$workdir"/node*/logs/stdout.log >&2
		exit 1
	fi
	echo "$version" >"$workdir/version"
fi

# The three start at once: a node is ready only once a quorum of
# controllers (two) runs and the offsets topic (RF 3) has all three.
pids=()
for n in 1 2 3; do
	"$here/cluster-node.sh" start "$workdir" "$n" >"$workdir/node$n/start.out" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
"$here/cluster-node.sh" env "$workdir"
if [ "$failed" -ne 0 ]; then
	echo "cluster-start.sh: the cluster did not become ready:" >&2
	cat "$workdir"/node*/start.out >&2
	"$here/cluster-stop.sh" --kill "$workdir" >&2 || true
	exit 1
fi
brokers=$(sed -n 's/^RNNCAST_KAFKA_BROKERS=//p' "$workdir/cluster.env")
echo "cluster-start.sh: Apache Kafka $version cluster of 3 nodes serving on $brokers, workdir $workdir" >&2
