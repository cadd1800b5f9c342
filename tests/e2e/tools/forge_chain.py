#!/usr/bin/env python3
"""forge_chain.py DB SESSION edit SEQ OLD NEW | drop-tail KEEP [--state-from COPY]

A forger who can write the database and has read docs/audit-trail.md: drops the
append-only triggers, changes what it wants, recomputes every hash from there on
(the encoding is public), and fixes the cached head, so that the chain alone
verifies again. Used by the seal tests: only a seal or a head recorded elsewhere
can catch this.

  edit SEQ OLD NEW   replace OLD by NEW in the data of event SEQ, rehash forward
  drop-tail KEEP     delete every event after KEEP, move the head back
  --state-from COPY  also put back the cached state (progress, active step, step
                     and log rows) from COPY, a copy of DB taken when event KEEP
                     was the last: for a tail whose events changed step states
"""
import datetime
import hashlib
import sqlite3
import sys


def field(v):
    if v is None:
        return b"~\n"
    b = v.encode("utf-8")
    return str(len(b)).encode() + b":" + b + b"\n"


def at_text(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def event_hash(sid, seq, at_ms, op, host, typ, step, data, prev):
    enc = b"steward-event/1\n" + b"".join(field(v) for v in (
        sid, str(seq), at_text(at_ms), op, host, typ, step, data, prev))
    return hashlib.sha256(enc).hexdigest()


def main():
    db, sid, verb = sys.argv[1], sys.argv[2], sys.argv[3]
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS events_no_update")
    con.execute("DROP TRIGGER IF EXISTS events_no_delete")
    if verb == "edit":
        seq, old, new = int(sys.argv[4]), sys.argv[5], sys.argv[6]
        (data,) = con.execute("SELECT data FROM events WHERE session_id=? AND seq=?", (sid, seq)).fetchone()
        if old not in data:
            sys.exit(f"forge: event {seq} has no '{old}': {data}")
        con.execute("UPDATE events SET data=? WHERE session_id=? AND seq=?", (data.replace(old, new), sid, seq))
        start = seq
    elif verb == "drop-tail":
        keep = int(sys.argv[4])
        con.execute("DELETE FROM events WHERE session_id=? AND seq>?", (sid, keep))
        start = keep + 1
    else:
        sys.exit(f"forge: unknown verb {verb}")
    rows = con.execute("SELECT seq, at_ms, operator, host, type, step, data FROM events "
                       "WHERE session_id=? ORDER BY seq", (sid,)).fetchall()
    prev = "0" * 64
    for seq, at_ms, op, host, typ, step, data in rows:
        if seq >= start:
            h = event_hash(sid, seq, at_ms, op, host, typ, step, data, prev)
            con.execute("UPDATE events SET prev_hash=?, hash=? WHERE session_id=? AND seq=?", (prev, h, sid, seq))
            prev = h
        else:
            (prev,) = con.execute("SELECT hash FROM events WHERE session_id=? AND seq=?", (sid, seq)).fetchone()
    last = rows[-1]
    con.execute("UPDATE sessions SET head_seq=?, head_hash=?, last_activity_ms=? WHERE id=?",
                (last[0], prev, last[1], sid))
    if len(sys.argv) > 6 and sys.argv[5] == "--state-from":
        put_state_back(con, sqlite3.connect(sys.argv[6]), sid, last[0], prev)
    con.commit()


def put_state_back(con, old, sid, seq, head):
    cols = "status, finished_ms, last_activity_ms, n_done, n_applicable, active_step, head_seq, head_hash"
    row = old.execute(f"SELECT {cols} FROM sessions WHERE id=?", (sid,)).fetchone()
    if row[-2:] != (seq, head):
        sys.exit(f"forge: the copy's head is event {row[-2]}, not {seq} with this hash")
    con.execute(f"UPDATE sessions SET ({cols}) = ({', '.join('?' * 8)}) WHERE id=?", row + (sid,))
    for table in ("step_states", "log_positions"):
        con.execute(f"DELETE FROM {table} WHERE session_id=?", (sid,))
        rows = old.execute(f"SELECT * FROM {table} WHERE session_id=?", (sid,)).fetchall()
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


if __name__ == "__main__":
    main()
