#!/usr/bin/env python3
"""make_corpus.py — writes tests/corpus/quiet/ and tests/corpus/failure/ (see ../README.md).

The corpus is committed; this script is how it was made, so that it can be regenerated or
extended consistently (CRLF line ends, one time zone per period, thread ids in decimal and
upper-case hex). It is deterministic: the same script always writes the same bytes.

Lines marked SRC below are the source documents' own text (../../../shared/design/SMS-LOGS.md,
the seeds); the rest is modelled on them and on the line shapes of SMS-LOGS.md.
"""
import datetime as dt
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = random.Random(20060614)


# ---- line shapes ----------------------------------------------------------------------

def sms(text, comp, t, thread, bias=240):
    """SMS 2003 / ConfigMgr 2007 server log: text  $$<COMP><MM-DD-YYYY HH:MM:SS.mmm+BIAS><thread=N (0xHEX)>"""
    ms = t.microsecond // 1000
    return "%s  $$<%s><%s.%03d%+d><thread=%d (0x%X)>\r\n" % (
        text, comp, t.strftime("%m-%d-%Y %H:%M:%S"), ms, bias, thread, thread)


def setup(text, t):
    """Setup logs (MPSetup.log, SMSSetup.log, ConfigMgrSetup.log): <MM-DD-YYYY HH:MM:SS> text"""
    return "<%s> %s\r\n" % (t.strftime("%m-%d-%Y %H:%M:%S"), text)


def ccm(text, comp, t, thread, typ=1, src="", bias=240):
    """ConfigMgr client-style log (SMS_CCM\\Logs on the management point)."""
    ms = t.microsecond // 1000
    return ('<![LOG[%s]LOG]!><time="%s.%03d%+d" date="%s" component="%s" context="" type="%d" '
            'thread="%d" file="%s">\r\n' % (text, t.strftime("%H:%M:%S"), ms, bias,
                                            t.strftime("%m-%d-%Y"), comp, typ, thread, src))


def jitter(t, lo=0, hi=900):
    return t + dt.timedelta(milliseconds=rng.randint(lo, hi))


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write("".join(lines))


# ---- SMS 2003 site LAB: site server SERVER1 (C:\SMS), management point MGTPOINT1 ------

SC = "SMS_SITE_COMPONENT_MANAGER"
HM = "SMS_HIERARCHY_MANAGER"
IM = "SMS_INBOX_MANAGER"
MC = "SMS_MP_CONTROL_MANAGER"
SC_T, HM_T, IM_T, MC_T = 1700, 2648, 3012, 2008

# SRC (SMS-LOGS.md, review of the SP2 runbook): SiteComp's idle line as SMS writes it,
# lower-case inbox folders, with the polling interval.
SITECOMP_WAIT = ('Waiting for changes to the "C:\\SMS\\inboxes\\sitectrl.box" or '
                 '"C:\\SMS\\inboxes\\sitecomp.box" directories, updates will be polled every 600 seconds...')
# SRC (seed 002 "Determining That SMS Setup Has Completed"; KB 887603 for the ~ and -5).
HMAN_WAIT = "~Wait for site control changes for maximum %d seconds..."
# SRC (seed 002).
INBOX_WAIT = "Waiting for changes inbox definition, inbox rules and inbox replication files, max wait = 3600 seconds..."
# SRC (seed 001 "Does the Management Point MPLIST Command Return a Blank Screen?").
MP_OK = "Http verification .sms_aut succeeded with status code 200, OK"


def sitecomp_cycle(t, lines, hourly):
    """One 10-minute cycle of Site Component Manager on a site at rest."""
    lines.append(sms("Timed Out...", SC, jitter(t), SC_T))
    if hourly:
        for srv in ("SERVER1", "MGTPOINT1"):
            t2 = jitter(t + dt.timedelta(seconds=1))
            lines.append(sms("Synchronizing component server %s..." % srv, SC, t2, SC_T))   # SRC (seed 001)
            lines.append(sms("Synchronization complete.", SC, jitter(t2, 300, 900), SC_T))  # SRC (seed 001)
    lines.append(sms("Checking for site system servers that need to be polled...", SC, jitter(t + dt.timedelta(seconds=2)), SC_T))
    lines.append(sms("Polling server SERVER1 (%d components).  All components are running." % 24, SC,
                     jitter(t + dt.timedelta(seconds=2)), SC_T))
    lines.append(sms("Polling server MGTPOINT1 (2 components).  All components are running.", SC,
                     jitter(t + dt.timedelta(seconds=3)), SC_T))
    lines.append(sms(SITECOMP_WAIT, SC, jitter(t + dt.timedelta(seconds=3)), SC_T))


