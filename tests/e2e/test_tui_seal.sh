#!/usr/bin/env bash
# test_tui_seal.sh — the interface seals a session when it finishes and offers to seal
# on quit when events were recorded since the last seal, with the operator's SSH key
# ($STEWARD_SEAL_KEY here); without a key, q quits at once. audit --signers proves it.
. "$(dirname "$0")/lib_tui.sh"
rb="$FIXTURES/seal/two-steps.yaml"
ssh-keygen -q -t ed25519 -N '' -C tester -f "$TMP/key"
echo "tester@example.org $(cat "$TMP/key.pub")" >"$TMP/allowed"
id=$(sw start "$rb" --detach) || fail "start"

# Finishing seals.
tui "STEWARD_SEAL_KEY=$TMP/key" "HOME=$TMP" -- resume "$id"
wait_for "The first step"
keys Space
wait_for "Step done."
keys Space
wait_for "Sealed: events 1-"
out=$(sw audit "$id" --signers "$TMP/allowed") || fail "audit after the finish seal: $out"
grep -q "signed by tester@example.org" <<<"$out" || fail "the finish seal is not tester's: $out"
grep -q "unsealed" <<<"$out" && fail "events after the finish seal: $out"
# Nothing new since the seal: q quits without asking.
keys q
wait_exit 10

# A note after the seal: q offers to seal; y seals and quits.
tui "STEWARD_SEAL_KEY=$TMP/key" "HOME=$TMP" -- resume "$id"
wait_for "The first step"
keys N
wait_for "Session note:"
type_text "handed over to the next shift"
keys Enter
wait_for "Session note saved"
keys q
wait_for "Seal the session with your SSH key before quitting?"
keys y
wait_exit 10
[ "$(pane_status)" = 0 ] || fail "exit $(pane_status) after sealing on quit"
out=$(sw audit "$id" --signers "$TMP/allowed") || fail "audit after the quit seal: $out"
grep -q "unsealed" <<<"$out" && fail "the note is not covered by the quit seal: $out"
[ "$(grep -c '^seal:' <<<"$out")" = 2 ] || fail "expected two seals: $out"

# Without a key, q quits at once (nothing offered), and the new note stays unsealed.
sw note "$id" "one more note"
tui "HOME=$TMP" "STEWARD_SEAL_KEY=" -- resume "$id"
wait_for "The first step"
keys q
wait_exit 10
out=$(sw audit "$id" --signers "$TMP/allowed") || fail "audit: $out"
grep -q "unsealed: event" <<<"$out" || fail "the last note should be reported unsealed: $out"
echo "ok"
