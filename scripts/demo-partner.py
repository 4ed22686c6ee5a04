#!/usr/bin/python3
"""A partner who only uses email, for the demo: sends a message through the demo's Postfix, or answers the newest
message of their mailbox the way a mail client's Reply does (to its Reply-To), or prints that message's subject.

usage: demo-partner.py send SMTP_PORT FROM TO SUBJECT
       demo-partner.py reply SMTP_PORT IMAP_PORT USER FROM      (password: demo-password)
       demo-partner.py latest IMAP_PORT USER
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


def latest(port: int, user: str) -> email.message.Message:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, "demo-password")
    imap.select("INBOX", readonly=True)
    ids = imap.search(None, "ALL")[1][0].split()
    data = imap.fetch(ids[-1], "(BODY.PEEK[])")[1][0][1]
    imap.logout()
    return email.message_from_bytes(data)


def subject(msg: email.message.Message) -> str:
    return str(make_header(decode_header(msg["Subject"] or "")))


def main() -> int:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "send":
        port, sender, to, subj = args
        send(int(port), sender, to, subj, "")
        print(f"  {sender} -> {to}: {subj}")
    elif command == "reply":
        smtp_port, imap_port, user, sender = args
        msg = latest(int(imap_port), user)
        target = parseaddr(msg["Reply-To"] or msg["From"])[1]
        send(int(smtp_port), sender, target, "Re: " + subject(msg), "Oui, je confirme.\n", msg["Message-ID"])
        print(f"  {sender} replies to \"{subject(msg)}\" -> {target}")
    elif command == "latest":
        port, user = args
        print(f"  {user}'s newest message: {subject(latest(int(port), user))}")
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
