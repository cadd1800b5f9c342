#!/usr/bin/env bash
# test_lock.sh — two processes on one session (CLI.md, issue 4): while one writer
# holds the session, a second writer (`note`, `step`) is refused with exit 75 naming
# the holder (pid, host, since); the readers (`sessions`, `export`, `audit`) still
# work; once the holder is killed with SIGKILL its lock is stale and the next writer
# succeeds. The holder is `steward note` kept inside its lock by the test hook
# $STEWARD_TEST_HOLD_MS, then `steward watch`. A lock from another host is taken only
# by `resume --take-over`, on the record. Also: a read-only database still serves the
# readers.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
holder=
cleanup() { [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; cat "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=tester
. "$src/tests/e2e/lib_pg.sh"; backend_db lock # STEWARD_TEST_BACKEND=postgresql: a fresh database
rb=$src/tests/unit/fixtures/session/basic.yaml

id=$("$bin" start "$rb" --var site_code=ABC --detach 2>err); check "start --detach" 0 $?
[ -n "$id" ] || { echo "FAIL: no session id"; cat err; exit 1; }

STEWARD_TEST_HOLD_MS=60000 "$bin" note "$id" "held for a while" 2>holder.err &
holder=$!
# Wait until the holder has the lock, asking a reader (a probing writer could take the
# lock first and make the holder the refused one); then a second writer is refused.
held=no
for _ in $(seq 1 400); do
	if "$bin" status "$id" 2>/dev/null | grep -q "process $holder on"; then held=yes; break; fi
	sleep 0.05
done
[ "$held" = yes ] || { echo "FAIL: the holder never held the lock"; cat holder.err; exit 1; }
"$bin" note "$id" probe >/dev/null 2>probe.err; check "a second writer" 75 $?
has "names the holder's pid" probe.err "process $holder on $(hostname)"
has "names the holder's operator" probe.err "held by tester"
has "says since when" probe.err " since 20"

"$bin" step "$id" backup done --note "ticked on paper" 2>err; check "second writer: step" 75 $?
has "step refused names the holder" err "process $holder"
"$bin" sessions >out 2>err; check "sessions while held" 0 $?
has "sessions lists it" out "$id"
"$bin" export "$id" >out 2>err; check "export while held" 0 $?
has "export is JSON" out '"events": ['
"$bin" audit "$id" >out 2>err; check "audit while held" 0 $?

kill -9 "$holder"; wait "$holder" 2>/dev/null; holder=
"$bin" note "$id" "after the holder died" 2>err; check "stale lock taken over" 0 $?
"$bin" step "$id" backup done --note "ticked on paper" >out 2>err; check "step after takeover" 0 $?
"$bin" export "$id" >out 2>err
has "the note after takeover is recorded" out "after the holder died"
if grep -qF "held for a while" out; then echo "FAIL: the killed holder's note was recorded"; fails=$((fails+1)); fi

# The same with a real holder: `steward watch` keeps the session while it follows the logs.
"$bin" watch "$id" >watch.out 2>watch.err &
holder=$!
held=no
for _ in $(seq 1 400); do
	if "$bin" status "$id" 2>/dev/null | grep -q "process $holder on"; then held=yes; break; fi
	sleep 0.05
done
[ "$held" = yes ] || { echo "FAIL: watch never held the lock"; cat watch.err; fails=$((fails+1)); }
"$bin" note "$id" probe >/dev/null 2>probe.err; check "a second writer beside watch" 75 $?
has "names the watch process" probe.err "process $holder on"
"$bin" export "$id" >out 2>err; check "export while watch holds it" 0 $?
kill -9 "$holder"; wait "$holder" 2>/dev/null; holder=
"$bin" note "$id" "after watch was killed" 2>err; check "stale watch lock taken over" 0 $?

# A lock held from another machine (a jump host that died, the database on a share):
# its processes cannot be seen from here, so it never looks stale. Writers are refused
# with the way out; `resume --take-over` takes it, and the audit trail says from whom.
# On PostgreSQL the server holds the lock for a connection: the other machine is a psql
# connection that holds the session's advisory lock and wrote the holder's row; the
# take-over ends that connection.
if is_pg; then
	key=$(printf 'steward-session-lock\n%s' "$id" | sha256sum | cut -c1-16)
	mkfifo other.in
	psql -q -X "$STEWARD_DB" <other.in >other.out 2>&1 &
	other=$!
	exec 7>other.in
	echo "SELECT pg_advisory_lock(('x$key')::bit(64)::bigint);
	INSERT INTO locks (session_id, pid, host, operator, since_ms, backend_pid)
	VALUES ('$id', 4242, 'jump-host-gone', 'day-shift', 1700000000000, pg_backend_pid())
	ON CONFLICT (session_id) DO UPDATE SET pid = 4242, host = 'jump-host-gone', operator = 'day-shift',
	since_ms = 1700000000000, backend_pid = pg_backend_pid();
	SELECT 'holding';" >&7
	for _ in $(seq 1 200); do grep -q holding other.out 2>/dev/null && break; sleep 0.05; done
else
	sqlite3 "$STEWARD_DB" "INSERT OR REPLACE INTO locks (session_id, pid, host, proc_start, since_ms)
		VALUES ('$id', 4242, 'jump-host-gone', 1, 1700000000000)"
fi
"$bin" note "$id" "refused" 2>err; check "writer against another host's lock" 75 $?
has "names the other host" err "process 4242 on jump-host-gone"
has "says the way out" err "steward resume $id --take-over"
TERM=xterm STEWARD_OPERATOR=night-shift STEWARD_TUI_EXIT_AFTER_FIRST_FRAME=1 \
	script -qec "'$bin' resume '$id' --take-over" /dev/null >/dev/null 2>&1
check "resume --take-over" 0 $?
if is_pg; then
	echo "SELECT 'still' || ' connected';" >&7
	exec 7>&-
	wait "$other" 2>/dev/null
	has "the other machine's connection was ended" other.out "terminating connection"
	if grep -q "still connected" other.out; then echo "FAIL: the other connection survived"; fails=$((fails+1)); fi
fi
"$bin" note "$id" "after the take-over" 2>err; check "the lock was released after the take-over" 0 $?
"$bin" export "$id" --format csv >out 2>err
has "the take-over is in the audit trail" out "took the session over from process 4242 on jump-host-gone"
has "by whom" out '"night-shift",'
"$bin" audit "$id" >/dev/null 2>err; check "the chain still verifies" 0 $?

# A read-only database: readers work, writers get 73 naming the path. Root writes through
# permissions: as root this block is skipped, visibly, and `make check` runs the script
# again as an unprivileged user (tests/run-unprivileged.sh). A file's permissions mean
# nothing on PostgreSQL (its privileges are tested by test_pg_team.sh).
if is_pg; then
	:
elif [ "$(id -u)" = 0 ]; then
	echo "SKIP: the read-only database checks (root writes through permissions; they run as an unprivileged user: tests/run-unprivileged.sh)"
else
	chmod 0400 "$STEWARD_DB"; chmod 0500 "$tmp/state"
	"$bin" sessions --all >out 2>err; check "sessions on a read-only db" 0 $?
	"$bin" export "$id" --format md >out 2>err; check "export on a read-only db" 0 $?
	"$bin" audit "$id" >out 2>err; check "audit on a read-only db" 0 $?
	"$bin" note "$id" "cannot" 2>err; check "writer on a read-only db" 73 $?
	has "names the database" err "$STEWARD_DB"
	chmod 0700 "$tmp/state"; chmod 0600 "$STEWARD_DB"
fi

[ "$fails" = 0 ] && echo "lock: all checks passed"
exit $((fails > 0))