def hman_hour(t, lines, n_other):
    lines.append(sms("~Timed out waiting for site control changes.", HM, jitter(t), HM_T))
    lines.append(sms("~Searching for the SMS-Site-LAB object in Active Directory...", HM, jitter(t + dt.timedelta(seconds=1)), HM_T))
    lines.append(sms("~Found the SMS-Site-LAB object; its site information is up to date.", HM, jitter(t + dt.timedelta(seconds=2)), HM_T))
    lines.append(sms(HMAN_WAIT % 3600, HM, jitter(t + dt.timedelta(seconds=2)), HM_T))
    # Hierarchy Manager also wakes for the site backup schedule and for site control changes;
    # the number is the time left until the next scheduled event, and can be negative (KB 887603).
    t2 = t + dt.timedelta(minutes=rng.randint(12, 50), seconds=rng.randint(0, 59))
    lines.append(sms("~Processing site control file: Site LAB File C:\\SMS\\inboxes\\hman.box\\%08X.CT2"
                     % rng.randint(1, 0xFFFF), HM, jitter(t2), HM_T))
    lines.append(sms("~Updating the site information of site LAB in Active Directory...", HM, jitter(t2 + dt.timedelta(seconds=1)), HM_T))
    lines.append(sms(HMAN_WAIT % n_other, HM, jitter(t2 + dt.timedelta(seconds=2)), HM_T))


def inboxmgr_quarter(t, lines):
    lines.append(sms("Timed out waiting for changes.", IM, jitter(t), IM_T))
    box = rng.choice(["hinv", "sinv", "ddr", "statmsgs"])
    lines.append(sms('Replicating files from "C:\\SMS\\inboxes\\clifiles.src\\%s" to "\\\\SERVER1\\CAP_LAB\\clifiles.box\\%s"...'
                     % (box, box), IM, jitter(t + dt.timedelta(seconds=1)), IM_T))
    lines.append(sms("Inbox \"\\\\SERVER1\\CAP_LAB\\clicomp.box\" is up to date.", IM, jitter(t + dt.timedelta(seconds=1)), IM_T))
    lines.append(sms(INBOX_WAIT, IM, jitter(t + dt.timedelta(seconds=2)), IM_T))


def mpcontrol_cycle(t, lines, hourly):
    if hourly:
        lines.append(sms('STATMSG: ID=5460 SEV=I LEV=M SOURCE="SMS Server" COMP="SMS_MP_CONTROL_MANAGER" SYS=SERVER1 SITE=LAB '
                         'PID=1620 TID=2008 GMTDATE=%s ISTR0="MGTPOINT1" ISTR1="" ISTR2="" ISTR3="" ISTR4="" ISTR5="" '
                         'ISTR6="" ISTR7="" ISTR8="" ISTR9="" NUMATTRS=0'
                         % (t + dt.timedelta(hours=4)).strftime("%a %b %d %H:%M:%S.000 %Y"), MC, jitter(t), MC_T))
    lines.append(sms(MP_OK, MC, jitter(t + dt.timedelta(seconds=2)), MC_T))


def ccmexec_hour(t, lines):
    lines.append(ccm("Evaluating the policy of the management point...", "CcmExec", jitter(t), 1312, src="ccmexec.cpp:1025"))
    lines.append(ccm("Service host SMS Agent Host is running (MP mode).", "CcmExec", jitter(t + dt.timedelta(seconds=1)), 1312,
                     src="ccmexec.cpp:1310"))


def mplocation_quarter(t, lines):
    lines.append(ccm("MP LR: Processing location request from client GUID:%08X-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
                     % rng.randint(0, 0xFFFFFFFF), "MP_LocationManager", jitter(t), 4120, src="mplocation.cpp:392"))
    lines.append(ccm("MP LR: Reply has 1 locations", "MP_LocationManager", jitter(t + dt.timedelta(seconds=1)), 4120,
                     src="mplocation.cpp:611"))


