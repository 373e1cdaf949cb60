#!/usr/bin/env bash
# Stops, crashes or starts one node of the test cluster of cluster-start.sh,
# and rewrites <workdir>/cluster.env with the nodes' current pids.
#
#   scripts/kafka/cluster-node.sh stop|kill|start <workdir> <node 1-3>
#   scripts/kafka/cluster-node.sh env <workdir>     (only rewrite cluster.env)
#
# A node is a start.sh workdir (<workdir>/node<N>): stop and kill go through
# stop.sh (SIGTERM, a controlled shutdown, or SIGKILL, a crash; by the pid
# in its broker.env, only if that pid is still this node's java), start
# through start.sh (same ports and log dir; it waits until the node serves
# requests, which needs a quorum: two of the three controllers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 stop|kill|start <workdir> <node 1-3> | env <workdir>" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
workdir=$(cd "$2" && pwd)

# write_env: cluster.env from the nodes' broker.env and server.properties,
# atomically (a reader never sees half a file).
write_env() {
	local n props brokers="" lines=""
	for n in 1 2 3; do
		local dir=$workdir/node$n
		props=$dir/server.properties
		[ -f "$props" ] || { echo "cluster-node.sh: no node $n in $workdir" >&2; exit 1; }
		local port cport pid
		port=$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:||p' "$props")
		cport=$(sed -n 's|^listeners=.*CONTROLLER://127.0.0.1:||p' "$props")
		pid=$(sed -n 's/^RNNCAST_KAFKA_PID=//p' "$dir/broker.env" 2>/dev/null || true)
		brokers=${brokers:+$brokers,}127.0.0.1:$port
		lines+="RNNCAST_KAFKA_NODE${n}_DIR=$dir
RNNCAST_KAFKA_NODE${n}_PORT=$port
RNNCAST_KAFKA_NODE${n}_CONTROLLER_PORT=$cport
RNNCAST_KAFKA_NODE${n}_PID=$pid
"
	done
	local tmp # one per call: cluster-start.sh starts the three nodes at once
	tmp=$(mktemp "$workdir/cluster.env.XXXXXX")
	{
		echo "RNNCAST_KAFKA_BROKERS=$brokers"
		echo "RNNCAST_KAFKA_CLUSTER=$workdir"
		echo "RNNCAST_KAFKA_VERSION=$(cat "$workdir/version")"
		printf '%s' "$lines"
	} >"$tmp"
	mv "$tmp" "$workdir/cluster.env"
}

case $action in
env)
	[ $# -eq 2 ] || usage
	write_env
	exit 0
	;;
stop | kill | start) [ $# -eq 3 ] || usage ;;
*) usage ;;
esac
node=$3
case $node in 1 | 2 | 3) ;; *) usage ;; esac
dir=$workdir/node$node
[ -f "$dir/server.properties" ] || { echo "cluster-node.sh: no node $node in $workdir" >&2; exit 1; }

status=0
case $action in
stop) "$here/stop.sh" "$dir" || status=$? ;;
kill) "$here/stop.sh" --kill "$dir" || status=$? ;;
start)
	RNNCAST_KAFKA_VERSION=$(cat "$workdir/version") \
		RNNCAST_KAFKA_READY_TIMEOUT=${RNNCAST_KAFKA_READY_TIMEOUT:-180s} "$here/start.sh" "$dir" || status=$?
	;;
esac
write_env
exit "$status"
