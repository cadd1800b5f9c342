#!/usr/bin/env bash
# test_audit_independent.sh — an auditor can check the record without steward: the
# Python verifier printed in docs/audit-trail.md (extracted from the document itself,
# so the documentation cannot drift) recomputes the hash chain from a CSV export of a
# session full of hostile text, agrees with `steward audit` on the head, and notices
# an edited, dropped or swapped row.
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

"$bin" export "$id" --format csv -o record.csv || exit 1
out=$(python3 verify.py record.csv) || fail "the verifier rejects an intact export: $out"
head=$("$bin" audit "$id" | sed -n 's/.*head \([0-9a-f]*\).*/\1/p')
case $out in *"head $head"*) ;; *) fail "verifier and steward audit disagree: '$out' vs '$head'" ;; esac

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
PY
for t in edited dropped swapped; do
	if python3 verify.py $t.csv >/dev/null 2>&1; then fail "the verifier accepts a $t export"; fi
done

[ "$fails" = 0 ] && echo "independent audit: all checks passed"
exit $((fails > 0))