def sms2003_day(base):
    sitecomp, hman, inbox, mpc, ccmexec, mploc = [], [], [], [], [], []
    others = [2873, -5, 1187, 3599, 12, 600, 2400, 0, -5, 3540, 1800, 45]
    for h in range(24):
        hb = base + dt.timedelta(hours=h)
        for m in range(0, 60, 10):
            sitecomp_cycle(hb + dt.timedelta(minutes=m, seconds=4), sitecomp, m == 0)
            mpcontrol_cycle(hb + dt.timedelta(minutes=m + 5, seconds=6), mpc, m == 0)
        hman_hour(hb + dt.timedelta(seconds=9), hman, others[h % len(others)])
        for m in range(0, 60, 15):
            inboxmgr_quarter(hb + dt.timedelta(minutes=m, seconds=7), inbox)
            mplocation_quarter(hb + dt.timedelta(minutes=m + 3, seconds=21), mploc)
        ccmexec_hour(hb + dt.timedelta(minutes=30, seconds=1), ccmexec)
    for lst in (sitecomp, hman, inbox, mpc, ccmexec, mploc):
        lst.sort(key=line_key)
    return {"sitecomp.log": sitecomp, "hman.log": hman, "inboxmgr.log": inbox, "mpcontrol.log": mpc,
            "CcmExec.log": ccmexec, "MP_Location.log": mploc}


def line_key(line):
    import re
    m = re.search(r"<(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?", line)
    if m:
        mo, d, y, hh, mi, ss, frac = m.groups()
        return (y, mo, d, hh, mi, ss, frac or "")
    m = re.search(r'time="(\d\d):(\d\d):(\d\d)\.(\d+)[^"]*" date="(\d\d)-(\d\d)-(\d{4})"', line)
    hh, mi, ss, frac, mo, d, y = m.groups()
    return (y, mo, d, hh, mi, ss, frac)


def site_reset(t, lines):
    """A site reset two days before (the account of the site was changed): SiteComp's own lines."""
    seq = [
        "Processing site shutdown transaction",                 # SRC (seed 002)
        "Stopping component SMS_EXECUTIVE on server SERVER1...",
        "Stopped component SMS_EXECUTIVE on server SERVER1.",
        "Site shutdown complete",                               # SRC (seed 002)
        "Installing component SMS_EXECUTIVE on server SERVER1...",
        "Installed the performance counters.",                  # SRC (seed 001)
        "Installed as autostarting service SMS_EXECUTIVE.",     # SRC (seed 001)
        "Started.",                                             # SRC (seed 001)
        "Installation successful.",                             # SRC (seed 001)
        SITECOMP_WAIT,
    ]
    for i, text in enumerate(seq):
        lines.append(sms(text, SC, jitter(t + dt.timedelta(seconds=20 * i)), SC_T))


def smssetup_history():
    """C:\\SMSsetup.log: every setup ever run on the site server (SMS 2003 RTM, then SP1)."""
    out = []
    t = dt.datetime(2004, 11, 18, 15, 2, 11)
    for text in ["SMS Setup Started....", "Parameters: C:\\SMSSETUP\\BIN\\I386\\SETUP.EXE",
                 "Installing a primary site LAB on server SERVER1.", "SQL Server SQL1 database SMS_LAB created.",
                 "Installing the SMS site server services...", "SMS Setup completed successfully."]:
        out.append(setup(text, t)); t += dt.timedelta(minutes=3, seconds=rng.randint(0, 59))
    t = dt.datetime(2005, 7, 20, 22, 14, 5)
    for text in ["SMS Setup Started....", "Parameters: E:\\SMS2003SP1\\SMSSETUP\\BIN\\I386\\SETUP.EXE /upgrade",
                 "Upgrading site LAB from SMS 2003 to SMS 2003 SP1.", "Upgrading the site database SMS_LAB...",
                 "Site database upgrade completed.", "SMS Setup completed successfully."]:
        out.append(setup(text, t)); t += dt.timedelta(minutes=2, seconds=rng.randint(0, 59))
    return out


