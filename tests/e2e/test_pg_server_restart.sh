#!/usr/bin/env bash
# test_pg_server_restart.sh — the PostgreSQL server stops (pg_ctl stop -m fast) and comes
# back under a running `steward watch` (session A) and a loop of `steward note` (session B),
# each note its own process. Then: every note that was acknowledged (exit 0) is in the
# record, every refused one exited 75 with a message naming the server and saying what
# to do; the session watch held is free again (its connection died with the server, so
# the next writer needs no --take-over); watch ends cleanly or says it lost the server;
# both chains verify. PostgreSQL only: run by `make check` inside its test cluster
# (STEWARD_TEST_PG_DIR); every wait here is bounded by a count of polls.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${STEWARD_TEST_PG_DIR:-}" ] || [ -z "${STEWARD_TEST_PG_URL:-}" ]; then
	echo "SKIP: PostgreSQL only (run inside tests/tools/pg-cluster.sh with DIR ...)"
	exit 0
fi
STEWARD_TEST_BACKEND=postgresql
. "$src/tests/e2e/lib_pg.sh"
cluster() { (cd / && bash "$src/tests/tools/pg-cluster.sh" "$1" "$STEWARD_TEST_PG_DIR" >/dev/null); }
tmp=$(mktemp -d)
watcher=; looper=
cleanup() {
	[ -n "$watcher" ] && kill -9 "$watcher" 2>/dev/null
	[ -n "$looper" ] && kill -9 "$looper" 2>/dev/null
	cluster start 2>/dev/null # never leave the shared test server stopped
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() { if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; cat err 2>/dev/null; fails=$((fails+1)); fi; }
has() { if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; head -c 2000 "$2"; fails=$((fails+1)); fi; }
cd "$tmp" || exit 1
export STEWARD_OPERATOR=tester
backend_db restart
rb=$src/tests/unit/fixtures/session/basic.yaml
a=$("$bin" start "$rb" --var site_code=AAA --detach 2>err); check "start A" 0 $?
b=$("$bin" start "$rb" --var site_code=BBB --detach --new 2>err); check "start B" 0 $?

"$bin" watch "$a" >watch.out 2>watch.err &
watcher=$!
held=no
for _ in $(seq 1 400); do # a reader asks: a probing writer could take the lock first
	if "$bin" status "$a" 2>/dev/null | grep -q "process $watcher on"; then held=yes; break; fi
	sleep 0.05
done
[ "$held" = yes ] || { echo "FAIL: watch never held session A"; cat watch.err; exit 1; }

# The note loop: "N RC" per note in results, each note's stderr kept.
(
	for i in $(seq 1 2000); do
		[ -e stop ] && break
		"$bin" note "$b" "note $i" 2>"note$i.err"
		echo "$i $?" >>results
	done
) &
looper=$!
wait_for() { # wait_for AWK_CONDITION: polls results until it holds (bounded)
	for _ in $(seq 1 600); do
		[ -f results ] && awk "$1" results | grep -q . && return 0
		sleep 0.05
	done
	return 1
}
wait_for '$2 == 0 && ++n >= 3 { print }' || { echo "FAIL: no note acknowledged before the stop"; cat results; exit 1; }
cluster stop || { echo "FAIL: the test server did not stop"; exit 1; }
wait_for '$2 != 0 { print }' || { echo "FAIL: no note refused while the server was down"; fails=$((fails+1)); }
cluster start || { echo "FAIL: the test server did not start again"; exit 1; }
last_bad=$(awk '$2 != 0 { n = $1 } END { print n + 0 }' results)
wait_for '$2 == 0 && $1 > '"$last_bad"' { print }' || { echo "FAIL: no note acknowledged after the restart"; fails=$((fails+1)); }
touch stop
wait "$looper"; looper=

# Every acknowledged note is recorded; every refusal is 75 and says what happened.
"$bin" export "$b" >b.json 2>err; check "export B" 0 $?
acked=$(awk '$2 == 0' results | wc -l)
refused=$(awk '$2 != 0' results | wc -l)
while read -r i rc; do
	if [ "$rc" = 0 ]; then
		grep -qF "\"note $i\"" b.json || { echo "FAIL: acknowledged note $i is missing"; fails=$((fails+1)); }
	elif [ "$rc" != 75 ]; then
		echo "FAIL: note $i exited $rc, not 75:"; cat "note$i.err"; fails=$((fails+1))
	elif ! grep -qE "PostgreSQL server .*(when the server is back|check that the server runs)" "note$i.err"; then
		echo "FAIL: note $i's refusal does not say what to do:"; cat "note$i.err"; fails=$((fails+1))
	fi
done <results
echo "notes: $acked acknowledged, $refused refused while the server was away"
"$bin" audit "$b" >out 2>err; check "B's chain verifies" 0 $?

# Session A: the server dropped watch's connection, and with it the lock.
"$bin" note "$a" "after the restart" 2>err; check "A is free again without --take-over" 0 $?
kill -TERM "$watcher"
for _ in $(seq 1 200); do kill -0 "$watcher" 2>/dev/null || break; sleep 0.05; done
wait "$watcher"; wrc=$?; watcher=
case $wrc in
0) ;;
75) has "watch says it lost the server" watch.err "lost the connection to the PostgreSQL server" ;;
*) echo "FAIL: watch exited $wrc"; cat watch.err; fails=$((fails+1)) ;;
esac
"$bin" export "$a" >a.json 2>err; check "export A" 0 $?
has "the note after the restart is recorded" a.json "after the restart"
"$bin" audit "$a" >out 2>err; check "A's chain verifies" 0 $?

[ "$fails" = 0 ] && echo "server restart: all checks passed"
exit $((fails > 0))
