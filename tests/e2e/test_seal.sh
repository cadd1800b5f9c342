#!/usr/bin/env bash
# test_seal.sh — sealed sessions against a forger who completes the attack: drops the
# triggers, edits, recomputes every hash after the edit and fixes the cached head
# (tools/forge_chain.py), so that the chain alone verifies again. With a real ssh-keygen
# and keys made here: an edit before a seal fails audit naming the seal; an edit after
# the last seal is reported as unsealed; a seal whose head was rewritten to match, or a
# seal made with the forger's own key, fails against the allowed signers; a dropped tail
# is caught by a head recorded elsewhere (--head). A session never sealed: a rewrite passes
# the chain alone and audit says it is not sealed; the head recorded elsewhere catches it,
# also when a step's completion is dropped and the cached step rows are put back.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
forge="python3 $src/tests/e2e/tools/forge_chain.py"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
export STEWARD_DB=$tmp/steward.db STEWARD_OPERATOR=alice
unset STEWARD_SEAL_KEY SSH_AUTH_SOCK
rb=$src/tests/unit/fixtures/session/basic.yaml
command -v ssh-keygen >/dev/null || { echo "FAIL: ssh-keygen is missing (openssh-client)"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C alice -f alice
ssh-keygen -q -t ed25519 -N '' -C mallory -f mallory
echo "alice@example.org $(cat alice.pub)" > allowed
echo "mallory@example.org $(cat mallory.pub)" > allowed-mallory

# audit OUT_VAR ARGS... — runs audit, output in $out, exit status in $rc.
audit() { out=$("$bin" audit "$@" 2>&1); rc=$?; }

new_session() {
	id=$("$bin" start "$rb" --detach --var site_code=ABC) || { echo "FAIL: start"; exit 1; }
	"$bin" note "$id" "the backup was verified by restoring it" || exit 1
}

# 1. Sealing, and an intact sealed session.
new_session
HOME=$tmp "$bin" seal "$id" >/dev/null 2>&1 && fail "seal without any key succeeded"
sealed=$("$bin" seal "$id" --key alice) || fail "seal failed: $sealed"
head=$(printf '%s\n' "$sealed" | sed -n 's/^head \([0-9a-f]\{64\}\).*/\1/p')
[ -n "$head" ] || fail "seal printed no head: $sealed"
# The head to record elsewhere is the seal event's own hash (event 4); the seal signs event 3's.
[ "$head" = "$(sqlite3 steward.db "SELECT hash FROM events WHERE session_id='$id' AND seq=4")" ] \
	|| fail "seal printed a head that is not the seal event's: $sealed"
signed=$(sqlite3 steward.db "SELECT hash FROM events WHERE session_id='$id' AND seq=3")
"$bin" note "$id" "a note after the seal"
audit "$id" --signers allowed
[ $rc = 0 ] || fail "intact sealed session: exit $rc: $out"
case $out in *"signed by alice@example.org"*) ;; *) fail "audit does not name the signer: $out" ;; esac
case $out in *"unsealed: event 5 comes after the last seal"*) ;; *) fail "the note after the seal is not reported unsealed: $out" ;; esac
audit "$id" --head "$head"
[ $rc = 0 ] || fail "the head recorded at sealing is not found: $out"
"$bin" export "$id" --format json -o record.json || fail "export"
python3 - record.json "$signed" <<'PY' || fail "the JSON export lacks the seal"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["seals"]
assert len(s) == 1 and s[0]["seq"] == 3 and s[0]["head"] == sys.argv[2] and s[0]["key"].startswith("SHA256:"), s
assert "BEGIN SSH SIGNATURE" in s[0]["signature"]
assert d["audit"]["head_seq"] == 5 and "--signers" in d["audit"]["seals"], d["audit"]
PY
"$bin" export "$id" --format md | grep -q "Seals" || fail "the Markdown export has no Seals section"

# 2. An edit before the seal, rehashed forward, head fixed: the chain alone passes ...
cp steward.db before.db
$forge steward.db "$id" edit 3 "verified by restoring it" "verified (not restored)" || fail "forge"
audit "$id"
[ $rc = 1 ] || fail "an edit before the seal passed audit (exit $rc): $out"
case $out in *"seal of event 4"*) ;; *) fail "the failure does not name the seal: $out" ;; esac
cp before.db steward.db

# 3. ... and rewriting the seal's head to match breaks its signature.
$forge steward.db "$id" edit 3 "verified by restoring it" "verified (not restored)" || fail "forge"
newh=$(sqlite3 steward.db "SELECT hash FROM events WHERE session_id='$id' AND seq=3")
$forge steward.db "$id" edit 4 "$signed" "$newh" || fail "forge the seal's head"
audit "$id" --signers allowed
[ $rc = 1 ] || fail "a seal with a rewritten head passed (exit $rc): $out"
audit "$id"
[ $rc = 1 ] || fail "a seal with a rewritten head passed without --signers (exit $rc): $out"
cp before.db steward.db

# 4. An edit after the last seal is not caught by it, and audit says so.
$forge steward.db "$id" edit 5 "after the seal" "after the seal, forged" || fail "forge"
audit "$id" --signers allowed
[ $rc = 0 ] || fail "an unsealed edit should pass the chain (exit $rc): $out"
case $out in *"unsealed: event 5"*) ;; *) fail "the unsealed edit is not reported as unsealed: $out" ;; esac
cp before.db steward.db

