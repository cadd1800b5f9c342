#!/usr/bin/env python3
"""corpus_driver.py — drives every runbook through whole sessions against tests/corpus/.

Used by test_quiet_site.sh. Everything about a runbook is read from `steward show RUNBOOK
--json` (steps, when:, verify, fail, confirm words, waits, logs), so the driver keeps working
when the runbooks are rewritten. Two checks:

QUIET   For every runbook and every quiet site that has all of its log files: a session is
        started on a copy of the site's logs as they were before the session (history,
        .lo_ rotations). At every step's activation, the next hour of the site's day is
        appended to its logs (sometimes after an SMS-style rollover); `steward watch` then
        runs until it has read everything; the step is then completed by hand (confirm word,
        note; an override with a note for verify steps, the clock moved on for waits).
        No step may complete itself from markers and no failure signature may fire.
        Choice variables are set so that every step with verify or fail is applicable in at
        least one session (steward decides applicability: `show --var ... --json`).
        Each runbook is driven four times: with the files named as on disk in the corpus
        (SMS's own spellings, e.g. sitecomp.log) or renamed to the runbook's spelling; with
        `watch` run from the first step on (as the TUI does) or only at the steps that read
        logs (an operator who walks the checklist by hand).
FAILURE For every failure signature of every step: a corpus line that matches it (found in
        tests/corpus/failure/*/ files named like the signature's log) is appended, with its
        case's preceding context, when the step is active; `watch` must report that
        signature's failure on that step (and not verify the step). A signature with no
        corpus line is a test failure.

Exit 0 when every check holds, 1 otherwise; every problem is printed on its own line.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

HANG_GUARD_S = 120  # watch must report its first pass; only a hang reaches this


class Problems:
    def __init__(self):
        self.items = []

    def add(self, kind, text):
        self.items.append((kind, text))
        print("PROBLEM %s: %s" % (kind, text), flush=True)


P = Problems()
WARN = []  # printed, not failing: weaknesses the quiet site shows short of a self-completion


def info(text):
    print("  " + text, flush=True)


class Steward:
    def __init__(self, binary, runbooks, db):
        self.bin, self.runbooks, self.db = binary, runbooks, db
        self.clock_offset_ms = 0

    def env(self):
        e = dict(os.environ)
        e["STEWARD_CLOCK_OFFSET_MS"] = str(self.clock_offset_ms)
        e["STEWARD_OPERATOR"] = "corpus-driver"
        return e

    def argv(self, *args):
        return [self.bin, "--db", self.db, "--runbooks", self.runbooks] + list(args)

    def run(self, *args, check=True):
        p = subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.env())
        if check and p.returncode != 0:
            raise RuntimeError("steward %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return p

    def json(self, *args):
        return json.loads(self.run(*args).stdout)

    def watch(self, session):
        """Runs `watch` until it has read everything there is (its first pass ends with
        step_active or session_finished), then stops it with SIGTERM."""
        proc = subprocess.Popen(self.argv("watch", session), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env())
        timer = threading.Timer(HANG_GUARD_S, proc.kill)
        timer.start()
        events = []
        try:
            for line in proc.stdout:
                ev = json.loads(line)
                events.append(ev)
                if ev["type"] in ("step_active", "session_finished"):
                    break
            # One SIGTERM: watch wakes on it (a self-pipe) and ends within a second,
            # releasing its lock. (A second one during its teardown would end it by the
            # default action, as an operator pressing Ctrl-C twice would.)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            rest, err = proc.communicate()
        finally:
            timer.cancel()
        events += [json.loads(l) for l in rest.splitlines() if l.strip()]
        if proc.returncode not in (0, 1):
            raise RuntimeError("watch %s: exit %d: %s" % (session, proc.returncode, err.strip()))
        return events


# ---- runbook model (from show --json) -------------------------------------------------

def steps_of(doc):
    return [s for p in doc["phases"] for s in p["steps"]]


def log_file_of(entry):
    """A logs: entry is a file name, or (format addition 2) a mapping with file/folder."""
    if isinstance(entry, dict):
        return entry.get("file") or entry.get("path")
    return entry


def pattern_nocase(item):
    return bool(item.get("nocase") or item.get("case") == "insensitive" or item.get("case_insensitive"))


def pattern_matches(item, text):
    pat = item.get("text") if "text" in item else item.get("pattern")
    flags = re.I if pattern_nocase(item) else 0
    if item.get("regex"):
        try:
            return re.search(pat, text, flags) is not None
        except re.error:
            return False
    return (pat.lower() in text.lower()) if flags else (pat in text)


def pattern_text(item):
    return item.get("text") if "text" in item else item.get("pattern")


def read_vars(path):
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


CANDIDATES = ["LAB", "SERVER1", "MGTPOINT1", "CORP", "C:\\SMS", "SERVER1.corp.example.com", "CORP\\svc-sql",
              "SMS_LAB", "1", "x"]


def base_values(doc, site_vars):
    """Values for the variables that are not choices (choices are decided per session)."""
    vals, missing = {}, []
    for v in doc["variables"]:
        if v.get("choices"):
            continue
        pat = v.get("pattern")
        ok = (lambda x: re.search(pat, x) is not None) if pat else (lambda x: True)
        for cand in ([site_vars[v["name"]]] if v["name"] in site_vars else []) + \
                ([v["default"]] if v.get("default") is not None else []) + CANDIDATES:
            if ok(cand):
                vals[v["name"]] = cand
                break
        else:
            missing.append(v["name"])
    return vals, missing


def choice_default(v):
    return v["default"] if v.get("default") is not None else v["choices"][0]


def var_args(values):
    out = []
    for k, v in values.items():
        out += ["--var", "%s=%s" % (k, v)]
    return out


def assignments(st, rb, doc, base):
    """Choice assignments such that every step with verify or fail applies in one of them."""
    choices = {v["name"]: v for v in doc["variables"] if v.get("choices")}
    first = dict(base)
    for n, v in choices.items():
        first[n] = choice_default(v)
    result = [first]
    applied = set()

    def applies_under(values):
        d = st.json("show", rb, "--json", *var_args(values))
        return d, {s["id"] for s in steps_of(d) if s["applies"]}

    d0, ap = applies_under(first)
    applied |= ap
    docs = [d0]
    for s in steps_of(doc):
        if not (s["verify"] or s["fail"]) or s["id"] in applied:
            continue
        values = dict(first)
        for n, allowed in (s.get("when") or {}).items():
            allowed = allowed if isinstance(allowed, list) else [allowed]
            if n in choices and allowed:
                values[n] = allowed[0]
        d, ap = applies_under(values)
        if s["id"] not in ap:
            P.add("HARNESS", "%s: cannot make step %s applicable from its when: %r" % (rb, s["id"], s.get("when")))
            continue
        applied |= ap
        result.append(values)
        docs.append(d)
    return list(zip(result, docs))


# ---- corpus ----------------------------------------------------------------------------

TS_HOUR = [re.compile(r"<\d\d[-/]\d\d[-/]\d{2,4} (\d\d):\d\d:\d\d"), re.compile(r'time="(\d\d):')]


def hour_of(line):
    for rx in TS_HOUR:
        m = rx.search(line)
        if m:
            return int(m.group(1))
    return None


class QuietSite:
    def __init__(self, path):
        self.path, self.name = path, os.path.basename(path)
        self.before = {f: os.path.join(path, "before", f) for f in sorted(os.listdir(os.path.join(path, "before")))}
        day_dir = os.path.join(path, "day")
        self.day = {}  # file -> [24 lists of lines]
        for f in sorted(os.listdir(day_dir)):
            hours = [[] for _ in range(24)]
            cur = 0
            with open(os.path.join(day_dir, f), "rb") as fh:
                for raw in fh:
                    h = hour_of(raw.decode("utf-8", "replace"))
                    cur = h if h is not None else cur
                    hours[cur].append(raw)
            self.day[f] = hours
        self.vars = read_vars(os.path.join(path, "site.vars"))

    def files(self):
        return set(self.before) | set(self.day)

    def disk_name(self, runbook_file):
        """The site's file for a runbook's log file name, matched without regard to case."""
        for f in sorted(self.files()):
            if f.lower() == runbook_file.lower():
                return f
        return None


def lo_name(name):
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem + ".lo_"


class LogDir:
    """The session's log folder: the site's history, then what it writes at each activation."""

    def __init__(self, root, site, rename):
        self.dir = root
        self.site, self.rename = site, rename  # rename: disk name (lower) -> runbook spelling
        os.makedirs(root, exist_ok=True)
        self.appended = []  # (ino, start, end, step)
        for f, src in site.before.items():
            shutil.copyfile(src, self.path(f))
        self.initial = {}
        for f in os.listdir(root):
            st = os.stat(os.path.join(root, f))
            self.initial[st.st_ino] = (f, st.st_size)
        self.rotations = 0

    def name(self, disk):
        n = self.rename.get(disk.lower())
        if n:
            return n
        if disk.lower().endswith(".lo_"):
            for k, v in self.rename.items():
                if lo_name(k) == disk.lower():
                    return lo_name(v)
        return disk

    def path(self, disk):
        return os.path.join(self.dir, self.name(disk))

    def append_hour(self, k, step):
        hour = k % 24
        files = sorted(self.site.day)
        # SMS rolls a log over at its size limit; do it now and then, both ways the sources
        # describe: rename to .lo_ and start a new file, or copy to .lo_ and truncate.
        if k % 7 == 5 and files:
            f = files[(k // 7) % len(files)]
            p = self.path(f)
            if os.path.exists(p):
                os.replace(p, self.path(lo_name(f)))
                open(p, "wb").close()
                self.rotations += 1
        if k % 7 == 2 and k > 2 and files:
            f = files[(k // 7 + 1) % len(files)]
            p = self.path(f)
            if os.path.exists(p):
                shutil.copyfile(p, self.path(lo_name(f)))
                open(p, "r+b").truncate(0)
                self.rotations += 1
        for f in files:
            self.append(f, b"".join(self.site.day[f][hour]), step)

    def append(self, disk, data, step):
        if not data:
            return
        p = self.path(disk)
        with open(p, "ab") as fh:
            start = fh.tell()
            fh.write(data)
            end = fh.tell()
        self.appended.append((os.stat(p).st_ino, start, end, step))

    def origin(self, path, offset):
        """Which activation wrote the byte at offset of path (or: history before the session)."""
        try:
            ino = os.stat(path).st_ino
        except OSError:
            return "unknown (file gone)"
        for i, s, e, step in self.appended:
            if i == ino and s <= offset < e:
                return "appended at the activation of step %s" % step
        if ino in self.initial and offset < self.initial[ino][1]:
            return "history: in %s before the session started" % self.initial[ino][0]
        return "unknown origin"


# ---- sessions ----------------------------------------------------------------------------

def export(st, sid):
    return st.json("export", sid, "--format", "json")


def active_step(x):
    for s in x["steps"]:
        if s["status"] in ("active", "failed"):
            return s
    return None


def complete_by_hand(st, sid, step, why):
    if step.get("wait_s"):
        st.clock_offset_ms += int(step["wait_s"]) * 1000 + 1000
    note = "corpus driver: %s" % why
    args = ["step", sid, step["id"], "done", "--note", note]
    if step.get("confirm"):
        args += ["--confirm", step["confirm"]]
    st.run(*args)


def start_session(st, rb, values, logdir):
    p = st.run("start", rb, "--detach", "--new", "--logs", logdir, "--label", "corpus", *var_args(values))
    return p.stdout.strip()


def describe(values, doc):
    ch = [v["name"] for v in doc["variables"] if v.get("choices")]
    return ", ".join("%s=%s" % (n, values[n]) for n in ch) or "no choices"


def quiet_run(st, rb, values, doc, site, names, watching, tmp):
    steps = {s["id"]: s for s in steps_of(doc)}
    rename = {}
    if names == "runbook":
        for entry in doc["logs"].values():
            f = log_file_of(entry)
            if f and site.disk_name(os.path.basename(f)):
                rename[site.disk_name(os.path.basename(f)).lower()] = os.path.basename(f)
    ld = LogDir(tempfile.mkdtemp(dir=tmp, prefix="logs-"), site, rename)
    sid = start_session(st, rb, values, ld.dir)
    where = "%s [site %s, names %s, watch %s, %s]" % (rb, site.name, names, watching, describe(values, doc))
    k = 0
    markers = 0
    blocks, verified = {}, set()  # (step, block) -> marker indexes seen; steps verified
    for _ in range(4 * len(steps) + 4):
        x = export(st, sid)
        if x["session"]["status"] == "finished":
            break
        act = active_step(x)
        if act is None:
            break
        if act["status"] == "failed":
            st.run("step", sid, act["id"], "reopen", "--note", "corpus driver: quiet site, reopened")
            continue
        ld.append_hour(k, act["id"])
        k += 1
        s = steps[act["id"]]
        # "all": watch runs from the first step on (as the TUI does); "verify": the operator
        # walks the checklist by hand and runs watch only at steps that read logs.
        run_watch = doc["logs"] and (watching == "all" or s["verify"] or s["fail"])
        for ev in (st.watch(sid) if run_watch else []):
            if ev["type"] == "marker":
                markers += 1
                blocks.setdefault((ev["step"], ev["verify"]), set()).add(ev["index"])
                info("%s: marker of step %s (log %s, pattern %r) from %s" % (
                    where, ev["step"], ev["log"], ev.get("expect"), ld.origin(ev["file"], ev["offset"])))
            elif ev["type"] == "step_verified":
                verified.add(ev["step"])
                P.add("QUIET", "%s: step %s completed itself from markers" % (where, ev["step"]))
            elif ev["type"] == "failure":
                P.add("QUIET", "%s: failure signature fired on step %s: log %s, line %r (%s)" % (
                    where, ev["step"], ev["log"], ev["line"], ld.origin(ev["file"], ev["offset"])))
        x = export(st, sid)
        now = active_step(x)
        if now is not None and now["id"] == act["id"] and now["status"] == "active":
            complete_by_hand(st, sid, s, "quiet site: " + ("nothing to verify, overridden" if s["verify"] else "done by hand"))
    else:
        P.add("HARNESS", "%s: the session did not finish" % where)
    for (step, block), seen in sorted(blocks.items()):
        total = len(steps[step]["verify"][block]["expect"])
        if len(seen) == total and step not in verified:
            WARN.append("%s: verify block %d of step %s (log %s) was satisfied by quiet-site lines; the step "
                        "did not complete only because another block was not" % (
                            where, block + 1, step, steps[step]["verify"][block]["log"]))
    x = export(st, sid)
    by_markers = [s["id"] for s in x["steps"] if s.get("completed_by") == "markers"]
    if x["session"]["status"] != "finished":
        P.add("HARNESS", "%s: session %s is %s at the end" % (where, sid, x["session"]["status"]))
    info("%s: %d activations, %d rotations, %d marker hits, completed by markers: %s" % (
        where, k, ld.rotations, markers, ", ".join(by_markers) or "none"))


def log_records(st, path):
    p = st.run("log", "--json", path, check=False)
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def failure_cases(root):
    out = []
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        if os.path.isdir(d):
            out.append((case, {f: os.path.join(d, f) for f in sorted(os.listdir(d)) if f != "CASE"}))
    return out


def find_failure_line(st, cases, file_name, sig, others, cache):
    """(case, file, data): a case file named like the log (any case) with a line matching sig;
    data is that file up to the line, without lines that match the step's other signatures."""
    for case, files in cases:
        for f, path in files.items():
            if f.lower() != file_name.lower():
                continue
            if path not in cache:
                cache[path] = log_records(st, path)
            recs = cache[path]
            hit = next((r for r in recs if pattern_matches(sig["match"], r["text"])), None)
            if not hit:
                continue
            raw = open(path, "rb").read().splitlines(keepends=True)
            skip = {r["line"] for r in recs if r["line"] < hit["line"] and any(pattern_matches(o["match"], r["text"]) for o in others)}
            data = b"".join(l for i, l in enumerate(raw[:hit["line"]], 1) if i not in skip)
            return case, f, data
    return None


