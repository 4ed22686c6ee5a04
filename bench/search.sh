#!/usr/bin/env bash
# Search as a whole process (issue 12 goal 4): `mailgateway archive search` against `notmuch search` on the same
# queries over the same generated corpus, each command a fresh process, timed by hyperfine. Prints the median per
# query, each binary's ratio to notmuch, the CPU time of each, and the medians over the queries. Asserts nothing.
#
#   bench/search.sh [COUNT]        default 20000 messages (gen-corpus.py --seed 42)
#   BENCH_BIN=path                 the gateway binary (default: release build of this checkout, BENCH_SCRATCH)
#   BENCH_BIN_BEFORE=path          a second binary measured in the same run on the same archive (e.g. main's)
#   BENCH_RUNS=N                   hyperfine runs per command (default 30, after 3 warm-up runs)
#   BENCH_WORK=dir                 keep the corpus, the archive and notmuch's database in dir, and reuse them when a
#                                  former run of the same COUNT left them there (default: a temporary folder)
#
# The corpus is written twice by gen-corpus.py: as an mbox, which `mailgateway archive import` brings into a fresh
# archive (every message accepted: the search shows accepted messages only), and as a Maildir, which `notmuch new`
# indexes. Hit counts differ by design: notmuch stems and indexes more header fields; the gateway's FTS5 indexes
# subject, body text and author, unstemmed.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
COUNT=${1:-20000}
RUNS=${BENCH_RUNS:-30}
bash scripts/install-deps.sh >/dev/null
command -v hyperfine >/dev/null || die "hyperfine missing (scripts/install-deps.sh)"
command -v notmuch >/dev/null || die "notmuch missing (scripts/install-deps.sh)"
find_gen_corpus
bench_binaries
if [[ -n ${BENCH_WORK:-} ]]; then
  WORK=$BENCH_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/mailgateway-search.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi
if [[ $(cat "$WORK/ready" 2>/dev/null) == "$COUNT" ]]; then
  echo "== reusing the archive and notmuch's database of $COUNT messages in $WORK"
  export NOTMUCH_CONFIG="$WORK/notmuch-config"
else
rm -f "$WORK/ready"
echo "== corpus: gen-corpus.py -n $COUNT --seed 42 (mbox and Maildir)"
python3 "$GEN" -n "$COUNT" --seed 42 -o "$WORK/gen" >/dev/null
mkdir -p "$WORK/gen/Maildir/new" "$WORK/gen/Maildir/tmp"

echo "== gateway archive: mailgateway archive import"
cat >"$WORK/config.json" <<EOF
{"platform_name": "bench", "database": "$WORK/archive.sqlite", "templates_directory": "$ROOT/templates",
 "imap": {"host": "127.0.0.1", "port": 9, "tls": "none"}, "smtp": {"host": "127.0.0.1", "port": 9, "tls": "none"},
 "lists": [{"id": "synth", "kind": "interface", "name": {"fr": "synth", "en": "synth", "es": "synth"},
            "address": "synth@lists.bench.test", "language": "en", "subject_prefix": "[synth]",
            "mailbox": {"user": "synth", "password_env": "BENCH_UNUSED", "folder": "INBOX"}}]}
EOF
/usr/bin/time -f "  %e s wall, peak RSS %M KB" "${BINS[-1]#*:}" archive import --config "$WORK/config.json" --list synth \
  --mbox "$WORK/gen/corpus.mbox" --log-level error

echo "== notmuch new"
notmuch_config "$WORK/notmuch-config" "$WORK/gen/Maildir"
export NOTMUCH_CONFIG="$WORK/notmuch-config"
/usr/bin/time -f "  %e s wall, peak RSS %M KB" notmuch new --quiet
echo "  notmuch: $(notmuch count '*') messages"
echo "$COUNT" >"$WORK/ready"
fi

QUERIES=("throughput" "necessary" "database team" "nicolas" "mejorar")
echo "== search: median of $RUNS runs each (hyperfine -N --warmup 3), --limit 20"
: >"$WORK/rows.jsonl"
for q in "${QUERIES[@]}"; do
  cmds=("notmuch search --limit=20 '$q'")
  for b in "${BINS[@]}"; do cmds+=("${b#*:} archive search --config $WORK/config.json --limit 20 '$q'"); done
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/q.json" "${cmds[@]}" >/dev/null 2>&1 \
    || die "hyperfine failed on '$q'"
  hits=$("${BINS[-1]#*:}" archive search --config "$WORK/config.json" --limit 100000 --json "$q" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  python3 - "$WORK/q.json" "$q" "$hits" "$(notmuch count "$q")" >>"$WORK/rows.jsonl" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
print(json.dumps({"query": sys.argv[2], "ms": [r["median"] * 1000 for r in results],
                  "cpu": [(r["user"] + r["system"]) * 1000 for r in results],
                  "hits": int(sys.argv[3]), "notmuch": int(sys.argv[4])}))
PY
done
python3 - "$WORK/rows.jsonl" "${BINS[@]%%:*}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
labels = sys.argv[2:]
print("%-16s %10s" % ("query", "notmuch ms") + "".join(" %10s" % (l + " ms") for l in labels)
      + "".join(" %8s" % (l + "/nm") for l in labels) + " %8s %8s" % ("gw hits", "nm msgs"))
for r in rows:
    print("%-16s %10.1f" % (r["query"], r["ms"][0]) + "".join(" %10.1f" % m for m in r["ms"][1:])
          + "".join(" %7.2fx" % (m / r["ms"][0]) for m in r["ms"][1:]) + " %8d %8d" % (r["hits"], r["notmuch"]))
print("%-16s %10s" % ("CPU (mean)", "notmuch ms") + "".join(" %10s" % (l + " ms") for l in labels))
for r in rows:
    print("%-16s %10.1f" % (r["query"], r["cpu"][0]) + "".join(" %10.1f" % c for c in r["cpu"][1:]))
for i, l in enumerate(labels, 1):
    ms = [r["ms"][i] for r in rows]
    print("  %s: median over the queries %.1f ms, median ratio to notmuch %.2fx, at most notmuch's time on %d of %d queries"
          % (l, statistics.median(ms), statistics.median(r["ms"][i] / r["ms"][0] for r in rows),
             sum(r["ms"][i] <= r["ms"][0] for r in rows), len(rows)))
print("  notmuch: median over the queries %.1f ms" % statistics.median(r["ms"][0] for r in rows))
print("  goal: gateway <= 15 ms median and <= notmuch on every query")
PY
