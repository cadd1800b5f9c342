#!/usr/bin/env bash
# bench_catchup.sh — catch-up throughput: `steward watch` scanning a backlog (default
# 1 GiB, BENCH_CATCHUP_MB to change) written while it was closed, for a step that expects
# three markers in order. Target: steward >= 2x grep's throughput.
#
# The baseline does the search steward does: only the live marker is looked for, from
# where the previous one was found — `grep -m1 -F M1` on the file, then `grep -m1 -F M2`
# from just after that line (grep leaves its standard input there), then M3 — so both
# read the file once up to the last marker, one fixed string at a time. Both must find
# the markers at the same byte offsets. For reference, the multi-pattern count over the
# whole file (`grep -c -F -e M1 -e M2 -e M3`, the baseline of earlier runs) is printed
# too. Page cache warm for all. The backlog lives under /tmp and is deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
STEWARD_BIN=${STEWARD_BIN:-$PWD/steward}
MB=${BENCH_CATCHUP_MB:-1024}
RUNS=${BENCH_RUNS:-3}
d=$(mktemp -d /tmp/steward-bench-catchup.XXXXXX)
trap 'rm -rf "$d"' EXIT
M1="Processing site shutdown transaction"
M2="Site shutdown complete"
M3="Installation successful"
mkdir -p "$d/rb" "$d/logs"
cat >"$d/rb/bench-catchup.yaml" <<YAML
runbook: 1
id: bench-catchup
title: Catch-up benchmark
version: "1"
logs:
  sitecomp: sitecomp.log
phases:
  - id: p
    title: Phase
    steps:
      - id: upgrade
        title: Site upgrade completes
        verify:
          - log: sitecomp
            expect: ["$M1", "$M2", "$M3"]
YAML
echo "generating a ${MB} MiB SMS backlog in $d ..."
python3 bench/gen_sms_backlog.py "$d/backlog.log" "$MB" "$M1" "$M2" "$M3"
bytes=$(stat -c %s "$d/backlog.log")
cat "$d/backlog.log" >/dev/null
python3 - "$STEWARD_BIN" "$d" "$bytes" "$RUNS" "$M1" "$M2" "$M3" <<'PY'
import json, os, subprocess, sys, time
steward, d, size, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
m = sys.argv[5:]
backlog = os.path.join(d, "backlog.log")
def best(fn):
    return min(fn() for _ in range(runs))
found = {}
def grep_live():
    """The live needle only, then the next from just after its line (grep -m1 leaves a
    seekable standard input positioned after the last line it printed)."""
    t = time.perf_counter()
    offs = []
    with open(backlog, "rb") as f:
        for needle in m:
            start = f.tell()
            out = subprocess.run(["grep", "-m1", "-b", "-F", "-e", needle], stdin=f, capture_output=True)
            assert out.returncode == 0, (needle, out)
            offs.append(start + int(out.stdout.split(b":", 1)[0]))
    dt = time.perf_counter() - t
    found["grep"] = offs
    return dt
def grep_count():
    t = time.perf_counter()
    out = subprocess.run(["grep", "-c", "-F", "-e", m[0], "-e", m[1], "-e", m[2], backlog],
                         capture_output=True, text=True)
    dt = time.perf_counter() - t
    assert out.stdout.strip() == "3", out
    return dt
def watch():
    S = [steward, "--db", os.path.join(d, "db"), "--runbooks", os.path.join(d, "rb")]
    k = len(os.listdir(os.path.join(d, "logs")))
    log = os.path.join(d, "logs", "run%d.log" % k)
    sid = subprocess.run(S + ["start", "bench-catchup", "--new", "--logs", os.path.join(d, "logs"), "--log",
                              "sitecomp=" + log, "--detach"], capture_output=True, text=True, check=True).stdout.strip()
    os.link(backlog, log)  # the backlog appears while steward is closed (same inode: no copy)
    t = time.perf_counter()
    out = subprocess.run(S + ["watch", sid], capture_output=True, text=True)
    dt = time.perf_counter() - t
    assert out.returncode == 0 and out.stdout.count('"type":"marker"') == 3 and "session_finished" in out.stdout, out
    found["steward"] = [json.loads(l)["offset"] for l in out.stdout.splitlines() if '"type":"marker"' in l]
    return dt
g, c, w = best(grep_live), best(grep_count), best(watch)
assert found["grep"] == found["steward"], found
mib = size / 1048576
print("catch-up over %.0f MiB, 3 markers in order, found at the same offsets by both (best of %d):" % (mib, runs))
print("  grep -m1 -F, live marker then the next: %7.3f s  %8.0f MiB/s" % (g, mib / g))
print("  steward watch                         : %7.3f s  %8.0f MiB/s" % (w, mib / w))
print("  ratio (steward throughput / grep throughput): %.2fx  (target >= 2x)" % (g / w))
print("  for reference, grep -c -F -e -e -e over the whole file: %.3f s, %.0f MiB/s (%.2fx)" % (c, mib / c, c / w))
PY