def failure_runs(st, rb, docs_by_values, site, cases, tmp):
    cache = {}
    seen = set()
    for values, doc in docs_by_values:
        steps = steps_of(doc)
        logs = {k: os.path.basename(log_file_of(v)) for k, v in doc["logs"].items()}
        # files in the runbook's spelling: these runs test the signatures, the quiet runs
        # test the file names
        rename = {site.disk_name(f).lower(): f for f in logs.values() if site.disk_name(f)}
        for idx, s in enumerate(steps):
            if not s["fail"] or not s["applies"] or s["id"] in seen:
                continue
            seen.add(s["id"])
            for n, sig in enumerate(s["fail"], 1):
                others = [o for o in s["fail"] if o is not sig and o["log"] == sig["log"]]
                found = find_failure_line(st, cases, logs[sig["log"]], sig, others, cache)
                label = "%s step %s signature %d (log %s, %s %r)" % (
                    rb, s["id"], n, sig["log"], "regex" if sig["match"].get("regex") else "text", pattern_text(sig["match"]))
                if not found:
                    P.add("FAILURE", "no failure-corpus line for %s" % label)
                    continue
                case, cfile, data = found
                ld = LogDir(tempfile.mkdtemp(dir=tmp, prefix="fail-"), site, rename)
                sid = start_session(st, rb, values, ld.dir)
                for _ in range(len(steps) + 2):  # the steps before it, by hand
                    act = active_step(export(st, sid))
                    if act is None or act["id"] == s["id"]:
                        break
                    complete_by_hand(st, sid, next(t for t in steps if t["id"] == act["id"]), "fast-forward to the step under test")
                act = active_step(export(st, sid))
                if act is None or act["id"] != s["id"]:
                    P.add("HARNESS", "%s: could not reach the step" % label)
                    continue
                ld.append_hour(0, s["id"])
                disk = site.disk_name(logs[sig["log"]]) or logs[sig["log"]]
                ld.append(disk, data, s["id"])
                evs = st.watch(sid)
                fails = [e for e in evs if e["type"] == "failure"]
                good = [e for e in fails if e["step"] == s["id"] and e["log"] == sig["log"] and e.get("hint") == sig["hint"]]
                if not good:
                    P.add("FAILURE", "%s did not fire on its step with failure-corpus case %s/%s; watch reported: %s" % (
                        label, case, cfile, [(e["step"], e["log"], e["line"]) for e in fails] or "no failure"))
                else:
                    info("fired: %s, from case %s/%s: %r" % (label, case, cfile, good[0]["line"]))
                if any(e["type"] == "step_verified" and e["step"] == s["id"] for e in evs):
                    P.add("FAILURE", "%s: the failure case %s also verified the step" % (label, case))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steward", required=True)
    ap.add_argument("--runbooks", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--only", action="append", default=[], help="runbook id (repeatable)")
    ap.add_argument("--names", choices=["disk", "runbook", "both"], default="both")
    ap.add_argument("--check", choices=["quiet", "failure", "all"], default="all")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="steward-corpus-")
    try:
        st = Steward(os.path.abspath(a.steward), os.path.abspath(a.runbooks), os.path.join(tmp, "db"))
        rbs = [r["id"] for r in st.json("list", "--json")]
        if a.only:
            rbs = [r for r in rbs if r in a.only]
        sites = [QuietSite(os.path.join(a.corpus, "quiet", d)) for d in sorted(os.listdir(os.path.join(a.corpus, "quiet")))
                 if os.path.isdir(os.path.join(a.corpus, "quiet", d))]
        cases = failure_cases(os.path.join(a.corpus, "failure"))
        for rb in rbs:
            doc = st.json("show", rb, "--json")
            files = [os.path.basename(log_file_of(v)) for v in doc["logs"].values()]
            usable = [s for s in sites if all(s.disk_name(f) for f in files)]
            if files and not usable:
                P.add("QUIET", "%s: no quiet site of the corpus has all its logs %s" % (rb, files))
                continue
            if not files:
                usable = sites[:1]
            print("== %s: logs %s; quiet sites %s" % (rb, files or "none", [s.name for s in usable]), flush=True)
            for site in usable:
                base, missing = base_values(doc, site.vars)
                if missing:
                    P.add("HARNESS", "%s: no value for variable(s) %s: add them to %s/site.vars" % (rb, missing, site.path))
                    continue
                runs = assignments(st, rb, doc, base)
                if a.check in ("quiet", "all"):
                    for values, d in runs:
                        for names in (["disk", "runbook"] if a.names == "both" else [a.names]):
                            for watching in ("all", "verify"):
                                if (names == "runbook" or watching == "verify") and not files:
                                    continue
                                quiet_run(st, rb, values, d, site, names, watching, tmp)
                if a.check in ("failure", "all") and site is usable[0]:
                    fvars = read_vars(os.path.join(a.corpus, "failure", "site.vars"))
                    fbase, _ = base_values(doc, fvars)
                    fruns = assignments(st, rb, doc, fbase) if fbase != base else runs
                    failure_runs(st, rb, fruns, site, cases, tmp)
    finally:
        if a.keep:
            print("scratch folder kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for w in sorted(set(WARN)):
        print("WARNING: " + w)
    print("\n%d problem(s)" % len(P.items))
    for kind, text in P.items:
        print("%s: %s" % (kind, text))
    return 1 if P.items else 0


if __name__ == "__main__":
    sys.exit(main())
