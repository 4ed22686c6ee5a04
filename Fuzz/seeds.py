#!/usr/bin/python3
"""Builds the fuzzer's seed corpus in a folder from the shared corpora (read in place, never copied into the
repository): every maildir/notmuch file, .eml/.msg/.txt message, and each message of every mbox (.mbox, .mbox.gz;
mboxrd ">From " unescaped). Seeds longer than MAX_LEN are cut (libFuzzer would cut them anyway).

usage: seeds.py CORPORA_DIR OUT_DIR [MAX_LEN]
"""
import gzip
import hashlib
import os
import re
import sys

FROM_ESCAPED = re.compile(rb"^>(>*From )", re.M)


def mbox_messages(data):
    parts = re.split(rb"(?m)^From [^\n]*\n", data)
    for p in parts:
        if p.strip():
            yield FROM_ESCAPED.sub(rb"\1", p)


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    corpora, out = sys.argv[1], sys.argv[2]
    max_len = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 20
    os.makedirs(out, exist_ok=True)
    count = 0

    def save(data):
        nonlocal count
        data = data[:max_len]
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(out, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            count += 1

    for folder, dirs, files in os.walk(corpora):
        dirs[:] = sorted(d for d in dirs if d != "oracle")
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith((".json", ".md", ".json.gz")) or name.startswith("README") or name == "expected.json":
                continue
            with open(path, "rb") as f:
                data = f.read()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
                name = name[:-3]
            if name.endswith(".mbox") or data.startswith(b"From "):
                for m in mbox_messages(data):
                    save(m)
            else:
                save(data)
    print(f"{count} seeds in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
