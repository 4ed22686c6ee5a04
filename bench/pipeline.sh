#!/usr/bin/env bash
# Whole-pipeline benchmark (issue 12 goal 3): POSTS posts from members, in a 10-member list's mailbox, through the
# REAL daemon (`mailgateway run --once`: IMAP fetch, parse, policy, archive, thread, FTS, compose and enqueue every
# member's copy, then send them all to Postfix's smtp-sink), timed until every post is archived AND every copy
# delivered. Prints posts accepted->delivered per second and the ratio to Mailman 3's anchor of 20 posts/s
# (goal >= 10x, i.e. >= 200 posts/s). Checks counts, not only the exit status: the script fails when a post is
# not accepted or a copy not sent. Asserts nothing about speed.
#
#   bench/pipeline.sh [POSTS=2000] [CONNECTIONS=4]
#   BENCH_BIN=path         the gateway binary (default: release build of this checkout, BENCH_SCRATCH scratch path)
#   BENCH_BIN_BEFORE=path  a second binary (e.g. main's) measured in the same run, on the same posts
#   BENCH_MEMBERS=10       members of the list (every post goes to each of them, its author included)
#   BENCH_PERSONALIZE=0    the list has `personalize: false`: byte-identical copies share SMTP transactions
#   BENCH_PERF=1           also records `perf record -g` of the gateway's run (perf.data kept, path printed)
#   BENCH_WRAP="cmd args"  runs the gateway under that command (e.g. "strace -f -c -o /tmp/s.txt")
#   BENCH_LOG_LEVEL=info   the gateway's log level (its log is in the work folder, BENCH_KEEP=1 keeps it)
#
# The posts are gen-corpus.py's messages (--seed 42: realistic sizes, charsets, encodings, attachments, threads),
# each one's From rewritten to one of the members (in turn) and the list headers of their original list (List-*,
# Precedence) removed; they are written straight into the list's Maildir (unseen), so Dovecot indexes them at the
# first SELECT of an untimed warm-up login (`bench fetch`). Then one timed `run --once` (SMTP = the sink).
# Figures: posts/s = accepted posts / wall time of that run; copies/s = sent copies / wall time; cpu s = the
# gateway's user + system time (a figure the machine's load moves less than the wall time), posts/cpu-s.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
POSTS=${1:-2000}
CONNS=${2:-4}
MEMBERS=${BENCH_MEMBERS:-10}
ANCHOR=20   # Mailman 3, posts/s (docs/benchmarks.md, "Issue 12")
bench_binaries
find_gen_corpus

bench_servers pipeline

# The register: MEMBERS research partners, one list (bench/corpus.py).
python3 bench/corpus.py register "$WORK/register.csv" "$MEMBERS"

# The posts: gen-corpus messages, From rewritten to a member, list headers removed, unseen file names in order.
python3 "$GEN" -n "$POSTS" --seed 42 -o "$WORK/gen" --no-mbox >/dev/null
python3 bench/corpus.py posts "$WORK/gen/Maildir/cur" "$WORK/posts" "$MEMBERS" college-research@lists.bench.test \
  pipeline-bench 1600000000 --report
rm -rf "$WORK/gen"


RESULTS="$WORK/results.txt"
: >"$RESULTS"
# A mailbox holding the posts and a fresh database with the register, for binary BIN: sets RUN.
prepare() {  # BIN USER SMTP_PORT
  local bin=$1 user=$2
  bash scripts/dovecot.sh adduser "$WORK/dovecot" "$user" "$BENCH_IMAP_PASSWORD"
  local box="$WORK/dovecot/mail/$user/Maildir"
  mkdir -p "$box"/{cur,new,tmp}
  cp "$WORK/posts/"* "$box/cur/"
  chown -R "$MAILUSER:$(id -gn "$MAILUSER")" "$WORK/dovecot/mail/$user"
  run="$WORK/$user"
  mkdir -p "$run"
  bench_config "$run" "$3" "$CONNS" "$user" "${BENCH_PERSONALIZE:-1}"
  "$bin" partners import --no-welcome --config "$run/config.json" "$WORK/register.csv" --log-level error >/dev/null
  # Warm-up, untimed: Dovecot builds the mailbox's index at the first SELECT.
  "$bin" bench fetch --config "$run/config.json" --list college-research --log-level error >/dev/null
}

