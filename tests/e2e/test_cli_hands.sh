#!/usr/bin/env bash
# test_cli_hands.sh — the CLI as a newcomer meets it (issue 12): every verb answers
# --help with exit 0 and says what it does; `status` (active, failed, overdue, counts,
# lock, seal; text and --json; a reader); `sessions` shows the site, failed and overdue
# steps and skipped counts; `start --detach` refuses a duplicate unfinished session of
# the same variables (75, naming it) unless --new; `resume` without an id among several
# unfinished sessions lists them (64); a not-applicable step is 64, not 65; messages
# name the real syntax; lint never says "all valid" after an error; list with no
# runbooks exits 66.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; cat err 2>/dev/null; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; head -c 3000 "$2"; fails=$((fails+1)); fi
}
hasnt() { # hasnt DESCRIPTION FILE TEXT
	if grep -qF -- "$3" "$2"; then echo "FAIL: $1: '$3' in:"; head -c 3000 "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=alice
S() { "$bin" "$@"; }
rb=$src/tests/unit/fixtures/session/basic.yaml
mkdir logs

# --help: every verb of `steward --help`, exit 0, the usage and more than one line.
S --help >out 2>err; check "steward --help" 0 $?
verbs=$(sed -n '/^verbs:/,/^$/p' out | awk 'NF > 1 {print $1}')
[ "$(echo "$verbs" | wc -w)" -ge 15 ] || { echo "FAIL: too few verbs in --help: $verbs"; fails=$((fails+1)); }
for v in $verbs; do
	S "$v" --help >out 2>err; check "$v --help" 0 $?
	has "$v --help gives the usage" out "usage: steward $v"
	has "$v --help gives the exit codes" out "exit:"
	[ "$(wc -l <out)" -ge 6 ] || { echo "FAIL: $v --help is only $(wc -l <out) lines"; fails=$((fails+1)); }
done
S log --help >out 2>err; has "log --help says what --merge does" out "--merge"
S simulate --help >out 2>err; has "simulate --help says what --speed means" out "twice as fast"

# start: a duplicate unfinished session of the same variables is refused, naming it.
id=$(S start "$rb" --detach --var site_code=CEN --logs logs --label "CEN upgrade" 2>err); check "start" 0 $?
S start "$rb" --detach --var site_code=CEN --logs logs --label "CEN again" >out 2>err
check "start a duplicate of an unfinished session" 75 $?
has "names the session" err "$id"
has "says how to resume it" err "steward resume $id"
has "says how to start anyway" err "--new"
[ -s out ] && { echo "FAIL: a refused start printed an id"; fails=$((fails+1)); }
id2=$(S start "$rb" --detach --var site_code=CEN --logs logs --new 2>err); check "start --new" 0 $?
[ -n "$id2" ] && [ "$id2" != "$id" ] || { echo "FAIL: start --new printed no new id"; fails=$((fails+1)); }
id3=$(S start "$rb" --detach --var site_code=NOR --logs logs 2>err); check "start for another site" 0 $?
S start "$rb" --detach --var site_code=NOR --var replication=yes --logs logs >out 2>err
check "start with other variables for the same site code" 0 $?

# resume without an id among several unfinished sessions: listed, an id asked for.
S resume </dev/null >out 2>err; check "resume without an id" 64 $?
has "lists the sessions" err "$id"
has "lists the others" err "$id3"
has "shows the site" err "site_code=NOR"
has "asks for an id" err "steward resume ID"

# sessions: the site, failed steps flagged, skipped counted.
S step "$id" backup done --note "done by hand" >out 2>err; check "backup done" 0 $?
S step "$id" stop-site skip --note "already stopped" >out 2>err; check "skip stop-site" 0 $?
S step "$id" run-setup fail --note "setup crashed" >out 2>err; check "fail run-setup" 0 $?
S sessions >out 2>err; check "sessions" 0 $?
has "sessions shows the site" out "site_code=CEN"
grep -F "$id" out >row
has "sessions flags a failed step" row "1 FAILED"
has "sessions counts skipped steps" row "2/5 (1 skipped)"
grep -F "$id3" out >row
hasnt "a healthy session is not flagged" row "FAILED"
S sessions --json >out 2>err; check "sessions --json" 0 $?
python3 - out "$id" <<'PY' || { echo "FAIL: sessions --json details"; fails=$((fails+1)); }
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]][0]
assert r["site"] == "site_code=CEN", r
assert (r["done"], r["skipped"], r["failed"], r["not_applicable"], r["total"]) == (2, 1, 1, 1, 6), r
assert r["overdue"] is None, r
PY

