#!/usr/bin/env bash
# The test command: runs every test tier (unit, in-process Kafka (kfake), a
# real Apache Kafka broker, kcat interop). It starts the real broker from
# Maven Central jars (scripts/kafka; fetched once into ~/.cache/rnncast),
# points the tests at it, and stops it by its pid when it exits, whatever
# happened. It installs nothing that needs root (.ci/run does that).
#
#   scripts/test.sh                  go vet ./... and go test ./...
#   scripts/test.sh ./ingest/... -run TestX -v
#                                    go test with these arguments instead
#
# Environment for the tests (see internal/kafkatest):
#   RNNCAST_KAFKA_BROKERS  the broker's bootstrap address
#   RNNCAST_KAFKA_WORKDIR  its scripts/kafka workdir (restart support)
#   RNNCAST_KAFKA_SASL_SSL_BROKERS, RNNCAST_KAFKA_TLS_CA, ...
#                          its TLS and SASL listeners (scripts/kafka/security.sh)
#   RNNCAST_REQUIRE_REAL=1 a test that needs the broker or kcat fails, never skips
# Knobs: RNNCAST_KAFKA_VERSION (default 3.9.2), RNNCAST_TEST_P (go test -p,
# default 2), RNNCAST_KEEP_KAFKA=1 keeps the broker's workdir for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

# The Debian packages the tiers need (kcat, chromium, promtool): installed
# here when missing and running as root, so that this one command works on
# a fresh machine; otherwise the tests that need them fail and say so.
if [ $# -eq 0 ]; then
	"$(dirname "$0")/install-test-deps.sh" </dev/null || echo "test.sh: continuing without them" >&2
fi

for tool in go java openssl; do
	command -v "$tool" >/dev/null || { echo "test.sh: $tool not found (see .ci/run for what the tests need)" >&2; exit 1; }
done
command -v kcat >/dev/null || echo "test.sh: kcat not found: the kcat interop tests will fail (apt-get install kcat)" >&2

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rnncast-kafka.XXXXXX")
finish() {
	local status=$?
	if [ -f "$workdir/broker.env" ]; then
		scripts/kafka/stop.sh "$workdir" || status=1
	fi
	# Private brokers of tests (kafkatest.StartBroker) live in the tests'
	# TempDirs under $workdir/tmp; a test binary that died (timeout, panic)
	# did not stop its own. stop.sh only signals a pid whose command line
	# names that broker's server.properties.
	find "$workdir/tmp" -name broker.env 2>/dev/null | while read -r env; do
		scripts/kafka/stop.sh --kill "$(dirname "$env")" || true
	done
	if [ "$status" -ne 0 ]; then
		for log in server.log stdout.log; do
			if [ -s "$workdir/logs/$log" ]; then
				echo "--- last 50 lines of the Kafka broker's $log ---" >&2
				tail -n 50 "$workdir/logs/$log" >&2
			fi
		done
	fi
	if [ "${RNNCAST_KEEP_KAFKA:-}" = 1 ]; then
		echo "test.sh: broker workdir kept: $workdir" >&2
	else
		rm -rf "$workdir"
	fi
	echo "test.sh: exit $status after $(($(date +%s) - started))s" >&2
	exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ $# -eq 0 ]; then
	go vet ./...
fi

# The shared broker also gets the TLS and SASL listeners (security.sh: a
# second or so of openssl at start) that the TestSASL* and TestTLS* tests use.
RNNCAST_KAFKA_SECURITY=1 scripts/kafka/start.sh "$workdir"
set -a
# shellcheck disable=SC1091
. "$workdir/broker.env"
set +a
export RNNCAST_REQUIRE_REAL=1

if [ $# -eq 0 ]; then
	set -- ./...
fi
mkdir -p "$workdir/tmp"
TMPDIR=$workdir/tmp go test -race -count=1 -p "${RNNCAST_TEST_P:-2}" -timeout 40m "$@"
