#!/usr/bin/env bash
# One step ahead against persistence (BENCHMARKS.md, "One step ahead"): the
# course's Net (-cell rnn -layers 2 -hidden 32, L = 96, H = 1) and rnncast's
# default model (GRU, L = 96, H = 1), both serving modes, trained with the
# default settings on ETTh1 and ETTh2 OT, then the fleet model (every column,
# window mode) at H = 1; each backtested on the test split against Repeat.
# Prints one line per configuration:
#   onestep FILE MODEL MODE mse=… repeat_mse=… skill=… [worse_than_repeat=N sensors=7]
# Environment: DATA (default testdata/ett), OUT, FILES, RNNCAST (a built
# binary; default: go build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$root/testdata/ett}"
OUT="${OUT:-${TMPDIR:-/tmp}/rnncast-onestep}"
FILES="${FILES:-ETTh1 ETTh2}"
if [[ -z "${RNNCAST:-}" ]]; then
	RNNCAST="$OUT/rnncast"
	mkdir -p "$OUT"
	(cd "$root" && go build -o "$RNNCAST" ./cmd/rnncast)
fi
mkdir -p "$OUT"
results="$OUT/results.txt"
field() { echo "$1" | grep -o " $2=[0-9.e+-]*" | head -1 | cut -d= -f2; }
for f in $FILES; do
	for net in course default; do
		arch=()
		[[ $net == course ]] && arch=(-cell rnn -layers 2 -hidden 32)
		for mode in window stateful; do
			name="$f-$net-$mode"
			nice -n 10 "$RNNCAST" train -data "$DATA/$f.csv" -target OT -train-end 8640 -val-end 11520 \
				-mode "$mode" -horizon 1 -window 96 "${arch[@]}" -quiet -out "$OUT/$name.safetensors" > "$OUT/$name.train.txt"
			line=$("$RNNCAST" backtest -data "$DATA/$f.csv" -target OT -ett -model "$OUT/$name.safetensors")
			mse=$(echo "$line" | grep -o "rnncast MSE=[0-9.]*" | cut -d= -f2)
			rep=$(echo "$line" | grep -o "repeat MSE=[0-9.]*" | cut -d= -f2)
			echo "onestep $f $net $mode mse=$mse repeat_mse=$rep skill=$(awk -v m="$mse" -v r="$rep" 'BEGIN{printf "%.4f", 1-m/r}')" | tee -a "$results"
		done
	done
	name="$f-fleet-window"
	nice -n 10 "$RNNCAST" train -data "$DATA/$f.csv" -series all -train-end 8640 -val-end 11520 \
		-horizon 1 -window 96 -quiet -out "$OUT/$name.safetensors" > "$OUT/$name.train.txt" 2>/dev/null
	line=$("$RNNCAST" backtest -data "$DATA/$f.csv" -series all -ett -model "$OUT/$name.safetensors" -out "$OUT/$name")
	mse=$(echo "$line" | grep -o "rnncast MSE=[0-9.]*" | cut -d= -f2)
	rep=$(echo "$line" | grep -o "repeat MSE=[0-9.]*" | cut -d= -f2)
	echo "onestep $f fleet window mse=$mse repeat_mse=$rep skill=$(awk -v m="$mse" -v r="$rep" 'BEGIN{printf "%.4f", 1-m/r}') worse_than_repeat=$(field "$line" worse_than_repeat) sensors=$(field "$line" sensors)" | tee -a "$results"
done