# status: text and JSON; a reader (works while another process holds the lock).
S status "$id" >out 2>err; check "status" 0 $?
has "status: progress in one wording" out "done 1, skipped 1, failed 1, not applicable 1, of 6"
has "status: the failed step" out "run-setup"
has "status: the failed step holds the work" out "active     none: 4 run-setup failed"
has "status: the lock" out "lock       free"
has "status: never sealed" out "never"
STEWARD_TEST_HOLD_MS=4000 "$bin" note "$id" "holding the lock" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do S status "$id" --json >out 2>err; grep -q '"pid"' out && break; sleep 0.05; done
check "status while another process holds the session" 0 $?
python3 - out "$holder" <<'PY' || { echo "FAIL: status --json"; fails=$((fails+1)); }
import json, sys
s = json.load(open(sys.argv[1]))
assert s["lock"]["pid"] == int(sys.argv[2]) and s["lock"]["stale"] is False and s["lock"]["host"], s["lock"]
assert s["active_step"]["id"] == "run-setup" and s["active_step"]["number"] == 4, s["active_step"]
assert s["active_step"]["status"] == "failed", s["active_step"]
assert [f["id"] for f in s["failed"]] == ["run-setup"] and s["failed"][0]["seen_in_log"] is False
assert s["progress"] == {"total": 6, "done": 1, "skipped": 1, "not_applicable": 1, "failed": 1, "open": 2,
                         "text": "done 1, skipped 1, failed 1, not applicable 1, of 6"}, s["progress"]
assert s["site"] == "site_code=CEN" and s["variables"]["site_code"] == "CEN"
assert s["last_seal"] is None
PY
wait $holder
S status 19990101 >out 2>err; check "status of an unknown session" 66 $?
S status "$id" extra >out 2>err; check "status with two sessions" 64 $?

# overdue: a verify step past its timeout, in status and sessions.
cat >timeout.yaml <<'YAML'
runbook: 1
id: timeout-fixture
title: Timeout fixture
version: "1"
variables:
  - name: site_code
    prompt: Site code
logs:
  app: app.log
phases:
  - id: p
    title: P
    steps:
      - id: wait-start
        title: Wait for the service
        verify:
          - log: app
            expect: [Service started]
            timeout: 2m
YAML
tid=$(S start timeout.yaml --detach --var site_code=OVR --logs logs 2>err); check "start the timeout fixture" 0 $?
S status "$tid" >out 2>err
hasnt "not overdue yet" out "OVERDUE"
STEWARD_CLOCK_OFFSET_MS=$((3 * 60 * 1000)) S status "$tid" >out 2>err; check "status when overdue" 0 $?
has "status flags the overdue step" out "OVERDUE    1 wait-start"
has "status says by how much" out "by 1m"
STEWARD_CLOCK_OFFSET_MS=$((3 * 60 * 1000)) S sessions >out 2>err
grep -F "$tid" out >row
has "sessions flags the overdue session" row "OVERDUE 1m"
STEWARD_CLOCK_OFFSET_MS=$((3 * 60 * 1000)) S sessions --json >out 2>err
python3 - out "$tid" <<'PY' || { echo "FAIL: sessions --json overdue"; fails=$((fails+1)); }
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]][0]
assert r["overdue"]["step"] == "wait-start" and 60000 <= r["overdue"]["by_ms"] < 70000, r
PY

# watch: an `overdue` event, once per step, when it passes its timeout.
cat >timeout2.yaml <<'YAML'
runbook: 1
id: timeout-two
title: Timeout with two lines
version: "1"
logs:
  app: app2.log
phases:
  - id: p
    title: P
    steps:
      - id: two-lines
        title: Wait for two lines
        verify:
          - log: app
            expect: [First line, Second line]
            timeout: 2m
