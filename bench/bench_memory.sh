#!/usr/bin/env bash
# bench_memory.sh — peak memory (max RSS) of `steward watch` following three logs that
# each hold a backlog (default 1 GiB, BENCH_MEMORY_MB; hard links to one file under
# /tmp) which it must scan for its markers, then keeps following; side by side with
# `tail -F` on the same three files, and with a backlog ten times smaller to show the
# peak is flat in the backlog size. Target: flat, and within 2x of tail -F.
#
# What each baseline does:
#  - `tail -F` (the target's baseline) prints the last 10 lines of each file and follows
#    them: it never reads the backlogs that steward scans, so it does far less work;
#  - `tail -n +1 -F`, output to /dev/null, reads every byte of the three backlogs and then
#    follows, as steward does, but matches nothing and records nothing (measured once it has
#    read them all, from /proc/PID/io);
#  - bench/sqlite_floor.c is the least a durable SQLite recorder costs (open a database,
#    commit one row): what the required library takes by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
STEWARD_BIN=${STEWARD_BIN:-$PWD/steward}
MB=${BENCH_MEMORY_MB:-1024}
d=$(mktemp -d /tmp/steward-bench-memory.XXXXXX)
trap 'rm -rf "$d"' EXIT
M1="Processing site shutdown transaction"
M2="Site shutdown complete"
M3="Installation successful"
mkdir -p "$d/rb"
${CC:-cc} -O2 -std=c17 -o "$d/sqlite_floor" bench/sqlite_floor.c $(pkg-config --cflags --libs sqlite3)
cat >"$d/rb/bench-memory.yaml" <<YAML
runbook: 1
id: bench-memory
title: Memory benchmark
version: "1"
logs:
  sitecomp: sitecomp.log
  hman: hman.log
  inboxmgr: inboxmgr.log
phases:
  - id: p
    title: Phase
    steps:
      - id: upgrade
        title: Every log shows its markers, the last one never comes so watch keeps following
        verify:
          - log: sitecomp
            expect: ["$M1", "$M2", "$M3", "never written"]
          - log: hman
            expect: ["$M1", "$M2", "$M3"]
          - log: inboxmgr
            expect: ["$M1", "$M2", "$M3"]
YAML
echo "generating backlogs of ${MB} MiB and $((MB / 10)) MiB in $d ..."
python3 bench/gen_sms_backlog.py "$d/big.log" "$MB" "$M1" "$M2" "$M3"
python3 bench/gen_sms_backlog.py "$d/small.log" "$((MB / 10))" "$M1" "$M2" "$M3"
python3 - "$STEWARD_BIN" "$d" <<'PY'
import os, signal, subprocess, sys, time
steward, d = sys.argv[1], sys.argv[2]
def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for l in f:
                if l.startswith(key + ":"):
                    return int(l.split()[1])
    except OSError:
        pass
    return 0
def read_bytes(pid):
    try:
        with open("/proc/%d/io" % pid) as f:
            for l in f:
                if l.startswith("rchar:"):
                    return int(l.split()[1])
    except OSError:
        pass
    return 0
def peak_kb(argv, seconds, until=None, stdout=subprocess.PIPE, until_read=None):
    """Runs argv, stops it with SIGTERM after `seconds` (or once `until` appears on stdout),
    returns its peak RSS in KiB (VmHWM, read just before the signal: it counts from exec,
    unlike wait4's maxrss, which includes the forked parent's pages), its peak private
    anonymous memory (RssAnon, sampled every 20 ms: heap and stack, no shared libraries)
    and its stdout."""
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL)
    anon = 0
    if p.stdout:
        os.set_blocking(p.stdout.fileno(), False)
    out = b""
    t_end = time.time() + seconds
    while time.time() < t_end:
        chunk = None
        if p.stdout:
            try:
                chunk = p.stdout.read()
            except BlockingIOError:
                pass
        if chunk:
            out += chunk
        anon = max(anon, status_kb(p.pid, "RssAnon"))
        if (until and until in out) or (until_read and read_bytes(p.pid) >= until_read):
            time.sleep(0.2)
            break
        time.sleep(0.02)
    anon = max(anon, status_kb(p.pid, "RssAnon"))
    kb = status_kb(p.pid, "VmHWM")
    p.send_signal(signal.SIGTERM)
    p.wait()
    return kb, anon, out
def setup(name, backlog):
    logs = os.path.join(d, name)
    os.mkdir(logs)
    S = [steward, "--db", os.path.join(d, name + ".db"), "--runbooks", os.path.join(d, "rb")]
    sid = subprocess.run(S + ["start", "bench-memory", "--new", "--logs", logs, "--detach"], capture_output=True,
                         text=True, check=True).stdout.strip()
    files = []
    for f in ("sitecomp.log", "hman.log", "inboxmgr.log"):
        os.link(backlog, os.path.join(logs, f))  # written while steward was closed
        files.append(os.path.join(logs, f))
    return S + ["watch", sid], files
results = {}
for name, backlog in (("small", os.path.join(d, "small.log")), ("big", os.path.join(d, "big.log"))):
    argv, files = setup(name, backlog)
    t0 = time.time()
    kb, anon, out = peak_kb(argv, 120, until=b'"step":"upgrade","log":"inboxmgr","verify":2,"index":2')
    dt = time.time() - t0
    assert out.count(b'"type":"marker"') == 9, out[-2000:]
    tkb, tanon, _ = peak_kb(["tail", "-F"] + files, 2)
    total = 3 * os.path.getsize(backlog)
    t1 = time.time()
    skb, sanon, _ = peak_kb(["tail", "-n", "+1", "-F"] + files, 120, stdout=subprocess.DEVNULL, until_read=total)
    sdt = time.time() - t1
    fkb, fanon, _ = peak_kb([os.path.join(d, "sqlite_floor"), os.path.join(d, name + "-floor.db")], 5,
                            until=b"ready")
    results[name] = (kb, anon, tkb, tanon, os.path.getsize(backlog) / 1048576, dt, fkb, fanon, skb, sanon, sdt)
print("peak memory following three logs with a backlog each (MiB):")
for name in ("small", "big"):
    kb, anon, tkb, tanon, mib, dt, fkb, fanon, skb, sanon, sdt = results[name]
    print("  backlog %6.0f MiB x 3 (scanned by steward in %.1f s, read by tail -n +1 in %.1f s):" % (mib, dt, sdt))
    print("    peak RSS      : steward watch %5.1f   tail -F (last lines only) %5.1f   ratio %.2fx" % (kb / 1024, tkb / 1024, kb / tkb))
    print("    peak anon mem : steward watch %5.1f   tail -F (last lines only) %5.1f   ratio %.2fx" % (anon / 1024, tanon / 1024, anon / max(tanon, 1)))
    print("    reading the backlogs too: tail -n +1 -F peak RSS %5.1f (anon %4.1f); steward watch = %.2fx of it"
          % (skb / 1024, sanon / 1024, kb / skb))
    print("    SQLite alone (open, one durable commit): RSS %5.1f = %.2fx tail -F; steward watch = %.2fx of it"
          % (fkb / 1024, fkb / tkb, kb / fkb))
big, small = results["big"], results["small"]
print("  flat in the backlog size: peak RSS big/small = %.2f, anon big/small = %.2f (target ~1)"
      % (big[0] / small[0], big[1] / max(small[1], 1)))
print("  within 2x of tail -F (which does not read the backlogs): RSS %s, anonymous memory %s"
      % ("met" if big[0] <= 2 * big[2] else "NOT met", "met" if big[1] <= 2 * big[3] else "NOT met"))
PY
