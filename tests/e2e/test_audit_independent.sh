#!/usr/bin/env bash
# test_audit_independent.sh — an auditor can check the record without steward: the
# Python verifier printed in docs/audit-trail.md (extracted from the document itself,
# so the documentation cannot drift) recomputes the hash chain from a CSV export of a
# session full of hostile text, agrees with `steward audit` on the head, and notices
# an edited, dropped or swapped row (for its own reason, not a traceback). A CSV with its
# last rows removed still agrees with itself: the verifier says it is not anchored, and
# catches it when given the head recorded elsewhere. Neither the CSV nor the JSON holds a raw terminal
# control character (ESC sequences, C1, DEL), yet the CSV still verifies (L-CSV).
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
export STEWARD_DB=$tmp/state/steward.db
rb=$src/tests/unit/fixtures/session/basic.yaml

sed -n '/^```python verify-csv$/,/^```$/p' "$src/docs/audit-trail.md" | sed '1d;$d' > verify.py
[ -s verify.py ] || { echo "FAIL: no verifier in docs/audit-trail.md"; exit 1; }

id=$("$bin" start "$rb" --detach --var site_code=ABC --operator "=SUM(A1)" --label "'quoted' label") || exit 1
STEWARD_OPERATOR="'apostrophe" "$bin" note "$id" "$(printf 'tab\there, CR\r\nnew line, ESC \033[31m red, é ü 日本, "quotes", trailing \\')" || exit 1
STEWARD_OPERATOR="-minus" "$bin" step "$id" backup done --note "+plus first" >/dev/null || exit 1
STEWARD_OPERATOR="@at" "$bin" step "$id" backup reopen --note "@at first" >/dev/null || exit 1
"$bin" note "$id" --step stop-site "=HYPERLINK(\"http://example.invalid\",\"x\")" || exit 1
# Terminal escapes in hashed fields (operator) and in text: OSC 52, OSC 0, CSI, 8-bit C1
# (U+009B, U+009D), DEL, a bare CR, and the ␛ the CSV uses as its own escape mark.
STEWARD_OPERATOR=$(printf 'eve\033]0;owned\007\302\233') "$bin" note "$id" \
	"$(printf 'clip \033]52;c;ZXZpbA==\007 csi \033[2J c1 \302\2330m osc \302\235x\302\234 del \177 cr\rX mark \342\220\233 1b')" || exit 1

"$bin" export "$id" --format csv -o record.csv || exit 1
n_events=$(sqlite3 "$STEWARD_DB" "SELECT max(seq) FROM events WHERE session_id='$id'")
out=$(python3 verify.py record.csv) || fail "the verifier rejects an intact export: $out"
# No cell drives a terminal: no C0 control but TAB/LF/CR (CRLF row ends), no DEL, no C1.
python3 - record.csv <<'PY' || fail "the CSV export holds raw terminal control characters"
import re, sys
text = open(sys.argv[1], encoding="utf-8", newline="").read()
bad = re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)", text)
sys.exit(f"raw controls: {bad[:5]}" if bad else 0)
PY
"$bin" export "$id" --format json >record.json || fail "JSON export"
python3 - record.json <<'PY' || fail "the JSON export holds raw C1 controls or does not parse"
import json, re, sys
raw = open(sys.argv[1], encoding="utf-8").read()
bad = re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f]", raw)
doc = json.loads(raw)
notes = [e["data"].get("text", "") for e in doc["events"] if e["type"] == "note_added"]
assert any("\x9b0m" in n and "\x1b]52" in n for n in notes), "escapes lost from the data"
sys.exit(f"raw controls: {bad[:5]}" if bad else 0)
PY
# steward audit's head (the one an operator records in the ticket) and the verifier's own
# must both be there, and equal.
head=$("$bin" audit "$id" | sed -n 's/.*hash chain intact.* head \([0-9a-f]\{64\}\)$/\1/p')
vhead=$(printf '%s\n' "$out" | sed -n 's/^intact: [0-9]* events, head \([0-9a-f]\{64\}\).*/\1/p')
[ ${#head} = 64 ] || fail "steward audit printed no head"
[ ${#vhead} = 64 ] || fail "the verifier printed no head: '$out'"
[ "$vhead" = "$head" ] || fail "verifier and steward audit disagree: '$vhead' vs '$head'"
case $out in *"not anchored"*) ;; *) fail "without a trusted head the verifier does not say it proves less: $out" ;; esac
out=$(python3 verify.py record.csv "$head") || fail "the verifier rejects an intact export with its own head: $out"
case $out in *"the trusted head is event $n_events"*) ;; *) fail "the trusted head is not reported as the last event ($n_events): $out" ;; esac

python3 - record.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
def write(name, rs):
    with open(name, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rs)
h = rows[0]; d = h.index("data")
edited = [r[:] for r in rows]; edited[4][d] = edited[4][d].replace("}", " }", 1); write("edited.csv", edited)
dropped = rows[:3] + rows[4:]; write("dropped.csv", dropped)
swapped = rows[:3] + [rows[4], rows[3]] + rows[5:]; write("swapped.csv", swapped)
truncated = rows[:-2]; write("truncated.csv", truncated)
PY
# verify_fails NAME REASON ARGS...: the verifier exits 1 with its own reason (a traceback
# or any other failure is not a detection).
verify_fails() {
	local name=$1 reason=$2; shift 2
	local err; err=$(python3 verify.py "$@" 2>&1 >/dev/null); local rc=$?
	[ $rc = 1 ] || { fail "the verifier accepts the $name export (exit $rc)"; return; }
	case $err in
	*Traceback*) fail "the verifier crashed on the $name export: $err" ;;
	$reason) ;;
	*) fail "the verifier rejects the $name export for the wrong reason: '$err' (expected '$reason')" ;;
	esac
}
verify_fails edited "event 4 (*): altered" edited.csv
verify_fails dropped "event 3: missing, moved or out of order" dropped.csv
verify_fails swapped "event 3: missing, moved or out of order" swapped.csv
# The last rows removed: the chain alone cannot tell; the trusted head can.
out=$(python3 verify.py truncated.csv) || fail "a truncated export without a trusted head: exit $?: $out"
case $out in "intact: $((n_events - 2)) events, head "*"not anchored"*) ;; *) fail "a truncated export is not reported as unanchored: $out" ;; esac
verify_fails truncated "the trusted head $head is not in this record: *" truncated.csv "$head"

[ "$fails" = 0 ] && echo "independent audit: all checks passed"
exit $((fails > 0))