for b in "${BINS[@]}"; do
  label=${b%%:*} bin=${b#*:}
  if [[ ${BENCH_PHASES:-0} == 1 ]]; then
    # The same work in two timed runs: ingest with SMTP closed (every copy waits), then the sending alone.
    prepare "$bin" "phases-$label" "$DEAD_PORT"
    /usr/bin/time -v -o "$run/ingest.time" "$bin" run --once --json --config "$run/config.json" --log-level critical >/dev/null || true
    bench_config "$run" "$SMTP_PORT" "$CONNS" "phases-$label" "${BENCH_PERSONALIZE:-1}"
    "$bin" outbox retry --config "$run/config.json" --log-level error >/dev/null
    /usr/bin/time -v -o "$run/send.time" "$bin" run --once --json --config "$run/config.json" --log-level error >"$run/send.json"
    echo "$label phases: ingest (SMTP closed) $(wall_seconds "$run/ingest.time") s, send $(wall_seconds "$run/send.time") s" \
      "($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outboxSent"])' "$run/send.json") copies)" | tee -a "$WORK/phases.txt"
  fi
  prepare "$bin" "pipe-$label" "$SMTP_PORT"
  prefix=()
  if [[ ${BENCH_PERF:-0} == 1 ]]; then prefix=(perf record -g -o "$WORK/$label.perf.data" --); fi
  if [[ -n ${BENCH_WRAP:-} ]]; then read -r -a prefix <<<"$BENCH_WRAP"; fi
  /usr/bin/time -v -o "$run/run.time" "${prefix[@]}" "$bin" run --once --json --config "$run/config.json" 2>"$run/run.log" \
    --log-level "${BENCH_LOG_LEVEL:-error}" >"$run/run.json"
  t=$(wall_seconds "$run/run.time")
  rss=$(awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$run/run.time")
  cpu=$(cpu_seconds "$run/run.time")
  python3 - "$label" "$run/archive.sqlite" "$run/run.json" "$t" "$rss" "$POSTS" "$MEMBERS" "$ANCHOR" "$cpu" <<'PY' | tee -a "$RESULTS"
import json, sqlite3, sys
label, path, report, t, rss, posts, members, anchor, cpu = sys.argv[1:]
t, posts, members, anchor, cpu = float(t), int(posts), int(members), float(anchor), float(cpu)
db = sqlite3.connect(path)
status = dict(db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())
accepted = status.get("accepted", 0)
copies = dict(db.execute("SELECT status, count(*) FROM outbox WHERE purpose = 'post' GROUP BY status").fetchall())
sent = copies.get("sent", 0)
other = {k: v for k, v in copies.items() if k != "sent"}
r = json.load(open(report))
problems = []
if accepted != posts: problems.append(f"{accepted} of {posts} posts accepted (messages by status: {status})")
# Every member gets each post, its author too unless the binary predates receive_own_postings (then MEMBERS - 1).
per_post = db.execute("SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM outbox WHERE purpose = 'post' "
                      "GROUP BY message_id)").fetchone()
if per_post[0] is None or per_post[0] < members - 1 or per_post[1] > members:
    problems.append(f"copies per post between {per_post}, expected {members - 1} or {members}")
if sum(copies.values()) < accepted * (members - 1): problems.append(f"{sum(copies.values())} copies for {accepted} posts")
if other or r.get("outboxPending") or r.get("outboxError"): problems.append(f"outbox not drained: {other} {r}")
rate = accepted / t
print(f"{label:>7} {accepted:>6} {sent:>7} {t:>7.2f} {rate:>8.1f} {sent / t:>9.0f} {cpu:>6.2f} {accepted / cpu:>9.1f} {rss:>6} {rate / anchor:>7.1f}x")
if problems:
    print(f"{label}: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
PY
  [[ ${BENCH_PERF:-0} == 1 ]] && { cp "$WORK/$label.perf.data" "/tmp/pipeline-$label.perf.data"; echo "perf: /tmp/pipeline-$label.perf.data" >&2; }
done
echo
echo " binary  posts  copies  wall s  posts/s  copies/s  cpu s  posts/cpu-s RSS MB  vs Mailman 3 (20 posts/s; goal >= 10x)"
cat "$RESULTS"
[[ -f $WORK/phases.txt ]] && cat "$WORK/phases.txt"
true
