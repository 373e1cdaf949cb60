#!/usr/bin/env bash
# Stops the test broker that start.sh started on <workdir>, by the pid in
# <workdir>/broker.env and only if that pid is still this workdir's broker.
#
#   scripts/kafka/stop.sh [--kill] <workdir>
#
# Default: SIGTERM (a clean, controlled shutdown; SIGKILL after 60s).
# --kill: SIGKILL at once, a crash (the next start recovers the log).
# The workdir, its ports and its data stay, so start.sh can start it again.
set -euo pipefail
signal=TERM
if [ "${1:-}" = "--kill" ]; then
	signal=KILL
	shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--kill] <workdir>" >&2; exit 2; }
workdir=$(cd "$1" && pwd)
env_file=$workdir/broker.env
[ -f "$env_file" ] || { echo "stop.sh: no broker.env in $workdir" >&2; exit 1; }
pid=$(sed -n 's/^RNNCAST_KAFKA_PID=//p' "$env_file")

# is_ours: pid is the java process started on this workdir (not a reused pid).
is_ours() {
	grep -qaF "$workdir/server.properties" "/proc/$pid/cmdline" 2>/dev/null
}

# gone: pid has exited and released its sockets. A dying process's cmdline
# reads empty before its files are closed, so is_ours is not enough; and a
# JVM's main thread turns zombie while its other threads still hold the
# sockets, so a zombie counts as gone only once it is the last task left.
gone() {
	[ ! -e "/proc/$pid" ] && return 0
	local state tasks
	state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 0
	tasks=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
	[ -z "$state" ] && return 0
	{ [ "$state" = Z ] || [ "$state" = X ]; } && [ "$tasks" -le 1 ]
}

if [ -n "$pid" ] && is_ours; then
	kill -s "$signal" "$pid"
	for _ in $(seq 600); do
		gone && break
		sleep 0.1
	done
	if ! gone; then
		echo "stop.sh: broker $pid still running after 60s; sending SIGKILL" >&2
		kill -s KILL "$pid" 2>/dev/null || true
		while ! gone; do sleep 0.1; done
	fi
fi
sed -i 's/^RNNCAST_KAFKA_PID=.*/RNNCAST_KAFKA_PID=/' "$env_file"
