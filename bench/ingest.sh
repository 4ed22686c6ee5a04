#!/usr/bin/env bash
# Ingest benchmark of mailgateway against its peers, in ONE run, printing figures (asserts nothing).
#
#   bash bench/ingest.sh            release build, both corpora, search timing, summary table
#
# For each corpus (lore-ksummit: 3,115 real messages; a generated corpus of 20,000 messages):
#   a. the raw IMAP fetch rate of the mailbox (`mailgateway bench fetch`: every body, batched like the gateway,
#      discarded): the physical limit of the fetch step; and the peer, Python's imaplib, fetching the same bodies
#      (list, then `UID FETCH a:b (BODY.PEEK[])` in ranges of 1,000 UIDs, and `UID FETCH 1:*` in one command);
#   b. `mailgateway run --once` on a fresh database, BENCH_ROUNDS times per binary (empty partner register: every
#      post is parsed, decided by the policy chain, archived in a thread of its own and rejected, and a
#      rate-limited notice is queued and sent to a local smtp-sink; rejected mail is not indexed for search, which
#      finds accepted posts only: e. measures accepted posts): messages/s, peak RSS, database size;
#   c. `notmuch new` on a copy of the same message files;
#   d. ratios gateway/notmuch (issue 12 target >= 10x) and gateway/raw fetch (target >= 25 %, against the fastest
#      raw fetch of the run: the gateway's own or imaplib's); the database size per message split by dbstat into
#      raw bytes, full-text index and the rest.
# BENCH_BIN_BEFORE=path (another mailgateway binary, e.g. main's release build) measures a. and b. with both binaries
# in the same run ("before" first, each on a fresh database); BENCH_BIN=path skips the build.
# Then 5 searches, `mailgateway archive search` vs `notmuch search` on ksummit (median of 5 runs each).
#
# The mailboxes are filled without IMAP APPEND: the message files are written straight into each account's
# Maildir/cur (unseen), owned by the mail user, before the first login, with the sizes in their names as Dovecot
# writes them (`,S=,W=`, bench/corpus.py dovecot-names); Dovecot indexes them at the first SELECT (timed
# separately, not counted in any rate).
#
# Environment: MAILGATEWAY_CORPORA (default ../shared/corpora or /work/shared/corpora), GEN_CORPUS (path of
# gen-corpus.py), BENCH_SYNTH_N (default 20000), BENCH_ROUNDS (runs of each binary in b., alternating, after one
# untimed warm-up run; the median run by wall time counts, the lower of the two middle ones for an even count;
# default 3), BENCH_GROW_ROUNDS (e. below, default 5; 0 skips it), BENCH_KEEP=1 keeps the work folder,
# BENCH_SCRATCH (SwiftPM scratch path for the release build, default .build).
# e. Flat in archive size (after the summary): ONE list, whose mailbox receives BENCH_SYNTH_N new generated
#    messages before each of BENCH_GROW_ROUNDS runs --once of the measured binary on ONE database (gen-corpus.py
#    --seed 101, 102, ...: new Message-IDs, threads and attachments each round). Unlike b., every post is
#    accepted: its From is one of ten registered partners (the list is an interface with no members, so nothing is
#    sent), so each is threaded against the list's growing archive, indexed and stored; processed posts are moved
#    to the mailbox's Processed folder (processed_folder). Per round: messages/s, CPU per message, peak RSS,
#    database size, and the last round against the first.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

CORPORA=${MAILGATEWAY_CORPORA:-}
if [[ -z $CORPORA ]]; then
  for c in "$ROOT/../shared/corpora" "$ROOT/../../shared/corpora" /work/shared/corpora; do
    [[ -d $c ]] && { CORPORA=$(cd "$c" && pwd); break; }
  done
