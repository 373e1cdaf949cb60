#!/usr/bin/env bash
# The fleet benchmark (BENCHMARKS.md, "Fleet"): every column of ETTh1 and ETTh2 a
# sensor, one model per file trained on all its columns with rnncast's default
# fleet settings (window mode, window scaling, L = 336), each sensor scored on
# its own train-standardized scale by `rnncast backtest -series all` (model.Runner,
# the code `rnncast run` forecasts with) over all 2881 − H test windows.
# Runs one configuration at a time at low priority.
#
#   scripts/fleet.sh                           # everything, into $TMPDIR/rnncast-fleet
#   FILES=ETTh1 HORIZONS=96 scripts/fleet.sh
#
# Prints one line per file and horizon:
#   fleet FILE H=96 mse=… mae=… repeat_mse=… seasonal_mse=… worse_than_repeat=N sensors=7 train_seconds=…
# (mse, mae: the mean over sensors, each on its own train-standardized scale) and
# writes each configuration's report, with every sensor's figures worst first
# (report.md, sensors.csv), to $OUT/FILE-fleet-H<h>/.
# Environment: DATA (default testdata/ett in the repository), OUT, FILES,
# HORIZONS, WINDOW (default 336), TRAIN_FLAGS (extra flags for rnncast
# train), RNNCAST (a built binary; default: go build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$root/testdata/ett}"
OUT="${OUT:-${TMPDIR:-/tmp}/rnncast-fleet}"
FILES="${FILES:-ETTh1 ETTh2}"
HORIZONS="${HORIZONS:-96 192 336 720}"
WINDOW="${WINDOW:-336}"
TRAIN_FLAGS="${TRAIN_FLAGS:-}"
if [[ -z "${RNNCAST:-}" ]]; then
	RNNCAST="$OUT/rnncast"
	mkdir -p "$OUT"
	(cd "$root" && go build -o "$RNNCAST" ./cmd/rnncast)
fi
[[ -f "$DATA/ETTh1.csv" ]] || { echo "fleet.sh: no ETT data in $DATA" >&2; exit 1; }
mkdir -p "$OUT"
results="$OUT/results.txt"
for f in $FILES; do
	for h in $HORIZONS; do
		name="$f-fleet-H$h"
		start=$(date +%s)
		# shellcheck disable=SC2086 # TRAIN_FLAGS is a list of flags.
		nice -n 10 "$RNNCAST" train -data "$DATA/$f.csv" -series all -train-end 8640 -val-end 11520 \
			-horizon "$h" -window "$WINDOW" -quiet -name "fleet-$f" -version "H$h" $TRAIN_FLAGS \
			-out "$OUT/$name.safetensors" | tee "$OUT/$name.train.txt"
		secs=$(( $(date +%s) - start ))
		line=$("$RNNCAST" backtest -data "$DATA/$f.csv" -series all -ett -model "$OUT/$name.safetensors" -out "$OUT/$name")
		# line: backtest fleet … rnncast MSE=m MAE=a repeat MSE=r MAE=… seasonal-naive MSE=s … sensors=7 … worse_than_repeat=N
		echo "$line" | awk -v f="$f" -v h="$h" -v secs="$secs" '
			{ for (i = 1; i <= NF; i++) {
				if ($i == "rnncast") { split($(i+1), a, "="); split($(i+2), b, "="); mse = a[2]; mae = b[2] }
				if ($i == "repeat") { split($(i+1), a, "="); rep = a[2] }
				if ($i == "seasonal-naive") { split($(i+1), a, "="); sea = a[2] }
				if ($i ~ /^worse_than_repeat=/) { split($i, a, "="); worse = a[2] }
				if ($i ~ /^sensors=/) { split($i, a, "="); n = a[2] }
			  }
			  printf "fleet %s H=%s mse=%s mae=%s repeat_mse=%s seasonal_mse=%s worse_than_repeat=%s sensors=%s train_seconds=%s\n",
				f, h, mse, mae, rep, sea, worse, n, secs }' | tee -a "$results"
	done
done
