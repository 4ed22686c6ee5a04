#!/usr/bin/env bash
# Fan-out benchmark (issue 3 §6): one post to N recipients (one composed VERP copy each) through the durable
# outbox and OutboxSender into Postfix's smtp-sink, and in the same run Postfix's smtp-source sending the same
# number of messages of the same size over the same number of connections (-d: connections kept open, as the
# gateway does). Prints both rates and their ratio (target: gateway >= 0.8 x smtp-source).
#
#   bench/fanout.sh [COPIES] [CONNECTIONS]       defaults 10000 4
#   BENCH_CONFIG=debug|release (default release)
#
# The gateway side is `mailgateway bench fanout` (FanoutBenchmark.run, Sources/MailGatewayBench/FanoutBenchmark.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-10000}
CONNS=${2:-4}
CONFIG=${BENCH_CONFIG:-release}
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
WORK=$(mktemp -d /tmp/mailgateway-bench.XXXXXX)
trap 'scripts/postfix.sh sink stop "$WORK" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

echo "building ($CONFIG)..." >&2
swift build -c "$CONFIG" --product mailgateway >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
BIN="$(swift build -c "$CONFIG" --show-bin-path)/mailgateway"

SINK_DUMP=0 scripts/postfix.sh sink start "$WORK" "$PORT"

# Gateway: compose + enqueue + deliver.
sync_flag=()
[[ "${MAILGATEWAY_BENCH_SYNC:-}" == normal ]] && sync_flag=(--synchronous-normal)
out=$("$BIN" bench fanout --port "$PORT" --copies "$COPIES" --connections "$CONNS" ${sync_flag[@]+"${sync_flag[@]}"} \
      --log-level warning 2>&1) || { echo "$out" >&2; exit 1; }
line=$(grep '^FANOUT' <<<"$out") || { echo "$out" >&2; exit 1; }
echo "gateway:     $line"
bytes=$(sed -E 's/.* bytes=([0-9]+).*/\1/' <<<"$line")
gw_rate=$(sed -E 's/.* rate=([0-9.]+).*/\1/' <<<"$line")

# smtp-source: same count, same size, same connections, one recipient per message.
start=$(date +%s.%N)
smtp-source -d -s "$CONNS" -m "$COPIES" -l "$bytes" -N -f bench-bounces@lists.example.org \
    -t member@partner.example -M gateway.bench.example "127.0.0.1:$PORT"
end=$(date +%s.%N)
src_rate=$(awk -v n="$COPIES" -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", n / (b - a) }')
echo "smtp-source: messages=$COPIES connections=$CONNS bytes=$bytes time=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}')s rate=$src_rate/s"
awk -v g="$gw_rate" -v s="$src_rate" 'BEGIN { printf "ratio gateway/smtp-source = %.2f (target >= 0.80)\n", g / s }'
