#!/usr/bin/env bash
# test_tui_folders.sh — the start form asks for each runbook log folder (FORMAT-ADDITIONS
# §2): one field per folder with its prompt, machine and hint (${vars} as typed in the
# form), empty meaning the main log folder (and saying so); a folder that is not there
# is flagged; the path typed is where the session reads that folder's logs.
set -euo pipefail
. "$(dirname "$0")/lib_tui.sh"
RB="$HERE/../unit/fixtures/session/placed-logs.yaml"
CROOT="$TMP/c-root"
mkdir -p "$CROOT"

tui -- start "$RB" --logs "$LOGS" --var site_code=ABC --var site_server=CEN01 --label "folders form"
# Every field fits the 35-row window: variables, main folder, two runbook folders, ...
wait_for "Root of the site server's system drive (C:\\), mounted on this machine (system-root, on CEN01)"
wait_for 'hint: Mount \\CEN01\C$ and give its path; SMSSetup.log is written there.'
wait_for "The SMS\\Logs folder on the management point (mp-logs, on MGTPOINT1)"
wait_line "(empty: the main log folder, $LOGS)" "" # shown for both folders left empty
[ "$(screen | grep -cF "(empty: the main log folder, $LOGS)")" -eq 2 ] || fail "both folders should show their default"

# The form starts on Start (nothing is missing); up 4: rehearsal, label, mp-logs, system-root.
for i in 1 2 3 4; do keys Up; done
type_text "$TMP/nowhere"
wait_for "no such folder: mount it first"
keys C-u
type_text "$CROOT"
wait_gone "no such folder: mount it first"
[ "$(screen | grep -cF "(empty: the main log folder, $LOGS)")" -eq 1 ] || fail "system-root still shows the default"
# The machine follows the variable as it is typed: up to site_server (main folder, mp_server, site_server).
for i in 1 2 3; do keys Up; done
keys C-u
type_text "CEN02"
wait_for "(system-root, on CEN02)"
wait_for 'hint: Mount \\CEN02\C$'
for i in 1 2 3 4 5 6 7; do keys Down; done # to Start
keys Enter
wait_for "Run SMS setup on CEN02"
quit_ok

SID=$(sw sessions --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
json_check "e['session']['log_places']['smssetup']['path'] == '$CROOT/SMSSetup.log'" || fail "smssetup not read from the folder typed"
json_check "e['session']['log_places']['smssetup']['machine'] == 'CEN02'" || fail "machine not recorded"
json_check "e['session']['log_places']['mpsetup']['path'] == '$LOGS/MPSetup.log'" || fail "mp-logs did not default to the main folder"
json_check "e['session']['log_places']['mpsetup']['defaulted'] is True" || fail "mp-logs not marked as defaulted"
echo "tui folders ok"
