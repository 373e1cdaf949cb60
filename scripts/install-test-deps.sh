#!/usr/bin/env bash
# Installs the Debian packages that the web and deploy tests run for real:
#   chromium   headless browser for web's browser test (web/browser_test.go)
#   prometheus provides promtool for deploy's config and PromQL checks
# Idempotent: does nothing when both are on PATH. .ci/run calls it before the
# tests and sets RNNCAST_REQUIRE_REAL=1, so that those tests fail instead of
# skipping when a tool is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ "${#need[@]}" -eq 0 ]; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
command -v chromium >/dev/null
command -v promtool >/dev/null
