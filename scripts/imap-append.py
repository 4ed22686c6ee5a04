#!/usr/bin/python3
"""Appends message files to an IMAP folder, in the order given, byte for byte (the demo and benchmarks use it to
fill a private Dovecot the way a mail server's delivery would).

usage: imap-append.py HOST PORT USER PASSWORD FOLDER FILE...   (password '-' reads $IMAP_PASSWORD)
"""
import imaplib
import os
import sys


def main() -> int:
    if len(sys.argv) < 6:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    host, port, user, password, folder = sys.argv[1:6]
    if password == "-":
        password = os.environ.get("IMAP_PASSWORD", "")
    files = sys.argv[6:]
    imap = imaplib.IMAP4(host, int(port))
    imap.login(user, password)
    if folder.upper() != "INBOX":
        imap.create(folder)
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        typ, detail = imap.append(folder, None, None, data)
        if typ != "OK":
            print(f"imap-append: {path}: {detail}", file=sys.stderr)
            return 1
    imap.logout()
    return 0


if __name__ == "__main__":
    sys.exit(main())
