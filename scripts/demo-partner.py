#!/usr/bin/python3
"""A partner who only uses email, for the demo: sends a message through the demo's Postfix, or answers the newest
message of their mailbox the way a mail client's Reply does (to its Reply-To), or prints that message's subject.

usage: demo-partner.py send SMTP_PORT FROM TO SUBJECT
       demo-partner.py reply SMTP_PORT IMAP_PORT USER FROM [SUBJECT_WORD]   (password: demo-password)
       demo-partner.py latest IMAP_PORT USER [SUBJECT_WORD]
SUBJECT_WORD: the newest message whose subject contains it, instead of the newest message.
"""
import email
import imaplib
import smtplib
import sys
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr


def send(port: int, sender: str, to: str, subject: str, body: str, in_reply_to: str | None = None) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="partner.demo")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(msg, from_addr=parseaddr(sender)[1], to_addrs=[to])


def latest(port: int, user: str, word: str | None = None) -> email.message.Message:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, "demo-password")
    imap.select("INBOX", readonly=True)
    ids = imap.search(None, "ALL")[1][0].split()
    for i in reversed(ids):
        msg = email.message_from_bytes(imap.fetch(i, "(BODY.PEEK[])")[1][0][1])
        if word is None or word in subject(msg):
            break
    else:
        raise SystemExit(f"{user} has no message whose subject contains {word!r}")
    imap.logout()
    return msg


def subject(msg: email.message.Message) -> str:
    return str(make_header(decode_header(msg["Subject"] or "")))


def main() -> int:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "send":
        port, sender, to, subj = args
        send(int(port), sender, to, subj, "")
        print(f"  {sender} -> {to}: {subj}")
    elif command == "reply":
        smtp_port, imap_port, user, sender = args[:4]
        msg = latest(int(imap_port), user, args[4] if len(args) > 4 else None)
        target = parseaddr(msg["Reply-To"] or msg["From"])[1]
        send(int(smtp_port), sender, target, "Re: " + subject(msg), "Oui, je confirme.\n", msg["Message-ID"])
        print(f"  {sender} replies to \"{subject(msg)}\" -> {target}")
    elif command == "latest":
        port, user = args[:2]
        print(f"  {user}'s newest message: {subject(latest(int(port), user, args[2] if len(args) > 2 else None))}")
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