YAML
: >logs/app2.log
wid=$(S start timeout2.yaml --detach --logs logs 2>err); check "start the two-line fixture" 0 $?
STEWARD_CLOCK_OFFSET_MS=$((3 * 60 * 1000)) "$bin" watch "$wid" >watch.out 2>watch.err &
watcher=$!
for _ in $(seq 1 200); do grep -q '"type":"overdue"' watch.out && break; sleep 0.05; done
has "watch reports the overdue step" watch.out '"type":"overdue","session":"'"$wid"'","step":"two-lines"'
echo "First line" >>logs/app2.log
for _ in $(seq 1 200); do grep -q '"type":"marker"' watch.out && break; sleep 0.05; done
has "watch goes on after it" watch.out '"type":"marker"'
kill -TERM $watcher; wait $watcher
[ "$(grep -c '"type":"overdue"' watch.out)" = 1 ] || { echo "FAIL: overdue reported more than once:"; cat watch.out; fails=$((fails+1)); }
python3 - watch.out <<'PY' || { echo "FAIL: the overdue event's fields"; fails=$((fails+1)); }
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"overdue"' in l][0]
assert 60000 <= ev["by_ms"] < 70000 and ev["active_since"].endswith("Z") and ev["at"].endswith("Z"), ev
PY

# exit codes and messages: a not-applicable step is a usage error, not "invalid runbook".
S step "$id" disable-replication done >out 2>err; check "a not-applicable step" 64 $?
has "says it does not apply" err "does not apply"
S step "$id" check-logs override >out 2>err; check "the action 'override'" 64 $?
has "names the real syntax for an override" err "steward step $id check-logs done --note TEXT"
S step "$id" check-logs done >out 2>err; check "done on a verify step without a note" 75 $?
has "names the real syntax" err "steward step $id check-logs done --note TEXT"
hasnt "no 'use override'" err "use override"

# lint: "all valid" only when all is valid.
S lint /nonexistent >out 2>err; check "lint a missing path" 66 $?
hasnt "lint a missing path: not all valid" err "all valid"
mkdir empty
S lint empty >out 2>err; check "lint a folder without runbooks" 66 $?
hasnt "lint an empty folder: not all valid" err "all valid"
S lint "$rb" >out 2>err; check "lint a valid runbook" 0 $?
has "lint a valid runbook: all valid" err "all valid"

# list with no runbooks found: not success.
(cd / && env HOME="$tmp/nohome" XDG_CONFIG_HOME="$tmp/nohome" "$bin" list) >out 2>err
check "list with no runbooks" 66 $?
has "says where it looked" err "no runbooks found"

# show: wrapped to the terminal's width (cautions, checklist items, references hang under
# their text; commands are never cut), paged through $PAGER on a terminal, never when piped.
(cd "$src" && COLUMNS=70 "$bin" show sms2003-sp2-upgrade) >show.txt 2>err; check "show at 70 columns" 0 $?
python3 - show.txt <<'PY' || { echo "FAIL: show does not wrap to 70 columns"; fails=$((fails+1)); }
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
long = [l for l in lines if len(l) > 70 and not l.lstrip().startswith("> ") and " " in l.strip()]
assert not long, long[:3]
text = "\n".join(lines)
i = text.index("CAUTION: Setup /testdbupgrade fails")
nxt = text[i:].split("\n")[1]
assert nxt.startswith(" " * 14) and nxt[14] != " ", repr(nxt)   # hangs under the text
j = text.index("[ ] Every other site system of ${site_code} runs one of the")
nxt = text[j:].split("\n")[1]
assert nxt.startswith(" " * 11) and nxt[11] != " ", repr(nxt)
PY
(cd "$src" && "$bin" show sms2003-sp2-upgrade) >show-wide.txt 2>err
[ "$(grep -c '' show-wide.txt)" -lt "$(grep -c '' show.txt)" ] || { echo "FAIL: show wraps when piped without COLUMNS"; fails=$((fails+1)); }
rm -f paged
(cd "$src" && PAGER="cat >'$tmp/paged'" script -qec "$(printf '%q ' "$bin" show sms2003-sp2-upgrade)" /dev/null) >/dev/null 2>&1
[ -s paged ] && grep -qF "Upgrade an SMS 2003 site" paged || { echo "FAIL: show on a terminal does not go through \$PAGER"; fails=$((fails+1)); }
rm -f paged
(cd "$src" && PAGER="cat >'$tmp/paged'" "$bin" show sms2003-sp2-upgrade) >out 2>err
[ -e paged ] && { echo "FAIL: show piped went through the pager"; fails=$((fails+1)); }
has "show piped writes the document" out "Upgrade an SMS 2003 site"

