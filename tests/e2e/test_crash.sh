#!/usr/bin/env bash
# test_crash.sh — sessions that cannot be lost (issue 4): 200 times, a `steward
# note` or `steward step` command is started and killed with SIGKILL at a random
# moment (or left to finish). Afterwards every command that had exited 0 is in the
# export, `audit` exits 0, and SQLite's integrity_check says ok. A killed writer's
# lock is stale, so the next command must take it over every time: an exit 75 counts
# as a rule's refusal only when its message is one (75 also means "held by another
# writer", and a note is never refused by a rule).
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=crasher
rb=$src/tests/unit/fixtures/session/basic.yaml
rounds=${CRASH_ROUNDS:-200}
fails=0

id=$("$bin" start "$rb" --var site_code=ABC --detach) || { echo "FAIL: start"; exit 1; }

# How long one command takes here (ASan builds are slower): kill within 0..1.5x that.
t0=$(date +%s%N); "$bin" note "$id" "calibration" || exit 1; t1=$(date +%s%N)
span_us=$(( (t1 - t0) / 1000 * 3 / 2 ))
[ "$span_us" -gt 1000 ] || span_us=1000

: > expected
killed=0 completed=0 refused=0
# The rules that refuse `step backup done` (already done) and `step backup reopen` (not done).
rule_refusals="step 'backup' is already done — reopen it|step 'backup' is [a-z-]+ — only a done, skipped or failed step can be reopened"
for i in $(seq 1 "$rounds"); do
	# The words make every successful command leave a unique trace in the export.
	case $((RANDOM % 4)) in
	0|1) args=(note "$id" "note-$i"); trace="note-$i" ;;
	2) args=(step "$id" backup done --note "done-$i"); trace="done-$i" ;;
	3) args=(step "$id" backup reopen --note "reopen-$i"); trace="reopen-$i" ;;
	esac
	"$bin" "${args[@]}" >/dev/null 2>cmd.err &
	pid=$!
	delay_us=$(( (RANDOM * 32768 + RANDOM) % span_us ))
	sleep "$((delay_us / 1000000)).$(printf '%06d' $((delay_us % 1000000)))"
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null; rc=$? # (quiet: no "Killed" notice from the shell)
	cat cmd.err >> stderr.log
	case $rc in
	0) echo "$trace" >> expected; completed=$((completed+1)) ;;
	137) killed=$((killed+1)) ;;
	75) # 75 is also "held by another writer": after a kill that is a failed take-over.
		# Only these rules can refuse here (a note is never refused by a rule).
		if [ "${args[0]}" = step ] && grep -qE "$rule_refusals" cmd.err; then
			refused=$((refused+1))
		else
			echo "FAIL: ${args[*]}: exit 75 and not a rule's refusal: $(cat cmd.err)"; fails=$((fails+1))
		fi ;;
	*) echo "FAIL: ${args[*]}: exit $rc: $(cat cmd.err)"; fails=$((fails+1)) ;;
	esac
done
echo "rounds: $rounds, completed: $completed, killed: $killed, refused by a rule: $refused"
[ "$completed" -gt 0 ] || { echo "FAIL: no command ever completed"; fails=$((fails+1)); }

"$bin" export "$id" > export.json; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: export exit $rc"; fails=$((fails+1)); }
missing=0
while read -r trace; do
	grep -qF "\"$trace\"" export.json || { echo "FAIL: '$trace' exited 0 but is not in the export"; missing=$((missing+1)); }
done < expected
fails=$((fails + missing))

"$bin" audit "$id" > audit.out 2>&1; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: audit exit $rc"; cat audit.out; fails=$((fails+1)); }
ic=$(sqlite3 "$STEWARD_DB" "PRAGMA integrity_check")
[ "$ic" = ok ] || { echo "FAIL: integrity_check: $ic"; fails=$((fails+1)); }
fk=$(sqlite3 "$STEWARD_DB" "PRAGMA foreign_key_check")
[ -z "$fk" ] || { echo "FAIL: foreign_key_check: $fk"; fails=$((fails+1)); }
# The cached state still equals the events: one more writer replays and rewrites it.
"$bin" note "$id" "after the storm" || { echo "FAIL: a writer after the crashes"; fails=$((fails+1)); }

[ "$fails" = 0 ] && echo "crash: all checks passed"
exit $((fails > 0))
