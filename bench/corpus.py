#!/usr/bin/env python3
"""The files the benchmarks feed the gateway (bench/ingest.sh, bench/pipeline.sh), written in one place.

  corpus.py register FILE N
      a partner register of N research partners, `m01@labo1.example` ... (the CSV of `partners import`)
  corpus.py strip DIR...
      removes, in place, the fields a list adds on distribution (List-*, Precedence, X-Mailing-List) from the
      message files of each DIR: a list mailbox receives posts BEFORE distribution (nothing else changes, byte for
      byte; a file without an empty line after its header is left as it is); prints how many changed
  corpus.py posts SRC DST MEMBERS TO TAG FIRST [--report]
      the message files of SRC (sorted by name), list fields and From/Sender/To removed, then `From:` the register's
      partner ((i - 1) % MEMBERS + 1) and `To: TO`, written to DST as `<FIRST + i>.M<i>.TAG,S=<size>,W=<vsize>:2,`
      (unseen, in order; the sizes as `dovecot-names` writes them); --report prints the count and the mean size to
      stderr
  corpus.py dovecot-names DIR...
      renames, in place, each message file of each DIR whose name has no size yet (`<base>:2,<flags>`) to
      `<base>,S=<size>,W=<vsize>:2,<flags>`, as Dovecot names the files it delivers (LMTP, LDA, APPEND): S= the
      file's size, W= its size with CRLF line ends (RFC822.SIZE). The order of the names is kept. Without them,
      Dovecot 2.3 answers the first commands of every session slowly on a 20,000-message Maildir (the listing
      0.45-0.5 s instead of 0.10-0.16 s, the first 1,000 bodies 0.6-0.8 s instead of 0.02-0.07 s, measured on this
      machine with imaplib): a cost of the benchmark's files, not of a real list mailbox.
"""
import os
import sys

LIST_FIELDS = {b"list-id", b"list-post", b"list-help", b"list-subscribe", b"list-unsubscribe", b"list-archive",
               b"list-owner", b"x-mailing-list", b"precedence"}
ADDRESS_FIELDS = {b"from", b"sender", b"to"}


def header_end(data):
    """The index of the LF that ends the header block (before the empty line), or None."""
    ends = [e for e in (data.find(b"\n\n"), data.find(b"\n\r\n")) if e >= 0]
    return min(ends) if ends else None


def without_fields(data, end, drop):
    """The header lines of data[:end] without the fields named in `drop` (folded lines go with their field), and
    whether any was removed."""
    lines = data[:end].split(b"\n")
    kept, dropping = [], False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() in drop
        if not dropping:
            kept.append(line)
    return kept, len(kept) != len(lines)


def partner(i):
    return b"From: Membre %d <m%02d@labo%d.example>" % (i, i, i)


def sizes(data):
    """The `,S=<size>,W=<vsize>` Dovecot puts in the name of a Maildir file (vsize: with CRLF line ends)."""
    bare_lf = data.count(b"\n") - data.count(b"\r\n")
    return ",S=%d,W=%d" % (len(data), len(data) + bare_lf)


def dovecot_names(folders):
    renamed = 0
    for folder in folders:
        for name in os.listdir(folder):
            base, sep, flags = name.partition(":2,")
            if not sep or ",S=" in base:
                continue
            path = os.path.join(folder, name)
            data = open(path, "rb").read()
            os.rename(path, os.path.join(folder, base + sizes(data) + sep + flags))
            renamed += 1
    print(f"  {renamed} files named as Dovecot names its deliveries (,S=<size>,W=<vsize>)")


def register(path, n):
    langs = ["fr", "en", "es"]
    with open(path, "w") as f:
        f.write("organisation,country,college,funder,person,email,language\n")
        for i in range(1, n + 1):
            f.write(f"Labo {i},France,research,no,Membre {i},m{i:02d}@labo{i}.example,{langs[i % 3]}\n")


def strip(folders):
    stripped = 0
    for folder in folders:
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            data = open(path, "rb").read()
            end = header_end(data)
            if end is None:
                continue
            kept, changed = without_fields(data, end, LIST_FIELDS)
            if changed:
                stripped += 1
                open(path, "wb").write(b"\n".join(kept) + data[end:])
    print(f"  list headers (List-*, Precedence) removed from {stripped} messages")


def posts(src, dst, members, to, tag, first, report):
    os.makedirs(dst, exist_ok=True)
    total = count = 0
    for i, name in enumerate(sorted(os.listdir(src)), 1):
        data = open(os.path.join(src, name), "rb").read()
        end = header_end(data)
        end = len(data) if end is None else end
        kept, _ = without_fields(data, end, LIST_FIELDS | ADDRESS_FIELDS)
        out = b"\n".join([partner((i - 1) % members + 1), b"To: " + to.encode()] + kept) + data[end:]
        open(os.path.join(dst, "%d.M%d.%s%s:2," % (first + i, i, tag, sizes(out))), "wb").write(out)
        total += len(out)
        count = i
    if report and count:
        print(f"  {count} posts, {total / count:.0f} bytes on average", file=sys.stderr)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "register":
        register(args[0], int(args[1]))
    elif command == "strip":
        strip(args)
    elif command == "dovecot-names":
        dovecot_names(args)
    elif command == "posts":
        posts(args[0], args[1], int(args[2]), args[3], args[4], int(args[5]), "--report" in args[6:])
    else:
        sys.exit(__doc__)
