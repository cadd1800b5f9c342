#!/usr/bin/env bash
# test_push.sh — offline first (issue 14): a session recorded with the CLI in a local
# SQLite file is pushed to another database, continued there, and pushed again:
#  - the first push copies every event (the head printed is the one `audit` gives on
#    both sides), a second push has nothing to send, new local events are sent alone;
#  - the exports of both databases are the same up to the push point, event by event,
#    and `steward audit` passes on both;
#  - continued on the target, the session is refused (65) when pushed again: first as
#    "continued on" the target (it is ahead), then, once recorded locally too, as
#    "diverged" naming both heads; the target is left as it was;
#  - a writer holding the session on the target refuses the push (75); so does a live
#    writer here (75), unless --force;
#  - a source whose chain was edited is refused (1) and nothing is written.
# The target is a second SQLite file, then the PostgreSQL server of $STEWARD_TEST_PG_URL
# when it is set and this build has the PostgreSQL backend (else SKIP with the reason).
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
holder=
cleanup() { [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; cat err 2>/dev/null; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; cat "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
export STEWARD_OPERATOR=field-engineer
rb=$src/tests/unit/fixtures/session/basic.yaml

head_of() { # head_of DB ID: the head `audit` reports
	"$bin" --db "$1" audit "$2" | sed -n 's/.*head \([0-9a-f]\{64\}\).*/\1/p' | head -n 1
}

# Holds the session's lock in DB (a `note` kept inside it by the test hook) until killed.
hold() { # hold DB ID
	STEWARD_TEST_HOLD_MS=60000 "$bin" --db "$1" note "$2" "held for a while" 2>holder.err &
	holder=$!
	for _ in $(seq 1 200); do # a reader watches for it: a probing writer would record
		"$bin" --db "$1" status "$2" >probe.out 2>&1
		grep -q "held by.* $holder[ ,)]" probe.out && return 0
		sleep 0.05
	done
	echo "FAIL: the holder never held the lock"; cat probe.out holder.err; fails=$((fails+1))
}
unhold() { kill -9 "$holder"; wait "$holder" 2>/dev/null; holder=; }

# The exports' events 1..N (and the session's identity) are the same.
same_until() { # same_until EXPORT_A EXPORT_B N
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
a, b, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
ea, eb = a["events"][:n], b["events"][:n]
assert len(ea) == n and len(eb) == n, (len(ea), len(eb), n)
for x, y in zip(ea, eb):
    assert x == y, (x, y)
for k in ("id", "label", "operator", "host", "rehearsal", "started_at", "runbook", "variables"):
    assert a["session"][k] == b["session"][k], k
EOF
}

scenario() { # scenario TARGET: everything above, against one target database
	local to=$1 id n h hs ht
	local local_db=$tmp/laptop-$RANDOM.db
	id=$("$bin" --db "$local_db" start "$rb" --var site_code=ABC --detach 2>err); check "start offline" 0 $?
	"$bin" --db "$local_db" step "$id" backup done --note "ticked on paper" >/dev/null 2>err; check "step" 0 $?
	"$bin" --db "$local_db" step "$id" stop-site done --confirm STOP >/dev/null 2>err; check "step with confirm" 0 $?
	"$bin" --db "$local_db" note "$id" "recorded at the site, offline" 2>err; check "note" 0 $?
	n=$("$bin" --db "$local_db" audit "$id" | sed -n 's/.* — \([0-9]*\) events verify.*/\1/p')
	h=$(head_of "$local_db" "$id")

	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "first push" 0 $?
	has "says what was pushed" out "pushed $n events (1..$n) of session $id to "
	has "says it is new there" out "(new there); head $h"
	has "says how the session goes on" err "continue it in one place only"
	[ "$(head_of "$to" "$id")" = "$h" ] || { echo "FAIL: the target's audited head differs"; fails=$((fails+1)); }
	"$bin" --db "$to" audit "$id" >/dev/null 2>err; check "audit on the target" 0 $?

	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "second push" 0 $?
	has "nothing to push" out "nothing to push: "
	has "names the count" out "already has all $n events of session $id; head $h"

	"$bin" --db "$local_db" note "$id" "one more, still offline" 2>err; check "note after push" 0 $?
	"$bin" --db "$local_db" push "$id" --to "$to" --json >out 2>err; check "push of the new event" 0 $?
	python3 -c 'import json,sys; o=json.load(open("out")); assert o["outcome"]=="pushed" and o["sent"]==1 and o["first_seq"]==o["last_seq"]==int(sys.argv[1])+1 and not o["created"], o' "$n" \
		|| { echo "FAIL: --json"; cat out; fails=$((fails+1)); }
	n=$((n + 1))

	# A writer on the target, then a live writer here.
	hold "$to" "$id"
	"$bin" --db "$local_db" note "$id" "to send" 2>err; check "note" 0 $?
	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "push while a writer holds the target" 75 $?
	unhold
	hold "$local_db" "$id"
	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "push while a writer holds it here" 75 $?
	has "says --force" err "--force"
	"$bin" --db "$local_db" push "$id" --to "$to" --force >out 2>err; check "push --force" 0 $?
	has "sent the note" out "pushed 1 event ($((n + 1))..$((n + 1)))"
	unhold
	n=$((n + 1))
	h=$(head_of "$local_db" "$id")

	# The next shift continues on the target.
	"$bin" --db "$to" note "$id" --step stop-site "continued on the team's database" 2>err; check "note on the target" 0 $?
	ht=$(head_of "$to" "$id")
	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "push when the target is ahead" 65 $?
	has "says it continued there" err "continued on"
	"$bin" --db "$local_db" note "$id" "and the laptop went on too" 2>err; check "note offline again" 0 $?
	hs=$(head_of "$local_db" "$id")
	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "push of a diverged session" 65 $?
	has "says diverged" err "diverged"
	has "names the target's head" err "${ht:0:16}"
	has "names this head" err "${hs:0:16}"
	[ "$(head_of "$to" "$id")" = "$ht" ] || { echo "FAIL: the refused push changed the target"; fails=$((fails+1)); }

	"$bin" --db "$local_db" export "$id" >a.json 2>err; check "export here" 0 $?
	"$bin" --db "$to" export "$id" >b.json 2>err; check "export there" 0 $?
	same_until a.json b.json "$n" || { echo "FAIL: the exports differ before event $n"; fails=$((fails+1)); }
	"$bin" --db "$local_db" audit "$id" >/dev/null 2>err; check "audit here" 0 $?
	"$bin" --db "$to" audit "$id" >/dev/null 2>err; check "audit there" 0 $?

	# A source edited behind steward's back is refused; nothing reaches the target.
	id=$("$bin" --db "$local_db" start "$rb" --var site_code=XYZ --detach 2>err); check "second session" 0 $?
	"$bin" --db "$local_db" note "$id" "the original words" 2>err
	sqlite3 "$local_db" "DROP TRIGGER events_no_update;
		UPDATE events SET data = replace(data, 'original', 'edited') WHERE session_id = '$id';"
	"$bin" --db "$local_db" push "$id" --to "$to" >out 2>err; check "push of a tampered session" 1 $?
	has "says it does not verify" err "does not verify"
	"$bin" --db "$to" audit "$id" >out 2>err; check "nothing reached the target" 66 $?
}

scenario "$tmp/team.db"

url=${STEWARD_TEST_PG_URL:-}
if [ -z "$url" ] && [ "${STEWARD_TEST_BACKEND:-sqlite}" != postgresql ]; then
	echo "(push to PostgreSQL: in the PostgreSQL pass of make check)"
elif [ -z "$url" ]; then
	echo "SKIP: push to PostgreSQL: STEWARD_TEST_PG_URL is not set (the PostgreSQL server binaries are missing?)"
elif ! "$bin" --db "$url" sessions >/dev/null 2>err; then
	echo "SKIP: push to PostgreSQL: this build does not open $url: $(head -n 1 err)"
else
	scenario "$url"
fi

[ "$fails" = 0 ] && echo "push: all checks passed"
exit $((fails > 0))
