#!/usr/bin/env bash
# Quick A/B of two gateway binaries on a mailbox that bench/ingest.sh kept (BENCH_KEEP=1): PAIRS alternating
# `run --once` of A then B, each on a fresh database (the kept corpus's own config, its database path changed), with
# the kept Dovecot and an smtp-sink restarted when they are down. Prints each run's wall, CPU and peak RSS, the
# outcomes, then each binary's median wall and the ratio B/A. Within one ingest.sh run, this VM's speed moves by
# 10-20 % from run to run; alternating pairs on one kept mailbox separate smaller differences (docs/benchmarks.md,
# stop 25). Asserts nothing.
#
#   bench/ab.sh KEPT CORPUS BIN_A BIN_B [PAIRS=5]     e.g. bench/ab.sh /tmp/mailgateway-bench.XXXX synth a/mailgateway b/mailgateway
#   BENCH_ENV_A / BENCH_ENV_B="VAR=value ..."          environment for one side only (a throwaway build's switches)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
(( $# >= 4 )) || die "usage: bench/ab.sh KEPT CORPUS BIN_A BIN_B [PAIRS]"
KEPT=$1 CORPUS=$2 PAIRS=${5:-5}
declare -A BIN=([A]=$3 [B]=$4) ENVS=([A]=${BENCH_ENV_A:-} [B]=${BENCH_ENV_B:-})
config="$KEPT/gw-$CORPUS/config.json"
[[ -f $config ]] || die "no $config: give a folder kept by BENCH_KEEP=1 bench/ingest.sh"
for s in A B; do [[ -x ${BIN[$s]} ]] || die "not an executable: ${BIN[$s]}"; done
port() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["port"])' "$config" "$1"; }
IMAP_PORT=$(port imap) SMTP_PORT=$(port smtp)
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up "$IMAP_PORT"; then
  IMAP_PORT=$IMAP_PORT IMAPS_PORT=$((IMAP_PORT + 1)) LMTP_PORT=$((IMAP_PORT + 2)) \
    bash scripts/dovecot.sh start "$KEPT/dovecot" >/dev/null
fi
# The sink as bench_servers starts it (as root: -u nobody); without one, every notice fails and is retried.
up "$SMTP_PORT" || SINK_DUMP=0 bash scripts/postfix.sh sink start "$KEPT/sink" "$SMTP_PORT" >/dev/null
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lists"][0]["mailbox"]["user"])' "$config")
BENCH_IMAP_PASSWORD=$(grep "^$user:" "$KEPT/dovecot/users" | sed 's/^[^:]*:{PLAIN}\([^:]*\):.*/\1/')
MAILGATEWAY_MODERATION_KEY=$(head -c 48 /dev/urandom | base64 -w0)
export BENCH_IMAP_PASSWORD MAILGATEWAY_MODERATION_KEY
RES=$(mktemp -d /tmp/mailgateway-ab.XXXXXX)
trap 'rm -rf "$RES"' EXIT
for pair in $(seq "$PAIRS"); do
  for s in A B; do
    gw="$RES/$s-$pair"
    mkdir -p "$gw"
    sed -e "s#$KEPT/gw-$CORPUS/archive.sqlite#$gw/archive.sqlite#" "$config" >"$gw/config.json"
    env ${ENVS[$s]} /usr/bin/time -f "%e %U %S %M" -o "$gw/time" "${BIN[$s]}" run --once --json --log-level error \
      --config "$gw/config.json" >"$gw/out.json" || die "$s run $pair failed (see $gw/out.json)"
    read -r wall user sys rss <"$gw/time"
    outcomes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mailboxes"][0]["summary"]["outcomes"])' "$gw/out.json")
    printf '%s %d: wall %5.2f s  user %5.2f  sys %5.2f  rss %4d MB  %s\n' "$s" "$pair" "$wall" "$user" "$sys" $((rss / 1024)) "$outcomes"
    echo "$wall" >>"$RES/$s.walls"
    rm -f "$gw/archive.sqlite"*
  done
done
python3 - "$RES/A.walls" "$RES/B.walls" <<'PY'
import statistics, sys
a, b = ([float(x) for x in open(p)] for p in sys.argv[1:3])
ma, mb = statistics.median(a), statistics.median(b)
print(f"median wall: A {ma:.2f} s, B {mb:.2f} s; B/A {mb / ma:.3f} ({(mb / ma - 1) * 100:+.1f} %)")
PY
