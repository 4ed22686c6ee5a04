#!/usr/bin/python3
"""Crash-and-restart soak of the real `mailgateway run` daemon (run by hand, not in CI; docs/reliability.md).

Starts a private Dovecot (IMAP) and smtp-sink (dumps every message it accepts) on 127.0.0.1, configures three
lists with the demo partner register (college-research: open to its college; interface-knowledge: opt-in members;
individuals: non-members' posts held for the secretariat), then, KILLS times: delivers a few posts by IMAP APPEND,
answers every moderation request seen in the sink with an emailed "approve" (a Reply: to the request's
`list+confirm.<token>@` Reply-To, as a moderator's mail client sends it), starts the daemon, SIGKILLs it after
a random delay. Then it runs the daemon until everything is done and checks:

  lost        delivered messages (posts and moderator replies) neither archived nor quarantined: must be 0
  unsent      outbox rows not sent at the end (must be 0)
  missing     outbox copies (recipient, Message-ID) that never reached the sink (must be 0)
  duplicates  extra copies of one (recipient, Message-ID) in the sink
  bound       kills x delivery connections: the most a crash between a 250 and its commit may re-send
  undecided   holds still pending at the end, although every request was answered (must be 0)

usage: soak.py --binary PATH [--kills N] [--max-delay S] [--seed N] [--keep]
"""
import argparse
import email
import email.header
import email.utils
import email.policy
import imaplib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LISTS = ["college-research", "interface-knowledge", "individuals"]
PASSWORD = "soak-Pa55word"
SECRETARIAT = "secretariat@4p1000-demo.example"
INTERFACE_MEMBERS = ["c.rousseau@sols-vivants-demo.example", "g.wanjiru@agroforestry-centre-demo.example",
                     "j.weber@thuenen-demo.example"]
