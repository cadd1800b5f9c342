#!/usr/bin/env bash
# bench_latency.sh — detection latency from write() of a marker line to the `watch`
# event on stdout, median and p99 over 1,000 markers (BENCH_LAT_N), side by side in the
# same run with `tail -n0 -F FILE | grep --line-buffered -F MARKER` and with one durable
# SQLite commit (WAL, synchronous=FULL, the settings of steward's store).
# Target: p99(watch) <= p99(tail|grep) + p99(commit) + 1 ms (inotify on a local disk).
set -euo pipefail
cd "$(dirname "$0")/.."
STEWARD_BIN=${STEWARD_BIN:-$PWD/steward}
N=${BENCH_LAT_N:-1000}
d=$(mktemp -d /tmp/steward-bench-latency.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/rb" "$d/logs"
{
	cat <<'YAML'
runbook: 1
id: bench-latency
title: Latency benchmark
version: "1"
logs:
  sitecomp: sitecomp.log
phases:
  - id: p
    title: Phase
    steps:
      - id: markers
        title: Many markers in order
        verify:
          - log: sitecomp
            expect:
YAML
	for i in $(seq -f %05g 1 "$N"); do echo "              - MARKER-$i reached"; done
} >"$d/rb/bench-latency.yaml"
python3 - "$STEWARD_BIN" "$d" "$N" <<'PY'
import os, sqlite3, statistics, subprocess, sys, time
steward, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
GAP = 0.005  # a quiet moment between markers, as on a real site server
def line(i):
    return ("MARKER-%05d reached  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+240>"
            "<thread=2648 (0xA58)>\r\n" % i).encode()
def stats(xs):
    xs = sorted(xs)
    return statistics.median(xs) * 1000, xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000

def run_watch():
    S = [steward, "--db", os.path.join(d, "db"), "--runbooks", os.path.join(d, "rb")]
    log = os.path.join(d, "logs", "sitecomp.log")
    open(log, "wb").close()
    sid = subprocess.run(S + ["start", "bench-latency", "--logs", os.path.join(d, "logs"), "--detach"],
                         capture_output=True, text=True, check=True).stdout.strip()
    p = subprocess.Popen(S + ["watch", sid], stdout=subprocess.PIPE)
    while b'"step_active"' not in p.stdout.readline():
        pass
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    lat = []
    for i in range(1, n + 1):
        time.sleep(GAP)
        data = line(i)
        t0 = time.perf_counter()
        os.write(fd, data)
        while True:
            l = p.stdout.readline()
            if not l:
                raise SystemExit("watch ended early")
            if b'"type":"marker"' in l:
                break
        lat.append(time.perf_counter() - t0)
        assert b"MARKER-%05d" % i in l, l
    os.close(fd)
    p.wait(timeout=30)
    return lat

def run_tail_grep():
    log = os.path.join(d, "logs", "tailgrep.log")
    open(log, "wb").close()
    p = subprocess.Popen("exec tail -n0 -F '%s' 2>/dev/null | grep --line-buffered -F MARKER-" % log,
                         shell=True, stdout=subprocess.PIPE, start_new_session=True)
    time.sleep(0.5)  # tail has set up its watch
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    lat = []
    for i in range(1, n + 1):
        time.sleep(GAP)
        t0 = time.perf_counter()
        os.write(fd, line(i))
        l = p.stdout.readline()
        lat.append(time.perf_counter() - t0)
        assert b"MARKER-%05d" % i in l, l
    os.close(fd)
    os.killpg(p.pid, 15)
    p.wait()
    return lat

def run_commit():
    db = sqlite3.connect(os.path.join(d, "commit.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE e (seq INTEGER PRIMARY KEY, data TEXT)")
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO e (data) VALUES (?)", ("x" * 200,))
        db.execute("COMMIT")
        lat.append(time.perf_counter() - t0)
    db.close()
    return lat

tg = stats(run_tail_grep())
cm = stats(run_commit())
wa = stats(run_watch())
print("detection latency, write() of a marker line -> event, %d markers (ms):" % n)
print("  tail -F | grep --line-buffered -F : median %6.2f   p99 %6.2f" % tg)
print("  one durable SQLite commit         : median %6.2f   p99 %6.2f" % cm)
print("  steward watch                     : median %6.2f   p99 %6.2f" % wa)
budget = tg[1] + cm[1] + 1.0
print("  target p99 <= %.2f (tail|grep p99 + commit p99 + 1 ms): %s (steward p99 / tail|grep p99 = %.2fx)"
      % (budget, "met" if wa[1] <= budget else "NOT met", wa[1] / tg[1]))
PY