def mpsetup_history():
    """MPsetup.log on MGTPOINT1: a failed first attempt (Task Scheduler disabled), then the install."""
    out = []
    t = dt.datetime(2004, 12, 2, 16, 51, 50)
    # SRC (seed 001, "Is the Task Scheduler Service Enabled and Running?"), joined as the note says.
    for text, dtm in [
        ("======================================================================", 0),
        ("MP Setup Started....", 0),
        ("Parameters: \\\\MGTPOINT1\\C$\\SMS\\bin\\i386\\MPsetup.exe /install /siteserver:SERVER1", 0),
        ("Installing the MP", 0), ("Passed OS version check.", 0), ("IIS Service is installed.", 0),
        ("No versions of MP are installed.  Installing new MP.", 0),
        ("Enabling MSI logging.  MP.MSI will log to C:\\SMS\\logs\\MPMSI.log", 0),
        ("Installing C:\\SMS\\bin\\i386\\mp.msi CCMINSTALLDIR=\"C:\\SMS_CCM\" CCMSERVERDATAROOT=\"C:\\SMS\" "
         "CCMENABLELOGGING=TRUE CCMLOGLEVEL=1 CCMLOGMAXSIZE=1000000 CCMLOGMAXHISTORY=1", 6),
        ("Unknown error code: 452765", 151), ("[16:54:27] @@ERR:25006", 0),
        ("Setup was unable to create the Internet virtual directory CCM_Incoming The error code is 80041315", 0),
        ("MP.MSI exited with return code: 1603", 34),
        ("Backing up MPMSI.log to C:\\SMS\\logs\\MPMSI.log.LastError", 0),
        ("Fatal MSI Error - MP.MSI could not be installed.", 0)]:
        t += dt.timedelta(seconds=dtm); out.append(setup(text, t))
    t = dt.datetime(2004, 12, 6, 15, 35, 41)
    # SRC (seed 001, walkthrough steps 11 and 15).
    for text, dtm in [
        ("======================================================================", 0),
        ("MP Setup Started....", 0),
        ("Parameters: \\\\MGTPOINT1\\C$\\SMS\\bin\\i386\\MPsetup.exe /install /siteserver:SERVER1", 0),
        ("Installing the MP", 0), ("Passed OS version check.", 0), ("IIS Service is installed.", 0),
        ("No versions of MP are installed.  Installing new MP.", 0),
        ("Enabling MSI logging.  MP.MSI will log to C:\\SMS\\logs\\MPMSI.log", 0),
        ("Installing C:\\SMS\\bin\\i386\\mp.msi CCMINSTALLDIR=\"C:\\SMS_CCM\" CCMSERVERDATAROOT=\"C:\\SMS\" "
         "CCMENABLELOGGING=TRUE CCMLOGLEVEL=1 CCMLOGMAXSIZE=1000000 CCMLOGMAXHISTORY=1", 0),
        ("MP.MSI exited with return code: 0", 480), ("Installation was successful.", 0)]:
        t += dt.timedelta(seconds=dtm); out.append(setup(text, t))
    return out


def mpmsi_history():
    """MPMSI.log of the 12-06-2004 install (a Windows Installer verbose log: plain lines)."""
    s = ["=== Verbose logging started: 12/6/2004  15:35:42  Build type: SHIP UNICODE 2.00.3790.00  "
         "Calling process: C:\\SMS\\bin\\i386\\MPsetup.exe ===",
         "MSI (c) (A0:18): Resetting cached policy values",                 # SRC (KB 886213)
         "MSI (c) (A0:18): Machine policy value 'Debug' is 0",              # SRC
         "MSI (c) (A0:18): ******* RunEngine:",                             # SRC
         "           ******* Product: C:\\SMS\\bin\\i386\\mp.msi",
         "           ******* Action: ",
         "           ******* CommandLine: **********",
         "MSI (c) (A0:18): Client-side and UI is none or basic: Running entire install on the server.",  # SRC
         "MSI (c) (A0:18): Grabbed execution mutex.",
         "MSI (c) (A0:18): Cloaking enabled.",                              # SRC
         "MSI (c) (A0:18): Incrementing counter to disable shutdown. Counter after increment: 0",  # SRC
         "MSI (s) (D4:9C): Grabbed execution mutex.",
         "MSI (s) (D4:9C): Doing action: INSTALL",
         "Action start 15:35:44: INSTALL.",
         "Action start 15:35:44: CcmCreateWmiNamespaces.",
         "Action ended 15:35:51: CcmCreateWmiNamespaces. Return value 1.",
         "Action start 15:35:51: CcmCompileMofs.",
         "Action ended 15:37:02: CcmCompileMofs. Return value 1.",
         "Action start 15:37:02: CcmCreateVirtualDirectories.",
         "Action ended 15:37:40: CcmCreateVirtualDirectories. Return value 1.",
         "Action start 15:37:40: CcmCreateAppPools.",
         "Action ended 15:37:44: CcmCreateAppPools. Return value 1.",
         "Action start 15:37:44: CcmRegisterPerfCounters.",
         "Action ended 15:37:49: CcmRegisterPerfCounters. Return value 1.",
         "Action start 15:37:49: StartServices.",
         "Action ended 15:38:20: StartServices. Return value 1.",
         "Action ended 15:43:39: INSTALL. Return value 1.",
         "MSI (s) (D4:9C): Product: SMS Management Point -- Installation operation completed successfully.",
         "MSI (c) (A0:18): Decrementing counter to disable shutdown. If counter >= 0, shutdown will be denied.  Counter after decrement: -1",
         "MSI (c) (A0:18): MainEngineThread is returning 0",
         "=== Verbose logging stopped: 12/6/2004  15:43:41 ==="]
    return [x + "\r\n" for x in s]


