#!/usr/bin/env bash
# Stops every node of the test cluster that cluster-start.sh started on
# <workdir>, each by the pid in its broker.env and only if that pid is still
# that node's broker (stop.sh), all three at once.
#
#   scripts/kafka/cluster-stop.sh [--kill] <workdir>
#
# Default: SIGTERM (a controlled shutdown); --kill: SIGKILL at once. The
# workdir, ports and data stay: cluster-start.sh starts the same cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flags=()
if [ "${1:-}" = "--kill" ]; then
	flags=(--kill)
	shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--kill] <workdir>" >&2; exit 2; }
workdir=$(cd "$1" && pwd)
status=0
pids=()
for n in 1 2 3; do
	if [ -f "$workdir/node$n/broker.env" ]; then
		"$here/stop.sh" "${flags[@]}" "$workdir/node$n" &
		pids+=($!)
	fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
"$here/cluster-node.sh" env "$workdir" 2>/dev/null || true
exit "$status"
