#!/usr/bin/env bash
# Fan-out benchmark (issue 12 goal 2): one post to a COPIES-member list through the REAL daemon (`mailgateway run
# --once`), into Postfix's smtp-sink, and in the same run Postfix's smtp-source sending the same number of messages
# of the same size over the same number of connections into the same sink. Prints the rates and their ratio
# (target: gateway >= 0.8 x smtp-source). Asserts nothing.
#
#   bench/fanout.sh [COPIES] [CONNECTIONS...]       defaults: 10000, "1 4"
#   BENCH_BIN=path         the gateway binary (default: release build of this checkout, BENCH_SCRATCH scratch path)
#   BENCH_BIN_BEFORE=path  a second binary (e.g. main's) measured in the same run, same sink, same post
#   BENCH_WRAP="cmd args"  runs the timed sending run under that command (e.g. "perf record -g -o /tmp/f.data --")
#
# For each binary: a fresh database gets the register (COPIES research partners, one list `college-research`)
# with `partners import`; the post (from a partner) is written straight into the list's Maildir; a first `run
# --once` with SMTP pointing at a closed port ingests it and enqueues the COPIES copies (one VERP transaction
# each), every attempt failing at connect. That database is copied for each CONNECTIONS value, `outbox retry`
# makes the copies due, and two timed `run --once` follow (SMTP = the sink, `delivery.connections` = C): the first
# sends every copy (t_send), the second has nothing to do (t_idle: start, IMAP pass, drain check). Figures:
#   gateway copies/s = copies / (t_send - t_idle)   the daemon's sending alone, through its own outbox
#   whole run copies/s = copies / t_send             the whole process
#   cpu us/copy = (user + system time of the sending run - those of the idle run) / copies
# smtp-source: `smtp-source -d -s C -m COPIES -l BYTES -N` (BYTES: the average size of the copies as stored).
#
# BENCH_PERSONALIZE=0: the list has `personalize: false` (issue 12, batched RCPTs): its copies are byte-identical
# per footer language (the members read fr, en and es in turn), and the gateway sends them in transactions of up
# to 100 RCPTs; smtp-source then sends COPIES/100 messages of 100 recipients each (`-r 100`), the same number of
# recipients over the same sessions. Rates are recipients (copies) per second on both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
COPIES=${1:-10000}
shift || true
CONNS=("$@")
[[ ${#CONNS[@]} -gt 0 ]] || CONNS=(1 4)
bench_binaries
command -v smtp-source >/dev/null || die "smtp-source missing (scripts/install-deps.sh)"

bench_servers fanout

# The register: the author and COPIES research partners (one list, one college).
python3 - "$WORK/register.csv" "$COPIES" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("organisation,country,college,funder,person,email,language\n")
    f.write("INRAE,France,research,no,Hélène Dubois,helene@inrae.example,fr\n")
    langs = ["fr", "en", "es"]
    for i in range(1, n + 1):
        f.write(f"Labo {i % 97},France,research,no,Membre {i},m{i:05d}@labo{i % 97}.example,{langs[i % 3]}\n")
PY


RESULTS="$WORK/results.txt"
: >"$RESULTS"
for b in "${BINS[@]}"; do
  label=${b%%:*} bin=${b#*:}
  user="fan-$label"
  bash scripts/dovecot.sh adduser "$WORK/dovecot" "$user" "$BENCH_IMAP_PASSWORD"
  box="$WORK/dovecot/mail/$user/Maildir"
  mkdir -p "$box"/{cur,new,tmp}
  printf 'From: Hélène Dubois <helene@inrae.example>\r\nTo: college-research@lists.bench.test\r\nSubject: Soil carbon field trial, results of the second season\r\nMessage-ID: <fanout-%s@inrae.example>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' "$label" \
    >"$box/cur/1600000001.M1.bench:2,"
  python3 -c 'import sys; sys.stdout.write(("Bonjour à tous, voici les résultats de la deuxième saison de l’essai au champ sur le carbone des sols.\r\n") * 12)' \
    >>"$box/cur/1600000001.M1.bench:2,"
  chown -R "$MAILUSER:$(id -gn "$MAILUSER")" "$WORK/dovecot/mail/$user"

  base="$WORK/$label-base"
  mkdir -p "$base"
  bench_config "$base" "$DEAD_PORT" 4 "$user" "${BENCH_PERSONALIZE:-1}"
  "$bin" partners import --no-welcome --config "$base/config.json" "$WORK/register.csv" --log-level error >/dev/null
  t0=$(date +%s.%N)
  "$bin" run --once --json --config "$base/config.json" --log-level critical >"$base/ingest.json" || true
  t1=$(date +%s.%N)
  read -r enqueued bytes < <(python3 - "$base/archive.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n, size = db.execute("SELECT count(*), avg(length(o.header_prefix) + length(b.bytes)) FROM outbox o "
                     "JOIN outbox_body b ON b.id = o.body_id WHERE o.purpose = 'post'").fetchone()
print(n, int(size or 0))
PY
)
  echo "$label: $enqueued copies of $bytes bytes enqueued (ingest run with SMTP closed: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s)"
  [[ $enqueued -ge $COPIES ]] || die "$label: expected $COPIES copies, got $enqueued (see $base/ingest.json)"

  for c in "${CONNS[@]}"; do
    run="$WORK/$label-$c"
    mkdir -p "$run"
    # SQLite's online backup, not cp: the base's -wal can come and go between a test and a cp.
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
      "$base/archive.sqlite" "$run/archive.sqlite"
    bench_config "$run" "$SMTP_PORT" "$c" "$user" "${BENCH_PERSONALIZE:-1}"
    "$bin" outbox retry --config "$run/config.json" --log-level error >/dev/null
    prefix=()
    if [[ -n ${BENCH_WRAP:-} ]]; then read -r -a prefix <<<"$BENCH_WRAP"; fi
    /usr/bin/time -v -o "$run/send.time" "${prefix[@]}" "$bin" run --once --json --config "$run/config.json" --log-level error >"$run/send.json"
    /usr/bin/time -v -o "$run/idle.time" "$bin" run --once --json --config "$run/config.json" --log-level error >"$run/idle.json"
    sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outboxSent"])' "$run/send.json")
    ts=$(wall_seconds "$run/send.time") ti=$(wall_seconds "$run/idle.time")
    cs=$(cpu_seconds "$run/send.time") ci=$(cpu_seconds "$run/idle.time")

    start=$(date +%s.%N)
    if [[ ${BENCH_PERSONALIZE:-1} == 0 ]]; then
      smtp-source -d -s "$c" -m "$(( (enqueued + 99) / 100 ))" -r 100 -l "$bytes" -N -f bench-bounces@lists.bench.test \
        -t member@partner.example -M gateway.bench.example "127.0.0.1:$SMTP_PORT"
    else
      smtp-source -d -s "$c" -m "$enqueued" -l "$bytes" -N -f bench-bounces@lists.bench.test \
        -t member@partner.example -M gateway.bench.example "127.0.0.1:$SMTP_PORT"
    fi
    end=$(date +%s.%N)
    python3 - "$label" "$c" "$sent" "$ts" "$ti" "$start" "$end" "$enqueued" "$bytes" "$cs" "$ci" <<'PY' | tee -a "$RESULTS"
import sys
label, c, sent, ts, ti, a, b, n, size, cs, ci = sys.argv[1:]
c, sent, ts, ti, n, cs, ci = int(c), int(sent), float(ts), float(ti), int(n), float(cs), float(ci)
src = n / (float(b) - float(a))
send = max(ts - ti, 1e-3)
print(f"{label:>7} {c:>5} {sent:>7} {size:>6} {ts:>7.2f} {ti:>6.2f} {sent / send:>10.0f} {sent / ts:>9.0f} {src:>10.0f} {sent / send / src:>6.2f}"
      f" {cs:>6.2f} {max(cs - ci, 0) / max(sent, 1) * 1e6:>8.0f}")
PY
  done
done
echo
echo " binary conns    sent  bytes  t_send t_idle  gw copy/s  whole/s  source/s  ratio  cpu s  cpu us/copy"
echo "   (ratio = gw / smtp-source; target >= 0.80, batched RCPTs (BENCH_PERSONALIZE=0) >= 1; cpu s = the sending run's"
echo "    user + system time, cpu us/copy = (cpu s - the idle run's) / sent: the figure the machine's load moves least)"
cat "$RESULTS"