def sms2003_before():
    files = {}
    # sitecomp.lo_: the last rollover (06-10 and 06-11); the live file began on 06-12 and
    # holds the site reset of that evening (the site's account was changed), two days ago.
    lo = []
    base = dt.datetime(2006, 6, 10, 12, 0, 4)
    for i in range(6 * 36):
        sitecomp_cycle(base + dt.timedelta(minutes=10 * i), lo, i % 6 == 0)
    files["sitecomp.lo_"] = sorted(lo, key=line_key)
    live = []
    base = dt.datetime(2006, 6, 12, 9, 0, 4)
    for i in range(6 * 12):
        sitecomp_cycle(base + dt.timedelta(minutes=10 * i), live, i % 6 == 0)
    site_reset(dt.datetime(2006, 6, 12, 21, 40, 12), live)
    base = dt.datetime(2006, 6, 12, 22, 0, 4)
    for i in range(6 * 36):
        sitecomp_cycle(base + dt.timedelta(minutes=10 * i), live, i % 6 == 0)
    files["sitecomp.log"] = sorted(live, key=line_key)
    hm, ib, mc = [], [], []
    for h in range(14):
        hb = dt.datetime(2006, 6, 13, 10, 0, 9) + dt.timedelta(hours=h)
        hman_hour(hb, hm, [1200, -5, 3599, 2873][h % 4])
        for m in range(0, 60, 15):
            inboxmgr_quarter(hb + dt.timedelta(minutes=m), ib)
        for m in range(0, 60, 10):
            mpcontrol_cycle(hb + dt.timedelta(minutes=m + 5), mc, m == 0)
    files["hman.log"] = sorted(hm, key=line_key)
    files["inboxmgr.log"] = sorted(ib, key=line_key)
    files["mpcontrol.log"] = sorted(mc, key=line_key)
    files["SMSsetup.log"] = smssetup_history()
    files["MPsetup.log"] = mpsetup_history()
    files["MPMSI.log"] = mpmsi_history()
    return files


# ---- ConfigMgr 2007 site CM1: site server CMSRV1 ----------------------------------------

CMDIR = "C:\\Program Files\\Microsoft Configuration Manager"


def cm2007_day(base):
    sc, hm, ib, mc, db = [], [], [], [], []
    others = [3600, 1712, -5, 3599, 845, 3000]
    for h in range(24):
        hb = base + dt.timedelta(hours=h)
        for m in range(0, 60, 10):
            t = hb + dt.timedelta(minutes=m, seconds=5)
            sc.append(sms("Timed Out...", SC, jitter(t), 4312, bias=300))
            sc.append(sms("Checking for site system servers that need to be polled...", SC, jitter(t + dt.timedelta(seconds=1)), 4312, bias=300))
            sc.append(sms('Waiting for changes to the "%s\\inboxes\\sitectrl.box" or "%s\\inboxes\\sitecomp.box" directories, '
                          'updates will be polled every 600 seconds...' % (CMDIR, CMDIR), SC, jitter(t + dt.timedelta(seconds=2)), 4312, bias=300))
            t = hb + dt.timedelta(minutes=m + 3, seconds=11)
            mc.append(sms("Call to HttpSendRequestSync succeeded for port 80 with status code 200, text: OK", MC, jitter(t), 3804, bias=300))
            mc.append(sms("Http test request succeeded.", MC, jitter(t + dt.timedelta(seconds=1)), 3804, bias=300))
        t = hb + dt.timedelta(seconds=13)
        hm.append(sms("Timed out waiting for site control changes.", HM, jitter(t), 2780, bias=300))
        hm.append(sms("Wait for site control changes for maximum 3600 seconds...", HM, jitter(t + dt.timedelta(seconds=1)), 2780, bias=300))
        t = hb + dt.timedelta(minutes=37, seconds=2)
        hm.append(sms("Processing site control file: Site CM1 File %s\\inboxes\\hman.box\\%08X.CT2" % (CMDIR, rng.randint(1, 0xFFFF)),
                      HM, jitter(t), 2780, bias=300))
        hm.append(sms("Wait for site control changes for maximum %d seconds..." % others[h % len(others)], HM,
                      jitter(t + dt.timedelta(seconds=2)), 2780, bias=300))
        for m in range(0, 60, 20):
            t = hb + dt.timedelta(minutes=m, seconds=8)
            ib.append(sms("Timed out waiting for changes.", IM, jitter(t), 3140, bias=300))
            ib.append(sms(INBOX_WAIT, IM, jitter(t + dt.timedelta(seconds=1)), 3140, bias=300))
        for m in range(0, 60, 5):
            t = hb + dt.timedelta(minutes=m, seconds=rng.randint(0, 59))
            db.append(sms("RCV: UPDATE on SiteControl for SiteControl_AddUpd_HMAN [CM1 ][%d]" % rng.randint(100000, 999999),
                          "SMS_DATABASE_NOTIFICATION_MONITOR", jitter(t), 2356, bias=300))
            db.append(sms("SND: Dropped %s\\inboxes\\hman.box\\CM1.SCU [%d]" % (CMDIR, rng.randint(100000, 999999)),
                          "SMS_DATABASE_NOTIFICATION_MONITOR", jitter(t + dt.timedelta(seconds=1)), 2356, bias=300))
    out = {"sitecomp.log": sc, "hman.log": hm, "inboxmgr.log": ib, "mpcontrol.log": mc, "smsdbmon.log": db}
    for v in out.values():
        v.sort(key=line_key)
    return out