# 5. The wrong signer: alice's seal checked against mallory's allowed signers ...
audit "$id" --signers allowed-mallory
[ $rc = 1 ] || fail "a seal by a key not in the allowed signers passed (exit $rc): $out"
case $out in *"not in"*) ;; *) fail "the wrong-signer message does not say so: $out" ;; esac
# ... and mallory re-sealing a forged chain with her own key is refused by alice's list.
$forge steward.db "$id" drop-tail 3 || fail "forge"
"$bin" note "$id" "forged: restored fine" >/dev/null
"$bin" seal "$id" --key mallory >/dev/null || fail "mallory's seal"
audit "$id" --signers allowed
[ $rc = 1 ] || fail "mallory's seal passed alice's allowed signers (exit $rc): $out"
cp before.db steward.db

# 6. A dropped tail with the seal in it: only a head recorded elsewhere catches it.
$forge steward.db "$id" drop-tail 3 || fail "forge"
audit "$id" --signers allowed
[ $rc = 0 ] || fail "after dropping the sealed tail the chain should verify (exit $rc): $out"
case $out in *"not sealed"*) ;; *) fail "a session without seals is not reported as not sealed: $out" ;; esac
case $out in *"could rewrite it, or drop its last events, unnoticed"*) ;; *) fail "audit does not say what an unsealed chain cannot prove: $out" ;; esac
audit "$id" --head "$head"
[ $rc = 1 ] || fail "a dropped tail passed --head (exit $rc): $out"
case $out in *"head $head recorded elsewhere is not in this session's chain"*) ;; *) fail "the --head failure does not say why: $out" ;; esac
cp before.db steward.db

# 7. A session never sealed, rewritten and rehashed forward: audit passes the chain but
# says it is not sealed (not "intact" and nothing more); the head recorded elsewhere
# (printed by audit before the forgery) catches it. A head that is not the last anchors
# only the events up to it, and audit says which come after.
id2=$("$bin" start "$rb" --detach --var site_code=XYZ) || fail "start a second session"
"$bin" note "$id2" "the backup was verified by restoring it" || fail "note"
audit "$id2"
ticket=$(printf '%s\n' "$out" | sed -n 's/.*hash chain intact.* head \([0-9a-f]\{64\}\)$/\1/p')
[ -n "$ticket" ] || fail "audit printed no head: $out"
audit "$id2" --head "$ticket"
[ $rc = 0 ] || fail "the session's own head: exit $rc: $out"
case $out in *"not sealed: events 1-3 are anchored by the head recorded elsewhere"*) ;; *) fail "audit does not say the head anchors events 1-3: $out" ;; esac
"$bin" note "$id2" "one more" || fail "note"
audit "$id2" --head "$ticket"
case $out in *"event 4 comes after it — not covered"*) ;; *) fail "audit does not say event 4 comes after the head: $out" ;; esac
$forge steward.db "$id2" edit 3 "verified by restoring it" "verified (not restored)" || fail "forge"
audit "$id2"
[ $rc = 0 ] || fail "a rewrite rehashed forward should pass the chain alone (exit $rc): $out"
case $out in *"not sealed: "*"could rewrite it"*) ;; *) fail "the unsealed session is not reported as not sealed: $out" ;; esac
audit "$id2" --head "$ticket"
[ $rc = 1 ] || fail "the head recorded elsewhere did not catch the rewrite (exit $rc): $out"
case $out in *"tampering found"*"not in this session's chain"*) ;; *) fail "the --head failure does not say why: $out" ;; esac

# 8. The tail dropped and the cached state put back (H1): the backup step's completion
# removed, the step rows and head restored from a copy taken before it. Without the state
# put back the cache gives it away; with it, only the head recorded elsewhere does.
id3=$("$bin" start "$rb" --detach --var site_code=QRS) || fail "start a third session"
"$bin" note "$id3" "ready to back up" || fail "note"
cp steward.db at3.db
"$bin" step "$id3" backup done --note "checked on paper" >/dev/null || fail "step backup done"
audit "$id3"
ticket=$(printf '%s\n' "$out" | sed -n 's/.*hash chain intact.* head \([0-9a-f]\{64\}\)$/\1/p')
[ -n "$ticket" ] || fail "audit printed no head: $out"
cp steward.db at5.db
$forge steward.db "$id3" drop-tail 3 || fail "forge"
audit "$id3"
[ $rc = 1 ] || fail "a dropped step completion with the step rows left passed (exit $rc): $out"
case $out in *"cached state was altered"*) ;; *) fail "the stale cache is not named: $out" ;; esac
cp at5.db steward.db
$forge steward.db "$id3" drop-tail 3 --state-from at3.db || fail "forge with the state put back"
"$bin" status "$id3" 2>&1 | grep -q "progress *done 0," || fail "the forged session should show no step done: $("$bin" status "$id3" 2>&1)"
audit "$id3"
[ $rc = 0 ] || fail "the completed drop should pass the chain alone (exit $rc): $out"
case $out in *"3 events verify"*"not sealed: "*"drop its last events"*) ;; *) fail "the forged session is not reported as not sealed: $out" ;; esac
audit "$id3" --head "$ticket"
[ $rc = 1 ] || fail "the head recorded elsewhere did not catch the dropped completion (exit $rc): $out"
case $out in *"not in this session's chain"*) ;; *) fail "the --head failure does not say why: $out" ;; esac

audit "$id" --head "not-a-hash"
[ $rc = 64 ] || fail "--head with a malformed hash: exit $rc"
audit "$id" --signers "$tmp/none"
[ $rc = 66 ] || fail "--signers with a missing file: exit $rc"

[ "$fails" = 0 ] && echo "seal: all checks passed"
exit $((fails > 0))
