#!/usr/bin/env python3
"""gen_sms_backlog.py FILE SIZE_MB [MARKER...] — writes about SIZE_MB MiB of realistic SMS 2003
component-log lines (CRLF) to FILE, placing each MARKER line at an equal share of the way
through (the last one near the end). Used by the benchmarks; never by the tests."""
import random, sys

path, size_mb, markers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rnd = random.Random(42)
comps = ["SMS_SITE_COMPONENT_MANAGER", "SMS_HIERARCHY_MANAGER", "SMS_INBOX_MANAGER",
         "SMS_MP_CONTROL_MANAGER", "SMS_DISTRIBUTION_MANAGER", "SMS_POLICY_PROVIDER"]
texts = [
    "Checking status of component {c} on server SITESRV{n}",
    "STATMSG: ID={n} SEV=I LEV=M SOURCE=\"SMS Server\" COMP=\"{c}\" SYS=SITESRV SITE=ABC PID=1620 TID=2008",
    "Waiting for changes to the \"C:\\SMS\\inboxes\\{c}.box\" directory, updates will be polled every 3600 seconds.",
    "Processing file C:\\SMS\\inboxes\\hman.box\\{n}.SHA",
    "Sleeping for 60 seconds...",
    "Execute query exec sp_GetPublicKey N'ABC', {n}",
    "Sending http request /SMS_MP/.sms_aut?MPLIST to SITESRV{n}...",
    "Component {c} is running on SITESRV; thread count {n}",
]

def line(i):
    c = comps[i % len(comps)]
    t = texts[(i * 7) % len(texts)].format(c=c, n=rnd.randint(1000, 99999))
    return "%s  $$<%s><06-14-2006 %02d:%02d:%02d.%03d+240><thread=%d (0x%X)>\r\n" % (
        t, c, (i // 3600) % 24, (i // 60) % 60, i % 60, i % 1000, 2000 + i % 64, 2000 + i % 64)

block = "".join(line(i) for i in range(8000)).encode()
total = size_mb * 1024 * 1024
n_blocks = max(1, total // len(block))
places = {}
for k, m in enumerate(markers):
    places.setdefault(min(n_blocks - 1, (k + 1) * n_blocks // len(markers) - (1 if k + 1 == len(markers) else 0)), []).append(m)
with open(path, "wb") as f:
    for b in range(n_blocks):
        f.write(block)
        for m in places.get(b, []):
            f.write(("%s  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+240><thread=2648 (0xA58)>\r\n" % m).encode())