def cm2007_before():
    files = {}
    t = dt.datetime(2009, 8, 17, 10, 12, 3)
    out = []
    for text in ["Configuration Manager Setup Started....",
                 "Installing a primary site CM1 on server CMSRV1.",
                 "SQL Server SQLCM1: creating the site database SMS_CM1...",
                 "Installing the site server components...",
                 "Configuration Manager Setup completed successfully."]:
        out.append(setup(text, t)); t += dt.timedelta(minutes=4, seconds=rng.randint(0, 59))
    t = dt.datetime(2010, 2, 23, 20, 40, 19)
    for text in ["Configuration Manager Setup Started....",
                 "Upgrading site CM1 to Configuration Manager 2007 SP2.",
                 "Upgrading the site database SMS_CM1...",
                 "Configuration Manager Setup completed successfully."]:
        out.append(setup(text, t)); t += dt.timedelta(minutes=3, seconds=rng.randint(0, 59))
    files["ConfigMgrSetup.log"] = out
    day = cm2007_day(dt.datetime(2010, 3, 9, 14, 0, 0))
    for name, lines in day.items():
        files[name] = lines[len(lines) // 2:]   # the live files began yesterday afternoon
    return files


# ---- failure corpus ------------------------------------------------------------------

def failure_cases():
    """Each case: files (on-disk name -> lines) and a description naming its source."""
    cases = {}
    T = dt.datetime

    def mp_start(t, machine="MGTPOINT1"):
        return [setup("======================================================================", t),
                setup("MP Setup Started....", t),
                setup("Parameters: \\\\%s\\C$\\SMS\\bin\\i386\\MPsetup.exe /install /siteserver:SERVER1" % machine, t),
                setup("Installing the MP", t), setup("Passed OS version check.", t)]

    install = ("Installing C:\\SMS\\bin\\i386\\mp.msi CCMINSTALLDIR=\"C:\\SMS_CCM\" CCMSERVERDATAROOT=\"C:\\SMS\" "
               "CCMENABLELOGGING=TRUE CCMLOGLEVEL=1 CCMLOGMAXSIZE=1000000 CCMLOGMAXHISTORY=1")

    t = T(2006, 6, 14, 10, 6, 32)
    cases["mp-iis-not-installed"] = (
        "Seed 001, Is IIS Installed?: MPSetup.log when IIS is not installed.",
        {"MPsetup.log": mp_start(t) + [setup("Error - IIS Service is not installed on the Machine - MP Installation cannot continue.", t)]})

    def msi_fail(t, code, machine="MGTPOINT1"):
        t2 = t + dt.timedelta(seconds=151)
        t3 = t2 + dt.timedelta(seconds=34)
        return mp_start(t, machine) + [
            setup("IIS Service is installed.", t),
            setup("No versions of MP are installed.  Installing new MP.", t),
            setup("Enabling MSI logging.  MP.MSI will log to C:\\SMS\\logs\\MPMSI.log", t),
            setup(install, t),
            setup("Unknown error code: 452765", t2),
            setup("[%s] @@ERR:25006" % t2.strftime("%H:%M:%S"), t2),
            setup("Setup was unable to create the Internet virtual directory CCM_Incoming The error code is %s" % code, t2),
            setup("MP.MSI exited with return code: 1603", t3),
            setup("Backing up MPMSI.log to C:\\SMS\\logs\\MPMSI.log.LastError", t3),
            setup("Fatal MSI Error - MP.MSI could not be installed.", t3)]

    cases["mp-task-scheduler-disabled"] = (
        "Seed 001, Is the Task Scheduler Service Enabled and Running?: the lines the document shows "
        "(it calls them MPmsi.log symptoms; they are MPSetup.log lines, so the case has both files).",
        {"MPsetup.log": msi_fail(T(2006, 6, 14, 10, 51, 56), "80041315"),
         "MPMSI.log": [x for x in msi_fail(T(2006, 6, 14, 10, 51, 56), "80041315")[8:]]})
    cases["mp-dtc-not-running"] = (
        "Seed 001, Is the Distributed Transaction Coordinator Service Running?: MPSetup.log.",
        {"MPsetup.log": msi_fail(T(2006, 6, 14, 10, 34, 4), "80020009")})

    t = T(2006, 6, 14, 11, 2, 10)
    cases["mp-client-installed-first-1603"] = (
        "Seed 002, Real World Problems (Rob Stack, Jan Burke): 'mpsetup.log returned error code 1603' when an SMS "
        "client was installed before the MP; the MSI error itself is not quoted, only the return code.",
        {"MPsetup.log": mp_start(t) + [
            setup("IIS Service is installed.", t),
            setup("No versions of MP are installed.  Installing new MP.", t),
            setup("Enabling MSI logging.  MP.MSI will log to C:\\SMS\\logs\\MPMSI.log", t),
            setup(install, t),
            setup("MP.MSI exited with return code: 1603", t + dt.timedelta(seconds=95)),
            setup("Backing up MPMSI.log to C:\\SMS\\logs\\MPMSI.log.LastError", t + dt.timedelta(seconds=95)),
            setup("Fatal MSI Error - MP.MSI could not be installed.", t + dt.timedelta(seconds=95))]})

    t = T(2006, 6, 14, 11, 20, 3)
    msi = ["=== Verbose logging started: 6/14/2006  11:20:03  Build type: SHIP UNICODE 2.00.3790.00  "
           "Calling process: D:\\SMS\\bin\\i386\\MPsetup.exe ===",
           # SRC (KB 886213, seed 000; also seed 001), lines joined as the documents' notes say
           "MSI (c) (A0:18): Resetting cached policy values",
           "MSI (c) (A0:18): Machine policy value 'Debug' is 0",
           "MSI (c) (A0:18): ******* RunEngine:",
           "           ******* Product: D:\\SMS\\bin\\i386\\mp.msi",
           "           ******* Action: ",
           "           ******* CommandLine: **********",
           "MSI (c) (A0:18): Client-side and UI is none or basic: Running entire install on the server.",
           "MSI (c) (A0:18): Failed to grab execution mutex. System error 258.",
           "MSI (c) (A0:18): Cloaking enabled.",
           "MSI (c) (A0:18): Attempting to enable all disabled privileges before calling Install on Server",
           "MSI (c) (A0:18): Incrementing counter to disable shutdown. Counter after increment: 0",
           "MSI (c) (A0:18): Decrementing counter to disable shutdown. If counter >= 0, shutdown will be denied. Counter after decrement: -1",
           "MSI (c) (A0:18): MainEngineThread is returning 1618"]
    cases["mp-dc-execution-mutex-1618"] = (
        "KB 886213 (seed 000) and seed 001, domain controller: MPMSI.log.",
        {"MPMSI.log": [x + "\r\n" for x in msi],
         "MPsetup.log": mp_start(t) + [setup("IIS Service is installed.", t),
                                       setup("No versions of MP are installed.  Installing new MP.", t),
                                       setup("Enabling MSI logging.  MP.MSI will log to C:\\SMS\\logs\\MPMSI.log", t),
                                       setup(install.replace("C:\\SMS\\bin", "D:\\SMS\\bin"), t),
                                       setup("MP.MSI exited with return code: 1618", t + dt.timedelta(seconds=4)),
                                       setup("Fatal MSI Error - MP.MSI could not be installed.", t + dt.timedelta(seconds=4))]})

    t = T(2006, 6, 14, 11, 35, 8)
    cases["mp-dc-http-401"] = (
        "KB 886213 (seed 000) and seed 001: MPControl.log on the site server (401.3 Unauthorized due to ACL).",
        {"mpcontrol.log": [sms("Http verification .sms_aut failed with status code 401, Unauthorized", MC, t, 2648),
                           sms("Http verification .sms_aut failed with status code 401, Unauthorized", MC,
                               t + dt.timedelta(minutes=10), 2648)]})

    t = T(2006, 6, 14, 12, 35, 5)
    cases["mp-port-80-changed"] = (
        "Seed 001, Is the Default Web Site Configured for Port 80?: MPControl.log "
        "(setup completes, the error appears afterwards).",
        {"mpcontrol.log": [sms("Failed to send http request /SMS_MP/.sms_aut?MPLIST. Error 12029", MC, t, 2532),
                           sms("Http verification .sms_aut failed with no header received", MC, t, 2532)]})

    t = T(2006, 6, 14, 13, 21, 37)
    cases["sitecomp-nal-drive-inaccessible"] = (
        "Seed 001, walkthrough step 4: Site Component Manager cannot reach a drive of the new site system "
        "(written during a normal install for drives that do not exist: not a failure of the install).",
        {"sitecomp.log": [sms("Attempting to connect to install drive '\\\\MGTPOINT1\\N$\\'.", SC, t, SC_T),
                          sms("Testing connectivity to this path using NAL INetworkObject::IsAccessible()...", SC, t, SC_T),
                          sms("ERROR: NAL failed to access NAL path 'MSWNET:\\\\MGTPOINT1\\N$\\', probably because the machine is "
                              "down, the network is down, or the Site System Connection Accounts are misconfigured.  NAL "
                              "INetworkObject::IsAccessible() returned 0x80070043: The operation completed successfully.", SC, t, SC_T)]})

    t = T(2006, 6, 14, 14, 2, 44)
    cases["sitecomp-sql-access-group-4908"] = (
        "Seed 001, SMS_SiteSystemToSQLConnection group: status message 4908 as SiteComp.log writes status messages "
        "(the document quotes only the message text with %1 %2 %3).",
        {"sitecomp.log": [sms('STATMSG: ID=4908 SEV=E LEV=M SOURCE="SMS Server" COMP="SMS_SITE_COMPONENT_MANAGER" SYS=SERVER1 '
                              'SITE=LAB PID=1688 TID=1700 GMTDATE=Wed Jun 14 18:02:44.000 2006 ISTR0="CORP\\MGTPOINT1$" '
                              'ISTR1="SMS_SiteSystemToSQLConnection_LAB" ISTR2="SQL1" ISTR3="" ISTR4="" ISTR5="" ISTR6="" '
                              'ISTR7="" ISTR8="" ISTR9="" NUMATTRS=0', SC, t, SC_T),
                          sms('Site Component Manager could not add machine account "CORP\\MGTPOINT1$" to the SQL Access Group '
                              '"SMS_SiteSystemToSQLConnection_LAB" on the SQL Server machine "SQL1".', SC, t, SC_T)]})

    t = T(2006, 6, 14, 15, 10, 2)
    cases["w2k3sp1-remote-registry-997"] = (
        "Seed 002, Real World Problems (Zubair Rajah): after Windows Server 2003 SP1 on a management point separate "
        "from the site server, 'error 997: Overlapped I/O operation in progress' on the site server (the site server "
        "cannot read the MP's registry). Only that fragment is quoted; the rest of each line is modelled.",
        {"sitecomp.log": [sms("Polling server MGTPOINT1...", SC, t, SC_T),
                          sms("Failed to connect to the registry of server MGTPOINT1, error 997: Overlapped I/O operation in progress",
                              SC, t, SC_T)],
         "mpcontrol.log": [sms("Failed to read the registry of management point MGTPOINT1, error 997: Overlapped I/O operation in progress",
                               MC, t + dt.timedelta(seconds=6), MC_T)]})

    t = T(2006, 6, 14, 16, 0, 0)
    cases["osql-login-failed"] = (
        "Seed 001, computer account access to the site database: osql's error (typed at a prompt, kept as text).",
        {"osql.txt": ["Login failed for user '(null)'. Reason: Not associated with a trusted SQL Server connection.\r\n"]})

    return cases


def main():
    for sub in ("quiet", "failure"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    q = os.path.join(ROOT, "quiet")
    for name, lines in sms2003_before().items():
        write(os.path.join(q, "sms2003", "before", name), lines)
    for name, lines in sms2003_day(dt.datetime(2006, 6, 14, 0, 0, 0)).items():
        write(os.path.join(q, "sms2003", "day", name), lines)
    for name, lines in cm2007_before().items():
        write(os.path.join(q, "cm2007", "before", name), lines)
    for name, lines in cm2007_day(dt.datetime(2010, 3, 10, 0, 0, 0)).items():
        write(os.path.join(q, "cm2007", "day", name), lines)
    for cid, (desc, files) in failure_cases().items():
        d = os.path.join(ROOT, "failure", cid)
        for name, lines in files.items():
            write(os.path.join(d, name), lines)
        with open(os.path.join(d, "CASE"), "w") as f:
            f.write(desc + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