INDIVIDUALS = ["andres.quintero@finca-demo.example", "thomas.girard@jardin-demo.example"]
CONNECTIONS = 2
# A moderation request's Reply-To (docs/moderation-by-email.md): `list+confirm.<token>@domain`, a plain Reply decides.
CONFIRM = re.compile(r"^([a-z0-9.-]+)\+confirm\.([a-z0-9]+)@", re.I)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def sh(*args, env=None, check=True):
    return subprocess.run(list(args), cwd=ROOT, env=env, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


class Soak:
    def __init__(self, opts):
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.dir = tempfile.mkdtemp(prefix="mailgw-soak-")
        os.chmod(self.dir, 0o755)  # Dovecot's unprivileged processes must traverse it (mkdtemp makes it 0700)
        self.imap_port, self.imaps_port, self.lmtp_port, self.smtp_port = free_ports(4)
        self.delivered = []          # (list, Message-ID) appended to a list's mailbox
        self.answered = set()        # tokens already answered
        self.seen_dumps = set()
        self.kills = 0
        self.serial = 0
        self.daemon = None
        self.log = open(os.path.join(self.dir, "daemon.log"), "ab")

    # --- servers and configuration -------------------------------------------------------------------------
    def start(self):
        env = dict(os.environ, IMAP_PORT=str(self.imap_port), IMAPS_PORT=str(self.imaps_port),
                   LMTP_PORT=str(self.lmtp_port))
        sh("bash", "scripts/dovecot.sh", "start", f"{self.dir}/dovecot", env=env)
        for l in LISTS:
            sh("bash", "scripts/dovecot.sh", "adduser", f"{self.dir}/dovecot", l, PASSWORD)
        sh("bash", "scripts/postfix.sh", "sink", "start", f"{self.dir}/sink", str(self.smtp_port))
        self.config = os.path.join(self.dir, "config.json")
        example = json.load(open(os.path.join(ROOT, "config.example.json"), encoding="utf-8"))
        lists = []
        for l in example["lists"]:
            if l["id"] in LISTS:
                l["mailbox"] = {"user": l["id"], "password_env": "SOAK_IMAP_PASSWORD", "folder": "INBOX"}
                if l["id"] == "individuals":
                    l["non_member_action"] = "hold"
                lists.append(l)
        example.update({
            "database": os.path.join(self.dir, "archive.sqlite"),
            "templates_directory": os.path.join(ROOT, "templates"),
            "poll_interval_seconds": 1,
            "secretariat": [SECRETARIAT],
            "imap": {"host": "127.0.0.1", "port": self.imap_port, "tls": "none"},
            "smtp": {"host": "127.0.0.1", "port": self.smtp_port, "tls": "none"},
            "delivery": {"connections": CONNECTIONS, "backoff_seconds": 1, "max_backoff_seconds": 2,
                         "helo_name": "gateway.soak"},
            "lists": lists,
        })
        # Every held post gets an emailed request (the default, 10 per list and hour, would leave most of the
        # soak's holds unanswered and the moderation path little exercised).
        example.setdefault("moderation", {})["requests_per_hour"] = 10_000
        # Posts are appended straight into the mailboxes, without the MX's Authentication-Results.
        example.pop("trusted_authserv_id", None)
        json.dump(example, open(self.config, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MAILGATEWAY_")}
        self.env.update(SOAK_IMAP_PASSWORD=PASSWORD, MAILGATEWAY_CONFIG=self.config,
                        MAILGATEWAY_MODERATION_KEY="soak-moderation-key-0123456789abcdef0123456789")
        self.cli("partners", "import", os.path.join(ROOT, "demo/partners.csv"))
        for a in INTERFACE_MEMBERS:
            self.cli("members", "add", "--list", "interface-knowledge", a)
        for a in INDIVIDUALS:
            self.cli("members", "add", "--list", "individuals", a)
        self.cli("members", "add", "--list", "individuals", SECRETARIAT, "--role", "moderator")

    def cli(self, *args):
        r = subprocess.run([self.opts.binary, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            raise SystemExit(f"soak: mailgateway {' '.join(args)} failed: {r.stdout}")

    def stop(self):
        self.stop_daemon(signal.SIGTERM)
        sh("bash", "scripts/postfix.sh", "sink", "stop", f"{self.dir}/sink", check=False)
        sh("bash", "scripts/dovecot.sh", "stop", f"{self.dir}/dovecot", check=False)
        if not self.opts.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- traffic -----------------------------------------------------------------------------------------------
    def append(self, list_id, sender, subject, body, message_id=None, extra="", to=None):
        self.serial += 1
        message_id = message_id or f"soak-{self.serial}-{self.rng.randrange(10**9)}@soak.test"
        text = (f"From: {sender}\r\nTo: {to or list_id + '@lists.4p1000.org'}\r\nSubject: {subject}\r\n"
                f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{message_id}>\r\n{extra}"
                f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
        imap = imaplib.IMAP4("127.0.0.1", self.imap_port)
        imap.login(list_id, PASSWORD)
        typ, detail = imap.append("INBOX", None, None, text.encode("utf-8"))
        imap.logout()
        if typ != "OK":
            raise SystemExit(f"soak: APPEND to {list_id} failed: {detail}")
        self.delivered.append((list_id, message_id))

    def feed(self):
        for _ in range(self.rng.randint(0, 3)):
            n = self.serial + 1
            kind = self.rng.random()
            if kind < 0.45:
                self.append("college-research", "Hélène Dubois <helene.dubois@inrae-demo.example>",
                            f"Soak post {n}", f"Research post {n}.")
            elif kind < 0.7:
                self.append("interface-knowledge", f"<{self.rng.choice(INTERFACE_MEMBERS)}>",
                            f"Interface post {n}", f"Interface post {n}.")
            else:
                self.append("individuals", f"Visitor {n} <visitor{n}@example.net>", f"Held post {n}",
                            f"A non-member's post {n}.")

    def sink_dumps(self, settled=False):
        folder = os.path.join(self.dir, "sink", "mail")
        out = []
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            try:
                # A transaction still arriving is read on a later look; smtp-sink deletes aborted ones.
                if not settled and time.time() - os.path.getmtime(path) < 1:
                    continue
                with open(path, "rb") as f:
                    out.append((name, f.read()))
            except FileNotFoundError:
                continue
        return out

    @staticmethod
    def parse_dump(data):
        """smtp-sink's records (X-Mail-Args, X-Rcpt-Args, its Received) then the message."""
        rcpts, lines, i = [], data.split(b"\n"), 0
        while i < len(lines):
            line = lines[i]
            if line.startswith(b"X-Rcpt-Args: "):
                m = re.search(rb"<([^>]*)>", line)
                rcpts.append((m.group(1) if m else line[13:].strip()).decode("utf-8", "replace").lower())
            elif line.startswith(b"Received: "):
                i += 3
                break
            i += 1
        msg = email.message_from_bytes(b"\n".join(lines[i:]), policy=email.policy.compat32)
        return rcpts, msg

    def answer_moderation_requests(self):
        for name, data in self.sink_dumps():
            if name in self.seen_dumps:
                continue
            self.seen_dumps.add(name)
            rcpts, msg = self.parse_dump(data)
            if SECRETARIAT not in rcpts:
                continue
            reply_to = email.utils.getaddresses(msg.get_all("Reply-To", []))
            address = reply_to[0][1] if reply_to else ""
            m = CONFIRM.match(address)
            if not m or m.group(1).lower() not in LISTS or m.group(2).lower() in self.answered:
                continue
            # A plain Reply from the moderator's client: to the Reply-To, "Re:" and the (encoded) subject, threaded.
            self.answered.add(m.group(2).lower())
            subject = " ".join(str(msg.get("Subject", "")).split())
            request_id = (msg.get("Message-ID") or "").strip()
            threading = f"In-Reply-To: {request_id}\r\nReferences: {request_id}\r\n" if request_id else ""
            self.append(m.group(1).lower(), f"Secretariat <{SECRETARIAT}>", f"Re: {subject}",
                        "approve\r\n\r\n> ...", extra=threading, to=address)

    # --- the daemon --------------------------------------------------------------------------------------------
    def start_daemon(self):
        self.daemon = subprocess.Popen([self.opts.binary, "run", "--log-level", "info"], env=self.env,
                                       stdout=self.log, stderr=self.log, cwd=self.dir)

    def stop_daemon(self, sig):
        if self.daemon is None:
            return None
        if self.daemon.poll() is None:
            self.daemon.send_signal(sig)
            try:
                self.daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        status, self.daemon = self.daemon.returncode, None
        return status

    def db(self):
        return sqlite3.connect(f"file:{self.dir}/archive.sqlite?mode=ro", uri=True, timeout=30)

    def settled(self):
        """True when every delivered message is archived or quarantined, no hold waits for an answer we sent,
        and the outbox has nothing left to send."""
        try:
            with self.db() as c:
                archived = set(c.execute("SELECT list_id, message_id FROM messages"))
                pending = c.execute("SELECT count(*) FROM outbox WHERE status IN ('pending','sending')").fetchone()[0]
                holds = c.execute("SELECT count(*) FROM holds WHERE status = 'pending'").fetchone()[0]
        except sqlite3.Error:
            return False
        missing = [d for d in self.delivered if d not in archived]
        return not missing and pending == 0 and holds == 0

    # --- the run -----------------------------------------------------------------------------------------------
    def run(self):
        started = time.time()
        for k in range(self.opts.kills):
            self.feed()
            self.answer_moderation_requests()
            self.start_daemon()
            time.sleep(self.rng.uniform(0.05, self.opts.max_delay))
            if self.daemon.poll() is not None:
                print(f"soak: the daemon exited by itself with status {self.daemon.returncode} "
                      f"(see {self.dir}/daemon.log)", file=sys.stderr)
            self.stop_daemon(signal.SIGKILL)
            self.kills += 1
            if (k + 1) % 50 == 0:
                print(f"soak: {k + 1} kills, {len(self.delivered)} messages delivered", flush=True)
        # Let it finish: answer the remaining requests until every hold is decided and the outbox is empty.
        self.start_daemon()
        deadline = time.time() + self.opts.settle_timeout
        while time.time() < deadline:
            time.sleep(1)
            self.answer_moderation_requests()
            if self.settled():
                time.sleep(2)  # a last look: nothing new
                self.answer_moderation_requests()
                if self.settled():
                    break
        status = self.stop_daemon(signal.SIGTERM)
        return self.report(time.time() - started, status)

    def report(self, seconds, final_status):
        with self.db() as c:
            archived = set(c.execute("SELECT list_id, message_id FROM messages"))
            quarantined = [bytes(r[0] or b"") for r in c.execute("SELECT raw FROM quarantine")]
            unsent = c.execute("SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0]
            rows = c.execute("""SELECT o.recipient, b.bytes FROM outbox o JOIN outbox_body b ON b.id = o.body_id
                                WHERE o.status = 'sent'""").fetchall()
            holds = c.execute("SELECT status, count(*) FROM holds GROUP BY status").fetchall()
        lost = []
        for list_id, mid in self.delivered:
            if (list_id, mid) in archived:
                continue
            if any(f"<{mid}>".encode() in raw for raw in quarantined):
                continue
            lost.append((list_id, mid))
        expected, tails, unverifiable = set(), {}, 0
        for recipient, body in rows:
            body = bytes(body or b"")
            m = re.search(rb"(?im)^Message-ID:[ \t]*(<[^>\r\n]*>)", body)
            if m:
                key = (recipient.lower(), m.group(1).decode("utf-8", "replace"))
                expected.add(key)
                lines = [l for l in body.replace(b"\r", b"").split(b"\n") if l.strip()]
                if lines:
                    tails[key] = lines[-1]
            else:
                unverifiable += 1  # a sent row whose stored body no longer says (redacted)
        # smtp-sink writes a transaction's file as it arrives: a connection cut during DATA (the daemon killed)
        # leaves a partial file that the server never accepted. A copy counts only when its last line is there.
        copies, partial = {}, 0
        for _, data in self.sink_dumps(settled=True):
            rcpts, msg = self.parse_dump(data)
            mid = (msg.get("Message-ID") or "").strip()
            if not mid:
                continue
            for r in rcpts:
                tail = tails.get((r, mid))
                if tail is not None and tail not in data.replace(b"\r", b"")[-len(tail) - 400:]:
                    partial += 1
                    continue
                copies[(r, mid)] = copies.get((r, mid), 0) + 1
        missing = [e for e in expected if copies.get(e, 0) == 0]
        duplicates = sum(n - 1 for n in copies.values() if n > 1)
        bound = self.kills * CONNECTIONS
        undecided = dict(holds).get("pending", 0)
        summary = {
            "kills": self.kills, "messages": len(self.delivered), "lost": len(lost),
            "quarantined": len(quarantined), "copies": sum(copies.values()), "distinct_copies": len(copies),
            "unsent": unsent, "partial_transactions": partial, "missing": len(missing), "unverifiable_rows": unverifiable,
            "duplicates": duplicates, "bound": bound,
            "duplicated_pairs": sum(1 for n in copies.values() if n > 1), "max_copies": max(copies.values(), default=0),
            "holds": dict(holds), "undecided": undecided, "approvals_sent": len(self.answered),
            "final_exit": final_status,
            "seconds": round(seconds),
        }
        print(json.dumps(summary, sort_keys=True))
        for l in lost[:10]:
            print(f"soak: lost {l}", file=sys.stderr)
        for e in missing[:10]:
            print(f"soak: never reached the sink {e}", file=sys.stderr)
        verdict = ("OK" if not lost and not missing and unsent == 0 and undecided == 0 and duplicates <= bound
                   else "FAIL")
        print(f"SOAK {verdict}: kills={self.kills} messages={len(self.delivered)} lost={len(lost)} "
              f"unsent={unsent} missing={len(missing)} undecided={undecided} approvals={len(self.answered)} "
              f"duplicates={duplicates} bound={bound} "
              f"max_copies={summary['max_copies']} ({round(seconds)} s)")
        return verdict == "OK"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", required=True)
    p.add_argument("--kills", type=int, default=1000)
    p.add_argument("--max-delay", type=float, default=1.5, help="longest run before a SIGKILL, seconds")
    p.add_argument("--settle-timeout", type=float, default=300)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--keep", action="store_true", help="keep the folder (database, dumps, logs)")
    opts = p.parse_args()
    opts.binary = os.path.abspath(opts.binary)
    soak = Soak(opts)
    print(f"soak: folder {soak.dir}, seed {opts.seed}, {opts.kills} kills, max delay {opts.max_delay} s", flush=True)
    ok = False
    try:
        soak.start()
        ok = soak.run()
    finally:
        soak.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
