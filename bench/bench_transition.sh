#!/usr/bin/env bash
# bench_transition.sh — the cost of one durable step transition against a bare
# SQLite INSERT with the same durability (WAL, synchronous=FULL, one transaction):
#  1. in one process: the session engine's complete/reopen (rule checks, hash-chained
#     event, projection, COMMIT) against an INSERT through the SQLite C API
#     (bench/session_gen.c, compiled here);
#  2. from the command line: `steward step SESSION backup done|reopen` (a process that
#     opens the database, takes the lock, replays the session, writes, releases)
#     against the sqlite3 shell running one INSERT with synchronous=FULL.
# Medians over N operations each; ratio = steward / sqlite3.
#
# The baselines do less than steward, and the ratios mix fixed costs: each baseline is
# ONE INSERT of a small row in ONE transaction. The engine's transition checks the rules,
# computes the event's SHA-256 link and writes the event and the cached state (step and
# session rows) in one transaction; `steward step` also starts a process, loads and checks
# the runbook, takes the session's lock (a committed row), replays the session and
# releases the lock (another commit). The script counts the fdatasync calls of one
# `steward step` and of one sqlite3 shell INSERT (strace) and prints them beside the times.
# (The first step of the fixture has a checklist: it is completed with a note.)
set -eu
cd "$(dirname "$0")/.."
bin=${STEWARD_BIN:-$PWD/steward}
N=${N:-200} CLI_N=${CLI_N:-40}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
lib=build/default/libsteward.a
[ -f "$lib" ] || make -s "$lib"
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Iinclude -o "$tmp/session_gen" bench/session_gen.c "$lib" \
	$(pkg-config --cflags --libs sqlite3 yaml-0.1 nettle jansson libpq) -lm
rb=tests/unit/fixtures/session/basic.yaml

echo "1. in-process, median of $N operations each"
out=$("$tmp/session_gen" transitions "$tmp/engine.db" "$rb" "$N" "$tmp/scratch.db")
eng=$(echo "$out" | sed -n 's/^engine_us //p'); bare=$(echo "$out" | sed -n 's/^sqlite_us //p')
printf '   baseline  sqlite3 C API INSERT (FULL)     %8d us\n' "$bare"
printf '   steward   session_complete/reopen (FULL)  %8d us\n' "$eng"
printf '   ratio     steward / sqlite3               %8.2fx\n' "$(echo "$eng / $bare" | bc -l)"

echo "2. command line, median of $CLI_N processes each"
export STEWARD_DB=$tmp/cli.db STEWARD_OPERATOR=bench
id=$("$bin" start "$rb" --var site_code=ABC --detach --new)
sqlite3 "$tmp/shell.db" "PRAGMA journal_mode=WAL; CREATE TABLE t (seq INTEGER PRIMARY KEY, at INTEGER, type TEXT, data TEXT);" >/dev/null
median_us() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for i in $(seq "$CLI_N"); do
	if [ $((i % 2)) = 1 ]; then act=(done --note "bench $i"); else act=(reopen --note "bench $i"); fi
	t0=$(date +%s%N); "$bin" step "$id" backup "${act[@]}" >/dev/null; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 )) >> "$tmp/cli.us"
	t0=$(date +%s%N)
	sqlite3 "$tmp/shell.db" "PRAGMA synchronous=FULL; INSERT INTO t (at, type, data) VALUES ($i, 'step_completed', '{}');"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 )) >> "$tmp/shell.us"
done
cli=$(median_us < "$tmp/cli.us"); shell=$(median_us < "$tmp/shell.us")
printf '   baseline  sqlite3 shell, one INSERT (FULL) %7d us\n' "$shell"
printf '   steward   steward step (whole process)     %7d us\n' "$cli"
printf '   ratio     steward / sqlite3                %7.2fx\n' "$(echo "$cli / $shell" | bc -l)"
if command -v strace >/dev/null; then
	syncs() { strace -f -e trace=fsync,fdatasync -o "$tmp/strace.txt" "$@" >/dev/null && grep -c 'sync(' "$tmp/strace.txt"; }
	# the transition after the loop's last one (a done after a reopen, or the reverse)
	if [ $((CLI_N % 2)) = 1 ]; then nxt=(reopen --note "bench: counted"); else nxt=(done --note "bench: counted"); fi
	n_steward=$(syncs "$bin" step "$id" backup "${nxt[@]}")
	n_shell=$(syncs sqlite3 "$tmp/shell.db" "PRAGMA synchronous=FULL; INSERT INTO t (at, type, data) VALUES (0, 'step_completed', '{}');")
	printf '   durable syncs (fdatasync/fsync) of one operation: steward step %d, sqlite3 shell INSERT %d\n' \
		"$n_steward" "$n_shell"
fi
"$bin" audit "$id" >/dev/null
