#!/usr/bin/env bash
# Installs the Debian packages that the tests run for real:
#   chromium   headless browser for web's browser test (web/browser_test.go)
#   prometheus provides promtool for deploy's config and PromQL checks
#   kcat       the interop tests (a Kafka client no one here wrote)
#   openssl    the test broker's TLS certificates (scripts/kafka/security.sh)
# Idempotent: does nothing when all are on PATH. scripts/test.sh calls it before the
# tests and sets RNNCAST_REQUIRE_REAL=1, so that those tests fail instead of
# skipping when a tool is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${#need[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-test-deps.sh: missing ${need[*]}; run as root (or: sudo apt-get install ${need[*]})" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
command -v chromium >/dev/null
command -v promtool >/dev/null
command -v kcat >/dev/null
command -v openssl >/dev/null
