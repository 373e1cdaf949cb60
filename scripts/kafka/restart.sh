#!/usr/bin/env bash
# Restarts the test broker on <workdir>: same node, ports and log dir.
#
#   scripts/kafka/restart.sh [--kill] <workdir>
#
# --kill crashes it (SIGKILL) instead of a clean shutdown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/stop.sh" "$@"
"$here/start.sh" "${@: -1}"
