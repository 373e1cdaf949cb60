#!/usr/bin/env bash
# The ETT benchmark (shared/benchmarks/ett.md): trains rnncast with its default
# training settings on ETTh1 and ETTh2 (target OT, univariate, L = 336) for
# every horizon and both serving modes, then backtests each frozen model on
# the test split [11520, 14400) with the Repeat and seasonal-naive baselines.
# Runs one configuration at a time at low priority.
#
#   scripts/ett.sh                      # everything, into $TMPDIR/rnncast-ett
#   FILES=ETTh1 HORIZONS=96 MODES=stateful scripts/ett.sh
#
# Environment: DATA (default testdata/ett in the repository), OUT,
# FILES, HORIZONS, MODES, RNNCAST (a built binary; default: go build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$root/testdata/ett}"
OUT="${OUT:-${TMPDIR:-/tmp}/rnncast-ett}"
FILES="${FILES:-ETTh1 ETTh2}"
HORIZONS="${HORIZONS:-96 192 336 720}"
MODES="${MODES:-stateful window}"
if [[ -z "${RNNCAST:-}" ]]; then
	RNNCAST="$OUT/rnncast"
	mkdir -p "$OUT"
	(cd "$root" && go build -o "$RNNCAST" ./cmd/rnncast)
fi
[[ -f "$DATA/ETTh1.csv" ]] || { echo "ett.sh: no ETT data in $DATA" >&2; exit 1; }
mkdir -p "$OUT"
results="$OUT/results.txt"
for mode in $MODES; do
	for f in $FILES; do
		for h in $HORIZONS; do
			name="$f-$mode-H$h"
			start=$(date +%s)
			nice -n 10 "$RNNCAST" train -data "$DATA/$f.csv" -target OT -train-end 8640 -val-end 11520 \
				-mode "$mode" -horizon "$h" -window 336 -quiet -name "ett-$f" -version "$mode-H$h" \
				-out "$OUT/$name.safetensors" | tee "$OUT/$name.train.txt"
			secs=$(( $(date +%s) - start ))
			line=$("$RNNCAST" backtest -data "$DATA/$f.csv" -target OT -ett -model "$OUT/$name.safetensors" \
				-report "$OUT/$name" -parquet "$OUT/$name/forecasts.parquet")
			echo "$f $line train_seconds=$secs" | tee -a "$results"
		done
	done
done
