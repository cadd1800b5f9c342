#!/usr/bin/env bash
# test_lint_list_show.sh — the runbook verbs from the outside (CLI.md): lint's
# FILE:LINE:COL diagnostics and exit codes 0/65/66/64, list with an invalid runbook
# and a duplicate id reported on stderr, show by id and by path, --json, --var.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
fix=$src/tests/unit/fixtures/runbooks
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; cat "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1

# lint
"$bin" lint "$fix/valid-all-keys.yaml" 2>err; check "lint valid" 0 $?
printf 'runbook: 1\nid: bad\ntilte: x\nversion: "1"\nphases: []\n' > bad.yaml
"$bin" lint bad.yaml 2>err; check "lint invalid" 65 $?
has "unknown key" err "bad.yaml:3:1: unknown key 'tilte' in the runbook (did you mean 'title'?)"
has "missing title" err "bad.yaml:1:1: missing required key 'title'"
has "empty phases" err "bad.yaml:5:9: 'phases' is empty"
"$bin" lint "$fix/valid-all-keys.yaml" nowhere.yaml 2>err; check "lint missing path" 66 $?
"$bin" lint --frobnicate x 2>err; check "lint unknown option" 64 $?
has "usage" err "usage: steward lint"
"$bin" lint 2>err; check "lint without a path" 64 $?

# a folder with one valid runbook, one invalid, and two with the same id
mkdir rb
cp "$fix/valid-all-keys.yaml" rb/a.yaml
sed 's/^id: all-keys/id: other/' "$fix/valid-all-keys.yaml" > rb/b.yml
"$bin" lint rb 2>err; check "lint folder" 0 $?
"$bin" --runbooks rb list >out 2>err; check "list clean" 0 $?
has "list id" out "all-keys"
has "list other" out "other"
"$bin" --runbooks rb list --json >out 2>err; check "list json" 0 $?
python3 -c 'import json,sys; d=json.load(open("out")); assert sorted(r["id"] for r in d)==["all-keys","other"]; assert d[0]["steps"]==3' \
	|| { echo "FAIL: list --json"; fails=$((fails+1)); }
cp bad.yaml rb/c.yaml
cp "$fix/valid-all-keys.yaml" rb/d.yaml
"$bin" --runbooks rb list >out 2>err; check "list with invalid and duplicate" 65 $?
has "list still lists" out "other"
has "invalid reported" err "rb/c.yaml:3:1: unknown key 'tilte'"
has "duplicate names both" err "rb/d.yaml:3:5: duplicate runbook id 'all-keys': rb/a.yaml has it too"
"$bin" lint rb 2>err; check "lint folder with problems" 65 $?
has "lint duplicate" err "duplicate runbook id 'all-keys'"

# show
"$bin" --runbooks rb show other --var site_code=XYZ >out 2>err; check "show by id" 0 $?
has "substituted" out "Disable replication on XYZ"
has "default shown" out "sms_dir = C:\\SMS  (default)"
has "not given" out '${from_version}  (not given)'
"$bin" --runbooks rb show all-keys 2>err; check "show duplicate id" 65 $?
has "both files" err "rb/a.yaml and rb/d.yaml"
"$bin" --runbooks rb show bad 2>err; check "show invalid" 65 $?
has "its lint messages" err "rb/c.yaml:3:1: unknown key"
"$bin" --runbooks rb show nope 2>err; check "show unknown id" 66 $?
"$bin" show "$fix/valid-all-keys.yaml" --json --var site_code=ABC >out 2>err; check "show json by path" 0 $?
python3 - <<'PY' || { echo "FAIL: show --json content"; fails=$((fails+1)); }
import json
d = json.load(open("out"))
assert d["id"] == "all-keys" and d["runbook"] == 1
s = d["phases"][1]["steps"][0]
assert s["verify"][0]["since"] == "run-setup" and s["verify"][0]["timeout_s"] == 7200
assert s["verify"][1]["expect"][0] == {"text": "Site ABC updated", "regex": False, "any_case": False}
assert d["phases"][0]["steps"][0]["wait_s"] == 5400
assert d["phases"][0]["steps"][0]["applies"] is False
assert s["practice"] == ["Keep the session open until ABC has settled.", "A second note, not from the sources."]
assert d["phases"][0]["steps"][0]["practice"] == []
assert s["verify"][0]["after"] is None
PY
# after: STEP — show says what it means, in text and JSON
"$bin" show "$src/runbooks/sms2003-sp2-upgrade.yaml" >out 2>err; check "show after" 0 $?
has "show after text" out "counts only lines written after the line that verified step sitecomp-completed"
"$bin" show "$src/runbooks/sms2003-sp2-upgrade.yaml" --json >out 2>err; check "show after json" 0 $?
python3 - <<'PY' || { echo "FAIL: show --json after"; fails=$((fails+1)); }
import json
d = json.load(open("out"))
steps = {s["id"]: s for p in d["phases"] for s in p["steps"]}
assert steps["hman-completed"]["verify"][0]["after"] == "sitecomp-completed"
assert steps["inboxmgr-completed"]["verify"][0]["after"] == "sitecomp-completed"
assert steps["sitecomp-completed"]["verify"][0]["after"] is None
PY
# practice: set apart under its label, after the step's own text, substituted
"$bin" show "$fix/valid-all-keys.yaml" --var site_code=ABC >out 2>err; check "show practice" 0 $?
has "practice label" out "     Practice (not from the sources):"
has "practice note" out "       ~ Keep the session open until ABC has settled."
has "second practice note" out "       ~ A second note, not from the sources."
"$bin" show "$fix/valid-all-keys.yaml" --var nope=1 2>err; check "show undeclared --var" 64 $?
"$bin" show "$fix/valid-all-keys.yaml" --var 2>err; check "show --var without value" 64 $?
"$bin" show "$fix/valid-all-keys.yaml" --bogus 2>err; check "show unknown option" 64 $?

[ "$fails" -eq 0 ] && echo "lint/list/show: all checks passed"
exit $(( fails > 0 ))
