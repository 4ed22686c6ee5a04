#!/usr/bin/env python3
"""Check the demo mail written by make-samples.py and print a summary.

    python3 demo/check-samples.py OUTDIR

Reads every file back with Python's email parser: headers present and decodable (RFC 2047),
body text recoverable whatever its encoding, attachments intact, CRLF only, threads rebuilt
from References/In-Reply-To (or the subject, for the one reply without them) as intended,
delivery order consistent with the Received headers, and the broken file yielding no header.
"""
import importlib.util, re, sys, unicodedata
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

spec = importlib.util.spec_from_file_location("samples", Path(__file__).with_name("make-samples.py"))
S = importlib.util.module_from_spec(spec)
spec.loader.exec_module(S)


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def norm_subject(s):
    return re.sub(r"^(\s*(re|aw|fwd?|réf\.?)\s*:\s*)+", "", s, flags=re.I).strip()


def check_message(m, msg, err):
    defects = [d for part in msg.walk() for d in part.defects]
    defects += [d for k in msg.keys() for d in getattr(msg[k], "defects", ())]
    if defects:
        err(f"parser defects {defects}")
    for h in ("From", "To", "Date", "Subject", "Message-ID", "MIME-Version", "Content-Type"):
        if h not in msg:
            err(f"missing {h}")
    name, addr = S.PEOPLE[m["who"]][:2]
    a = msg["from"].addresses[0]
    if (a.display_name, a.addr_spec) != (name, addr):
        err(f"From decodes to {a.display_name!r} <{a.addr_spec}>")
    if str(msg["subject"]) != S.subject(m):
        err(f"Subject decodes to {str(msg['subject'])!r}")
    if str(msg["to"]) != f"{m['lst']}@{S.LIST_DOMAIN}":
        err(f"To is {msg['to']}")
    d = msg["date"].datetime
    if d != S.when(m) or (d.year, d.month) != (2026, 11):
        err(f"Date is {msg['date']}")
    part = msg.get_body(("plain", "html"))
    text = part.get_content()
    if m.get("kind") == "cp1252":  # labelled iso-8859-1: € arrives as U+0080; read it as the sender meant
        if part.get_content_charset() != "iso-8859-1" or "\x80" not in text:
            err("windows-1252 body is not mislabelled as expected")
        text = text.encode("latin-1").decode("cp1252")
    if m.get("kind") == "html":
        ok = "Webinaire" in text and part.get_content_type() == "text/html"
    else:  # whitespace-insensitive: format=flowed and Outlook-style long lines re-wrap the text
        ok = squash(m["body"]) in squash(text)
    if not ok:
        err("body text not recovered")
    for att in msg.iter_attachments():
        data, name = att.get_content(), unicodedata.normalize("NFC", att.get_filename() or "")
        pdf_ok = name == "Résultats essais 2026.pdf" and data == S.pdf()
        png_ok = name == S.PNG_NAME and data == S.png() and data.startswith(b"\x89PNG\r\n\x1a\n")
        if not (pdf_ok or png_ok):
            err(f"attachment {name!r} does not decode")
    return text


def main(out):
    errors, parsed, paths = [], {}, S.paths(out)
    for m in S.MSGS:
        path = paths[m["key"]]
        raw = path.read_bytes()
        err = lambda s, p=path: errors.append(f"{p.parent.name}/{p.name}: {s}")
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        if m.get("kind") == "broken":
            if msg.keys() or re.search(rb"^[!-9;-~]+:", raw, re.M):
                err("the broken file yields header fields")
            continue
        if re.search(rb"(?<!\r)\n|\r(?!\n)", raw) or max(map(len, raw.split(b"\r\n"))) > 998:
            err("bare LF/CR or line over 998 octets")
        text = check_message(m, msg, err)
        parsed[m["key"]] = (msg, squash(S.subject(m) + " " + text).lower())

    # Threads as an archive rebuilds them: References/In-Reply-To, else the subject.
    mid2key = {str(msg["message-id"]).strip("<>"): k for k, (msg, _) in parsed.items()}
    parent = {}
    for k, (msg, _) in parsed.items():
        m = S.BY_KEY[k]
        refs = [r.strip("<>") for r in str(msg.get("references", "")).split()]
        irt = str(msg.get("in-reply-to", "")).strip().strip("<>")
        if irt or refs:
            parent[k] = mid2key.get(irt or refs[-1])
            if parent[k] != m["parent"] or refs != S.ancestors(m):
                errors.append(f"{k}: links to {parent[k]}, expected {m['parent']}")
        else:
            roots = [r for r, (rm, _) in parsed.items() if r != k and not rm["references"]
                     and str(rm["subject"]) == norm_subject(str(msg["subject"]))]
            parent[k] = roots[0] if roots else None
    thread = {}
    for k in parsed:
        r = k
        while parent.get(r):
            r = parent[r]
        thread[k] = r
        if r != S.root(S.BY_KEY[k])["key"]:
            errors.append(f"{k}: lands in thread {r}, expected {S.root(S.BY_KEY[k])['key']}")

    # Delivery order: in each list, Received times never go backwards.
    for lst in S.LISTS:
        times = [parsedate_to_datetime(str(msg["received"]).rsplit(";", 1)[1])
                 for k, (msg, _) in parsed.items() if S.BY_KEY[k]["lst"] == lst]
        if times != sorted(times):
            errors.append(f"{lst}: Received times go backwards")

    num = {k: p.stem for k, p in paths.items()}
    print(f"{len(S.MSGS)} files in {out}")
    for lst in S.LISTS:
        ms = [m for m in S.MSGS if m["lst"] == lst]
        bad = [num[m["key"]] + ".eml" for m in ms if m.get("kind") == "broken"]
        note = f"  (not a mail, for quarantine: {', '.join(bad)})" if bad else ""
        print(f"  {lst:20} {len(ms):2} files{note}")
    print("Threads (file numbers in delivery order):")
    for r in sorted(set(thread.values()), key=lambda k: S.MSGS.index(S.BY_KEY[k])):
        members = [k for k in parsed if thread[k] == r]
        if len(members) < 2:
            continue
        notes = [f"{num[k]} linked by subject only" for k in members if S.BY_KEY[k].get("norefs")]
        notes += [f"{num[k]} arrives before its parent {num[parent[k]]}" for k in members
                  if parent.get(k) and S.MSGS.index(S.BY_KEY[parent[k]]) > S.MSGS.index(S.BY_KEY[k])]
        print(f"  {S.BY_KEY[r]['lst']}: {S.BY_KEY[r]['subject']!r}\n    {len(members)} messages: "
              + " ".join(num[k] for k in members) + (f"  [{'; '.join(notes)}]" if notes else ""))
    print("Search words (messages containing the word):")
    for word in ("café", "carbone", "carbon", "carbono", "agroforesterie"):
        hits = [k for k, (_, t) in parsed.items() if re.search(rf"(?<!\w){word}(?!\w)", t)]
        print(f"  {word!r}: {len(hits)}")
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return not errors


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(0 if main(Path(sys.argv[1])) else 1)
