#!/usr/bin/env bash
# Runs every test tier: unit, in-process Kafka (kfake), and the real Apache
# Kafka broker tier (started here from Maven Central jars, stopped on exit).
set -euo pipefail
cd "$(dirname "$0")/.."

go vet ./...
go test -race -count=1 -timeout 30m ./...