fi
KSUMMIT="$CORPORA/lore-ksummit/ksummit.mbox.gz"
[[ -f $KSUMMIT ]] || die "lore-ksummit corpus not found (set MAILGATEWAY_CORPORA)"
GEN=${GEN_CORPUS:-$(dirname "$CORPORA")/tools/gen-corpus.py}
[[ -f $GEN ]] || die "gen-corpus.py not found (set GEN_CORPUS)"
SYNTH_N=${BENCH_SYNTH_N:-20000}
ROUNDS=${BENCH_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer (got '$ROUNDS')"
GROW_ROUNDS=${BENCH_GROW_ROUNDS:-5}
[[ $GROW_ROUNDS =~ ^[0-9]+$ ]] || die "BENCH_GROW_ROUNDS must be a non-negative integer (got '$GROW_ROUNDS')"
GROW_ROUNDS=$((10#$GROW_ROUNDS))

bash scripts/install-deps.sh >/dev/null
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
BENCH_START=$SECONDS

# The binaries (bench/lib.sh: BENCH_BIN or a release build of this checkout, and BENCH_BIN_BEFORE) by label.
bench_binaries
LABELS=("${BINS[@]%%:*}")
declare -A BINOF=()
for b in "${BINS[@]}"; do BINOF[${b%%:*}]=${b#*:}; done
BIN=${BINOF[after]}

# A private Dovecot and smtp-sink (bench/lib.sh: WORK, the ports, MAILUSER, BENCH_IMAP_PASSWORD, a moderation key).
bench_servers bench
RES="$WORK/results"
mkdir -p "$RES"
say "Dovecot (IMAP 127.0.0.1:$IMAP_PORT) and smtp-sink (127.0.0.1:$SMTP_PORT) in $WORK"
CORPUS_NAMES=(ksummit synth)
# A fresh (emptied) gateway folder DIR for corpus $c: its config.json, the corpus's with the database in DIR.
fresh_gateway() {  # DIR
  rm -rf "$1"
  mkdir -p "$1"
  sed -e "s#$WORK/gw-$c/archive.sqlite#$1/archive.sqlite#" "$WORK/gw-$c/config.json" >"$1/config.json"
}

say "Loading the corpora straight into the Maildirs (no APPEND)"
maildir() { echo "$WORK/dovecot/mail/$1/Maildir"; }
for c in "${CORPUS_NAMES[@]}"; do
  bash scripts/dovecot.sh adduser "$WORK/dovecot" "$c" "$BENCH_IMAP_PASSWORD"
  mkdir -p "$(maildir "$c")"/{cur,new,tmp}
done
t0=$SECONDS
"$BIN" bench split-mbox "$KSUMMIT" "$(maildir ksummit)/cur"
echo "  ksummit: split in $((SECONDS - t0)) s"
t0=$SECONDS
python3 "$GEN" -n "$SYNTH_N" --seed 42 -o "$WORK/gen" --no-mbox >"$RES/gen-summary.json"
# gen-corpus writes seen messages (flag S), sorted by date: the same files, renamed unseen, in the same order.
python3 - "$WORK/gen/Maildir/cur" "$(maildir synth)/cur" <<'PY'
import os, shutil, sys
src, dst = sys.argv[1:3]
for i, name in enumerate(sorted(os.listdir(src)), 1):
    shutil.copyfile(os.path.join(src, name), os.path.join(dst, "%d.M%d.mailgateway-bench:2," % (1600000000 + i, i)))
PY
rm -rf "$WORK/gen/Maildir"
echo "  synth: $SYNTH_N messages generated (gen-corpus.py --seed 42) in $((SECONDS - t0)) s"
# Both corpora are list archives: each message carries the headers its list added on distribution (List-Id,
# List-*, Precedence: list/bulk), which the gateway's policy rightly discards as another list's traffic. A list
# mailbox receives posts BEFORE distribution: remove those fields (nothing else changes, byte for byte).
python3 bench/corpus.py strip "$(maildir ksummit)/cur" "$(maildir synth)/cur"
# Named as Dovecot names the files it delivers (with their sizes): without the sizes, Dovecot answers the first
# commands of every session 1-1.3 s late on the 20,000 files, which both the gateway and imaplib paid (bench/corpus.py).
python3 bench/corpus.py dovecot-names "$(maildir ksummit)/cur" "$(maildir synth)/cur"
for c in "${CORPUS_NAMES[@]}"; do
  # notmuch gets its own copy of the same files (taken before Dovecot touches the Maildir).
  mkdir -p "$WORK/notmuch-$c/mail"
  cp -r "$(maildir "$c")/cur" "$WORK/notmuch-$c/mail/cur"
  mkdir -p "$WORK/notmuch-$c/mail/new" "$WORK/notmuch-$c/mail/tmp"
  chown -R "$MAILUSER:$(id -gn "$MAILUSER")" "$WORK/dovecot/mail/$c"
  echo "  $c: $(ls "$(maildir "$c")/cur" | wc -l) files, $(du -sm "$(maildir "$c")/cur" | cut -f1) MB"
done

say "Dovecot's first SELECT (indexes the Maildir; not counted in any rate)"
for c in "${CORPUS_NAMES[@]}"; do
  python3 - "$IMAP_PORT" "$c" "$BENCH_IMAP_PASSWORD" "$RES/index-$c.json" <<'PY'
import imaplib, json, sys, time
port, user, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
t = time.perf_counter()
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
typ, data = imap.select("INBOX", readonly=True)
exists = int(data[0])
imap.uid("FETCH", "1:*", "(RFC822.SIZE INTERNALDATE)")
imap.logout()
seconds = time.perf_counter() - t
json.dump({"exists": exists, "seconds": seconds}, open(out, "w"))
print(f"  {user}: {exists} messages indexed in {seconds:.2f} s")
PY
done

say "Configurations (empty partner register: every post is rejected with a rate-limited notice)"
for c in "${CORPUS_NAMES[@]}"; do
  mkdir -p "$WORK/gw-$c"
  python3 - "$WORK/gw-$c" "$c" "$ROOT" "$IMAP_PORT" "$SMTP_PORT" <<'PY'
import json, sys
d, c, root, imap, smtp = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
json.dump({
    "platform_name": "Initiative 4 pour 1000",
    "database": f"{d}/archive.sqlite",
    "templates_directory": f"{root}/templates",
    "imap": {"host": "127.0.0.1", "port": imap, "tls": "none"},
    "smtp": {"host": "127.0.0.1", "port": smtp, "tls": "none"},
    "delivery": {"connections": 4, "helo_name": "bench.test"},
    "lists": [{
        "id": c, "kind": "interface", "name": {"fr": c, "en": c, "es": c},
        "address": f"{c}@lists.bench.test", "language": "en", "subject_prefix": f"[{c}]",
        "posting": "partners", "non_member_action": "reject",
        "mailbox": {"user": c, "password_env": "BENCH_IMAP_PASSWORD", "folder": "INBOX"},
    }],
}, open(f"{d}/config.json", "w"), indent=2)
PY
  echo "  $WORK/gw-$c/config.json"
done

# /usr/bin/time -v output -> JSON {wall, rss_kb, user, sys}
timev_json() {
  python3 - "$1" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
def f(label):
    m = re.search(re.escape(label) + r":\s*(\S+)", t)
    return m.group(1) if m else None
w = f("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in w.split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(json.dumps({"wall": wall, "rss_kb": int(f("Maximum resident set size (kbytes)")),
                  "user": float(f("User time (seconds)")), "sys": float(f("System time (seconds)"))}))
PY
}

for c in "${CORPUS_NAMES[@]}"; do
  for label in "${LABELS[@]}"; do
    say "$c: a. raw IMAP fetch (mailgateway bench fetch, $label)"
    /usr/bin/time -v -o "$RES/fetch-$label-$c.time" "${BINOF[$label]}" bench fetch --config "$WORK/gw-$c/config.json" \
      --list "$c" --json >"$RES/fetch-$label-$c.json"
    timev_json "$RES/fetch-$label-$c.time" >"$RES/fetch-$label-$c.timev.json"
    python3 - "$RES/fetch-$label-$c.json" "$RES/fetch-$label-$c.timev.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
s = r["listSeconds"] + r["fetchSeconds"]
print("  %d messages, %.1f MB in %d batches, %.2f s (list %.2f + fetch %.2f): %.0f messages/s, %.1f MB/s"
      " (process: %.2f s wall, %.2f s user, %.2f s sys, peak RSS %.0f MB)" % (r["messages"], r["bytes"] / 1e6,
      r["batches"], s, r["listSeconds"], r["fetchSeconds"], r["messages"] / s, r["bytes"] / 1e6 / s, t["wall"],
      t["user"], t["sys"], t["rss_kb"] / 1024))
PY
  done

  say "$c: a'. raw IMAP fetch by the peer, Python imaplib (same listing; ranges of 1,000 UIDs; then 1:* at once)"
  python3 - "$IMAP_PORT" "$c" "$BENCH_IMAP_PASSWORD" "$RES/imaplib-$c.json" <<'PY'
import imaplib, json, re, sys, time
port, user, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def run(chunk):
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    t = time.perf_counter()
    typ, data = imap.uid("FETCH", "1:*", "(RFC822.SIZE INTERNALDATE)")
    uids = sorted(int(re.search(rb"UID (\d+)", d).group(1)) for d in data if d)
    listed = time.perf_counter()
    n = size = 0
    ranges = [(uids[0], uids[-1])] if chunk is None else \
        [(uids[i], uids[min(i + chunk, len(uids)) - 1]) for i in range(0, len(uids), chunk)]
    for a, b in ranges:
        typ, data = imap.uid("FETCH", "%d:%d" % (a, b), "(BODY.PEEK[])")
        for d in data:
            if isinstance(d, tuple):
                n += 1
                size += len(d[1])
    end = time.perf_counter()
    imap.logout()
    return {"messages": n, "bytes": size, "listSeconds": listed - t, "fetchSeconds": end - listed,
            "ranges": len(ranges)}
results = {}
for name, chunk in (("ranges1000", 1000), ("all", None)):
    r = results[name] = run(chunk)
    s = r["listSeconds"] + r["fetchSeconds"]
    print("  imaplib %-10s %d messages, %.1f MB in %d commands, %.2f s (list %.2f + fetch %.2f): %.0f messages/s, "
          "%.1f MB/s" % (name, r["messages"], r["bytes"] / 1e6, r["ranges"], s, r["listSeconds"], r["fetchSeconds"],
                         r["messages"] / s, r["bytes"] / 1e6 / s))
json.dump(results, open(out, "w"))
PY

  # BENCH_ROUNDS runs of each binary, alternating (before, after, before, after, ...), each on a fresh database:
  # this VM's CPU time moves by 10-20 % from one run to the next, so the summary takes each binary's median run.
  # First one untimed run: the first `run --once` on a mailbox sets \Seen on every message (Dovecot renames each
  # Maildir file), which the later runs find done; without it, only the first binary's first run would pay it.
  say "$c: b. warm-up run --once (untimed: the mailbox's messages flagged once)"
  fresh_gateway "$WORK/gw-$c-warmup"
  "$BIN" run --once --json --log-level error --config "$WORK/gw-$c-warmup/config.json" >/dev/null \
    || die "warm-up run --once failed"
  rm -rf "$WORK/gw-$c-warmup"
  for round in $(seq "$ROUNDS"); do
    for label in "${LABELS[@]}"; do
      say "$c: b. mailgateway run --once (fresh database, $label, round $round of $ROUNDS)"
      # Each round's database is kept until the median run is known: its size is the one reported.
      gw="$WORK/gw-$c-$label-r$round"
      fresh_gateway "$gw"
      run="$RES/run-$label-$c-r$round"
      /usr/bin/time -v -o "$run.time" "${BINOF[$label]}" run --once --json --log-level error \
        --config "$gw/config.json" >"$run.json" || die "run --once failed (see $run.json)"
      timev_json "$run.time" >"$run.timev.json"
      db="$gw/archive.sqlite"
      echo "{\"db\": $(stat -c %s "$db"), \"wal\": $(stat -c %s "$db-wal" 2>/dev/null || echo 0)}" >"$run.db.json"
      python3 - "$run.json" "$run.timev.json" "$run.db.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2])); d = json.load(open(sys.argv[3]))
s = r["mailboxes"][0]["summary"]
print("  %d messages %s in %.2f s wall (%.1f s user, %.1f s sys): %.0f messages/s, peak RSS %.0f MB,"
      " database %.1f MB + WAL %.1f MB; notices sent: %d" % (s["processed"], json.dumps(s["outcomes"], sort_keys=True),
      t["wall"], t["user"], t["sys"], s["processed"] / t["wall"], t["rss_kb"] / 1024, d["db"] / 1e6, d["wal"] / 1e6,
      r["outboxSent"]))
PY
    done
  done
  for label in "${LABELS[@]}"; do
    # The median run by wall time stands for the binary (its files copied to the names the summary reads).
    median=$(python3 - "$RES" "$label" "$c" "$ROUNDS" <<'PY'
import json, os, sys
res, label, corpus, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
walls = [json.load(open(os.path.join(res, f"run-{label}-{corpus}-r{i}.timev.json")))["wall"] for i in range(1, rounds + 1)]
wall, round_ = sorted(zip(walls, range(1, rounds + 1)))[(rounds - 1) // 2]
sys.stderr.write("  %s, %s: wall %s s over %d rounds, median %.2f s (round %d)\n" % (
    corpus, label, " ".join("%.2f" % w for w in walls), rounds, wall, round_))
print(round_)
PY
)
    for ext in json timev.json time; do cp "$RES/run-$label-$c-r$median.$ext" "$RES/run-$label-$c.$ext"; done
    cp "$RES/run-$label-$c-r$median.db.json" "$RES/db-$label-$c.json"
    processed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mailboxes"][0]["summary"]["processed"])' "$RES/run-$label-$c.json")
    bash bench/dbsize.sh "$WORK/gw-$c-$label-r$median/archive.sqlite" "$processed" | tee "$RES/dbsize-$label-$c.txt"
    for round in $(seq "$ROUNDS"); do [[ $round == "$median" ]] || rm -rf "$WORK/gw-$c-$label-r$round"; done
  done
  say "$c: c. notmuch new (copy of the same files)"
  notmuch_config "$WORK/notmuch-$c/config" "$WORK/notmuch-$c/mail"
  NOTMUCH_CONFIG="$WORK/notmuch-$c/config" /usr/bin/time -v -o "$RES/notmuch-$c.time" notmuch new --quiet
  timev_json "$RES/notmuch-$c.time" >"$RES/notmuch-$c.timev.json"
  NOTMUCH_CONFIG="$WORK/notmuch-$c/config" notmuch count '*' >"$RES/notmuch-$c.count"
  python3 - "$RES/notmuch-$c.timev.json" "$RES/notmuch-$c.count" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); n = int(open(sys.argv[2]).read())
print("  %d messages in %.2f s wall (%.1f s user, %.1f s sys): %.0f messages/s, peak RSS %.0f MB"
      % (n, t["wall"], t["user"], t["sys"], n / t["wall"], t["rss_kb"] / 1024))
PY
done

say "ksummit archive for the searches: mailgateway archive import (no IMAP, no policy: every message accepted)"
c=ksummit fresh_gateway "$WORK/gw-search"
/usr/bin/time -v -o "$RES/import.time" "$BIN" archive import --config "$WORK/gw-search/config.json" --list ksummit \
  --mbox "$KSUMMIT" --log-level error >"$RES/import.txt"
timev_json "$RES/import.time" >"$RES/import.timev.json"
python3 - "$RES/import.txt" "$RES/import.timev.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read().strip(); t = json.load(open(sys.argv[2]))
n = int(re.search(r"imported (\d+)", text).group(1))
print("  %s\n  %.2f s wall: %.0f messages/s, peak RSS %.0f MB" % (text, t["wall"], n / t["wall"], t["rss_kb"] / 1024))
PY

say "Search on ksummit: mailgateway archive search vs notmuch search (median of 5 runs, --limit 20 each)"
python3 - "$BIN" "$WORK/gw-search/config.json" "$WORK/notmuch-ksummit/config" "$RES/search.json" <<'PY'
import json, os, statistics, subprocess, sys, time
binary, config, nmconfig, out = sys.argv[1:5]
queries = ["maintainer burnout", "rust", "regression tracking", "Torvalds", "bikeshedding"]
env = dict(os.environ, NOTMUCH_CONFIG=nmconfig)
def median_ms(cmd):
    times = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
rows = []
print(f"  {'query':<22} {'gateway ms':>10} {'notmuch ms':>10} {'gateway hits':>12} {'notmuch msgs':>12}")
for q in queries:
    g = median_ms([binary, "archive", "search", "--config", config, "--limit", "20", q])
    n = median_ms(["notmuch", "search", "--limit=20", q])
    hits = len(json.loads(subprocess.run([binary, "archive", "search", "--config", config, "--limit", "100000", "--json", q],
                                         env=env, capture_output=True, check=True).stdout))
    count = int(subprocess.run(["notmuch", "count", q], env=env, capture_output=True, check=True).stdout)
    rows.append({"query": q, "gateway_ms": g, "notmuch_ms": n, "gateway_hits": hits, "notmuch_messages": count})
    print(f"  {q:<22} {g:>10.1f} {n:>10.1f} {hits:>12} {count:>12}")
json.dump(rows, open(out, "w"), indent=2)
PY

say "Summary"
python3 - "$RES" "${#CORPUS_NAMES[@]}" "${CORPUS_NAMES[@]}" "${LABELS[@]}" <<'PY'
import json, os, sys
res, count = sys.argv[1], int(sys.argv[2])
names, labels = sys.argv[3:3 + count], sys.argv[3 + count:]
def j(n): return json.load(open(os.path.join(res, n)))
def rate(r): return r["messages"] / (r["listSeconds"] + r["fetchSeconds"])
rows = []
for c in names:
    py = j(f"imaplib-{c}.json")
    py_rate = max(rate(r) for r in py.values())
    nt = j(f"notmuch-{c}.timev.json"); nn = int(open(os.path.join(res, f"notmuch-{c}.count")).read())
    nm_rate = nn / nt["wall"]
    fetches = {l: rate(j(f"fetch-{l}-{c}.json")) for l in labels}
    best_fetch = max(max(fetches.values()), py_rate)
    for l in labels:
        f = j(f"fetch-{l}-{c}.json")
        r, rt, d = j(f"run-{l}-{c}.json"), j(f"run-{l}-{c}.timev.json"), j(f"db-{l}-{c}.json")
        processed = r["mailboxes"][0]["summary"]["processed"]
        gw_rate = processed / rt["wall"]
        rows.append((c, l, processed, fetches[l], py_rate, fetches[l] / py_rate, gw_rate, rt["rss_kb"] / 1024,
                     (d["db"] + d["wal"]) / 1e6, (d["db"] + d["wal"]) / processed / 1e3, nm_rate, gw_rate / nm_rate,
                     gw_rate / best_fetch))
hdr = ["corpus", "binary", "msgs", "fetch msg/s", "imaplib msg/s", "fetch/imaplib", "gateway msg/s", "gw RSS MB",
       "db+WAL MB", "KB/msg", "notmuch msg/s", "gw/notmuch", "gw/best fetch"]
fmt = ["{}", "{}", "{}", "{:.0f}", "{:.0f}", "{:.2f}x", "{:.0f}", "{:.0f}", "{:.1f}", "{:.1f}", "{:.0f}", "{:.2f}x",
       "{:.1%}"]
table = [hdr] + [[f.format(v) for f, v in zip(fmt, row)] for row in rows]
w = [max(len(r[i]) for r in table) for i in range(len(hdr))]
for r in table: print("  " + "  ".join(x.rjust(w[i]) for i, x in enumerate(r)))
print("  targets (issue 12): gateway/notmuch >= 10x, gateway/raw fetch >= 25% (the fastest raw fetch of the run),"
      " own fetch >= imaplib, peak RSS <= 150 MB and flat in archive size")
for row in rows:
    print(f"  {row[0]} {row[1]}: gw/notmuch {row[11]:.2f}x ({'met' if row[11] >= 10 else 'MISSED'}), "
          f"gw/fetch {row[12]:.1%} ({'met' if row[12] >= 0.25 else 'MISSED'}), "
          f"fetch/imaplib {row[5]:.2f}x ({'met' if row[5] >= 1 else 'MISSED'}), RSS {row[7]:.0f} MB")
for l in labels:
    rs = [r for r in rows if r[1] == l]
    if len(rs) == 2:
        a, b = rs
        print(f"  {l} peak RSS: {a[7]:.0f} MB for {a[2]} messages vs {b[7]:.0f} MB for {b[2]} messages "
              f"({b[2]/a[2]:.1f}x the messages, {b[7]/a[7]:.2f}x the RSS)")
PY
if (( GROW_ROUNDS > 0 )); then
  say "e. flat in archive size: $GROW_ROUNDS rounds of $SYNTH_N new accepted posts into one list's archive"
  grow="$WORK/gw-grow"
  mkdir -p "$grow"
  bash scripts/dovecot.sh adduser "$WORK/dovecot" grow "$BENCH_IMAP_PASSWORD"
  growbox="$(maildir grow)"
  mkdir -p "$growbox"/{cur,new,tmp}
  python3 - "$WORK/gw-synth/config.json" "$grow" <<'PY'
import json, sys
config, d = json.load(open(sys.argv[1])), sys.argv[2]
config["database"] = f"{d}/archive.sqlite"
lst = config["lists"][0]
lst.update(id="grow", address="grow@lists.bench.test", subject_prefix="[grow]")
lst["name"] = {"fr": "grow", "en": "grow", "es": "grow"}
lst["mailbox"]["user"] = "grow"
# Processed posts are moved out of INBOX, as a long-lived list mailbox should have them: with the default (flagged
# \Seen and left there), Dovecot's Maildir work per command grows with the INBOX (docs/benchmarks.md, stop 22).
# The gateway creates the folder at its first move (since stop 23).
lst["mailbox"]["processed_folder"] = "Processed"
json.dump(config, open(f"{d}/config.json", "w"), indent=2)
PY
  python3 bench/corpus.py register "$grow/register.csv" 10
  "$BIN" partners import --no-welcome --config "$grow/config.json" "$grow/register.csv" --log-level error >/dev/null \
    || die "partners import failed"
  for round in $(seq "$GROW_ROUNDS"); do
    rm -rf "$WORK/grow-gen"
    python3 "$GEN" -n "$SYNTH_N" --seed $((100 + round)) -o "$WORK/grow-gen" --no-mbox >/dev/null
    # The list headers removed (as for b.), From/Sender/To replaced by a partner and the list: unseen, in order.
    python3 bench/corpus.py posts "$WORK/grow-gen/Maildir/cur" "$growbox/cur" 10 grow@lists.bench.test grow-bench \
      $((1700000000 + round * 1000000))
    rm -rf "$WORK/grow-gen"
    chown -R "$MAILUSER:$(id -gn "$MAILUSER")" "$WORK/dovecot/mail/grow"
    # Untimed: Dovecot indexes the new files at the first SELECT (as the warm-up of b.).
    "$BIN" bench fetch --config "$grow/config.json" --list grow --log-level error >/dev/null || die "bench fetch failed"
    run="$RES/grow-r$round"
    /usr/bin/time -v -o "$run.time" "$BIN" run --once --json --log-level error --config "$grow/config.json" \
      >"$run.json" || die "run --once failed (see $run.json)"
    timev_json "$run.time" >"$run.timev.json"
    echo "{\"db\": $(stat -c %s "$grow/archive.sqlite"), \"wal\": $(stat -c %s "$grow/archive.sqlite-wal" 2>/dev/null || echo 0)}" \
      >"$run.db.json"
  done
  python3 - "$RES" "$GROW_ROUNDS" "$grow/archive.sqlite" <<'PY'
import json, os, sqlite3, sys
res, rounds, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def j(n): return json.load(open(os.path.join(res, n)))
rows, archived = [], 0
print(f"  {'round':>5} {'archived before':>15} {'msgs':>6} {'outcomes':<18} {'wall s':>7} {'msg/s':>6} {'CPU s':>6}"
      f" {'CPU us/msg':>10} {'RSS MB':>6} {'db+WAL MB':>9}")
for i in range(1, rounds + 1):
    r, t, d = j(f"grow-r{i}.json"), j(f"grow-r{i}.timev.json"), j(f"grow-r{i}.db.json")
    s = r["mailboxes"][0]["summary"]
    n, cpu = s["processed"], t["user"] + t["sys"]
    if n == 0:
        print(f"  {i:>5}: no message processed (see {res}/grow-r{i}.json)"); continue
    rows.append((n / t["wall"], cpu / n * 1e6, t["rss_kb"] / 1024))
    outcomes = ",".join(f"{k}:{v}" for k, v in sorted(s["outcomes"].items()))
    print(f"  {i:>5} {archived:>15} {n:>6} {outcomes:<18} {t['wall']:>7.2f} {n / t['wall']:>6.0f} {cpu:>6.1f}"
          f" {cpu / n * 1e6:>10.0f} {t['rss_kb'] / 1024:>6.0f} {(d['db'] + d['wal']) / 1e6:>9.1f}")
    archived += n
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
msgs, threads = con.execute("SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM threads WHERE message_count > 0)").fetchone()
print(f"  the archive now: {msgs} messages in {threads} threads")
if len(rows) >= 2:
    first, last = rows[0], rows[-1]
    print(f"  last round / first round: rate {last[0] / first[0]:.2f}x, CPU per message {last[1] / first[1]:.2f}x,"
          f" peak RSS {last[2] / first[2]:.2f}x (one run per round: this VM moves 10-20 % from run to run)")
# b. rejects every post, and rejected mail is not indexed for search (search finds accepted posts only); round 1
# here is the same generator's posts accepted, each threaded and indexed, into an empty archive: the same work as
# notmuch's (which indexes every message), against notmuch new on synth of this run.
nm = os.path.join(res, "notmuch-synth.timev.json")
if rows and os.path.exists(nm):
    t = j("notmuch-synth.timev.json")
    rate = int(open(os.path.join(res, "notmuch-synth.count")).read()) / t["wall"]
    print(f"  round 1 (accepted, threaded, indexed) against notmuch new on synth: {rows[0][0]:.0f} / {rate:.0f} msg/s"
          f" = {rows[0][0] / rate:.2f}x (b. measures rejected posts, which are not indexed)")
PY
fi
echo "  total bench time: $((SECONDS - BENCH_START)) s"
