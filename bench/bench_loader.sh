#!/usr/bin/env bash
# bench_loader.sh — `steward lint` on 200 generated runbooks of 50 steps each (load:
# YAML tree with marks, every validation rule incl. regcomp, SHA-256), against a
# baseline that only parses the same files with libyaml (bench/yaml_parse_only.c,
# compiled here). Prints both times and the ratio: the validation overhead.
set -eu
cd "$(dirname "$0")/.."
bin=${STEWARD_BIN:-$PWD/steward}
COUNT=${COUNT:-200} STEPS=${STEPS:-50} RUNS=${RUNS:-10}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 bench/gen_runbooks.py "$tmp/rb" "$COUNT" "$STEPS"
${CC:-cc} -O2 -o "$tmp/yaml_parse_only" bench/yaml_parse_only.c $(pkg-config --cflags --libs yaml-0.1)
"$bin" lint "$tmp/rb" 2>/dev/null || { echo "generated runbooks do not lint clean"; "$bin" lint "$tmp/rb" 2>&1 | head; exit 1; }
"$tmp/yaml_parse_only" "$tmp"/rb/*.yaml >/dev/null
bytes=$(cat "$tmp"/rb/*.yaml | wc -c)
echo "input: $COUNT runbooks x $STEPS steps, $bytes bytes; best of $RUNS runs each"

best_ms() { # best_ms CMD... — the fastest of $RUNS runs, in milliseconds
	local best=999999999 t0 t1 ms
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000 ))
		[ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}
base=$(best_ms "$tmp/yaml_parse_only" "$tmp"/rb/*.yaml)
lint=$(best_ms "$bin" lint "$tmp/rb")
printf 'baseline  libyaml parse only   %8.1f ms\n' "$(echo "$base / 1000" | bc -l)"
printf 'steward   lint (load+validate) %8.1f ms\n' "$(echo "$lint / 1000" | bc -l)"
printf 'ratio     steward / baseline   %8.2fx\n' "$(echo "$lint / $base" | bc -l)"
printf 'per runbook                    %8.3f ms\n' "$(echo "$lint / 1000 / $COUNT" | bc -l)"