# log --merge: several logs interleaved by their records' own times (UTC from the bias:
# a.log is at +240, b.log at +300, so local times alone would order them wrongly); a
# line without a time stays after the record before it in its own file.
printf '%s\n' \
	'A first  $$<SMS_A><06-14-2006 02:00:00.000+240><thread=1 (0x1)>' \
	'A second  $$<SMS_A><06-14-2006 02:00:20.000+240><thread=1 (0x1)>' \
	'A third  $$<SMS_A><06-14-2006 02:00:40.000+240><thread=1 (0x1)>' >a.log
printf '%s\n' \
	'B first  $$<SMS_B><06-14-2006 01:00:10.000+300><thread=2 (0x2)>' \
	'B second  $$<SMS_B><06-14-2006 01:00:30.000+300><thread=2 (0x2)>' >b.log
S log a.log b.log --merge --json >out 2>err; check "log --merge" 0 $?
python3 - out <<'PY' || { echo "FAIL: log --merge order"; cat out; fails=$((fails+1)); }
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["text"] for r in recs] == ["A first", "B first", "A second", "B second", "A third"], [r["text"] for r in recs]
PY
S log a.log b.log --json >out 2>err; check "log without --merge" 0 $?
python3 - out <<'PY' || { echo "FAIL: log without --merge keeps the files apart"; fails=$((fails+1)); }
import json, sys
assert [json.loads(l)["text"] for l in open(sys.argv[1])][:3] == ["A first", "A second", "A third"]
PY
S log a.log b.log --merge >out 2>err; check "log --merge (columns)" 0 $?
[ "$(awk '{print $NF}' out | tr '\n' ' ')" = "first first second second third " ] || { echo "FAIL: log --merge columns:"; cat out; fails=$((fails+1)); }
S log a.log b.log --merge --follow >out 2>err; check "log --merge --follow" 64 $?

# start --rehearse --short-waits N: a rehearsal's waits divided by N (the demo's 30m
# settle ends on its own in 30s), recorded in the session and said in every export.
S start "$rb" --detach --var site_code=WTS --logs logs --short-waits 60 >out 2>err
check "short waits without --rehearse" 64 $?
S start "$rb" --detach --var site_code=WTS --logs logs --rehearse --short-waits 1 >out 2>err
check "short waits of 1" 64 $?
sid=$(S start "$rb" --detach --var site_code=WTS --logs logs --rehearse --short-waits 60 2>err)
check "start --rehearse --short-waits 60" 0 $?
S step "$sid" backup done --note "paper" >/dev/null 2>&1
S step "$sid" stop-site done --confirm STOP >/dev/null 2>&1
S step "$sid" run-setup done >out 2>err; check "the shortened wait still runs" 75 $?
has "says the shortened wait" err "it needs 30s after it became active"
STEWARD_CLOCK_OFFSET_MS=31000 S step "$sid" run-setup done >out 2>err; check "the shortened wait elapsed" 0 $?
S export "$sid" --format md >out 2>err
has "md says the waits were shortened" out "each \`wait\` was divided by 60"
S export "$sid" --format html >out 2>err
has "html says the waits were shortened" out "each wait was divided by 60"
S export "$sid" >out 2>err
python3 - out <<'PY' || { echo "FAIL: json wait_divisor"; fails=$((fails+1)); }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["session"]["wait_divisor"] == 60
assert [e for e in d["events"] if e["type"] == "session_started"][0]["data"]["wait_divisor"] == 60
PY

# README: the examples work as typed after `make` — they say ./steward (the program in the
# source tree); the ones that need no site run here, from the source tree.
sed -n '/^## Using it/,/^## /p' "$src/README.md" | sed -n '/^```sh/,/^```/p' | grep -v '^```' >examples
[ -s examples ] || { echo "FAIL: no examples under 'Using it' in README.md"; fails=$((fails+1)); }
if grep -v '^\./steward' examples | grep -q .; then
	echo "FAIL: README examples that do not work as typed after make:"; grep -v '^\./steward' examples
	fails=$((fails+1))
fi
for ex in "list" "show sms2003-sp2-upgrade" "lint runbooks/"; do
	grep -qF "./steward $ex" examples || { echo "FAIL: README lost the example '$ex'"; fails=$((fails+1)); }
	(cd "$src" && "$bin" $ex) >out 2>err; check "README example: steward $ex" 0 $?
done

[ "$fails" -eq 0 ] && echo "cli hands: all checks passed"
exit $((fails > 0))
