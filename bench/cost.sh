#!/usr/bin/env bash
# A cost measure that noise cannot move (issue 12 goal 5): instructions executed per message by the parse stage
# (whole, and to the header only) and by the posting chain, counted by valgrind's callgrind (an instruction
# count, not a time: the same binary on the same corpus gives the same figure on a loaded machine). Asserts
# nothing; compare the figures with the ones recorded in docs/benchmarks.md before and after a change.
#
#   bench/cost.sh [MBOX]          default: the lore-ksummit corpus (3,115 real messages)
#   BENCH_STAGES=path             the `mailgateway-stages` binary (default: its release build, BENCH_SCRATCH path)
#
# How: `mailgateway-stages parse MBOX`, `parse-headers MBOX` and `policy MBOX --spoofing off|on` (one pass of the
# `StageBenchmark` functions behind `mailgateway bench parse/policy`, from a synchronous main: Valgrind 3.19 crashes
# on the async main of `mailgateway`) run under `valgrind --tool=callgrind` with SWIFT_DETERMINISTIC_HASHING=1 (no
# random hash seed: dictionary order, and so the count, do not vary between runs), on a copy of the binary without
# its DWARF 5 debug information (which Valgrind 3.19 cannot read; the symbol table stays). `callgrind_annotate
# --inclusive=yes` gives the inclusive instruction count (Ir) of `MessageParser.parse` and of the posting chain
# (`PolicyChain.decide`, or `PolicyChain.firstHit` where the optimizer inlined `decide`), divided by the messages.
# Loading and un-gzipping the corpus are not counted. A few minutes (valgrind runs the code ~50x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v valgrind >/dev/null || die "valgrind missing (apt-get install valgrind)"
MBOX=${1:-}
if [[ -z $MBOX ]]; then
  for c in "$ROOT/../shared/corpora" /work/shared/corpora; do
    [[ -z $MBOX && -f $c/lore-ksummit/ksummit.mbox.gz ]] && MBOX="$c/lore-ksummit/ksummit.mbox.gz"
  done
fi
[[ -f $MBOX ]] || die "no mbox (give one, or set up ../shared/corpora)"
STAGES=${BENCH_STAGES:-}
if [[ -z $STAGES ]]; then
  scratch=${BENCH_SCRATCH:-.build}
  echo "building mailgateway-stages (release)..." >&2
  swift build -c release --scratch-path "$scratch" --product mailgateway-stages 2>&1 | grep -E "error:|Build complete" >&2 || true
  STAGES="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/mailgateway-stages"
fi
[[ -x $STAGES ]] || die "not an executable: $STAGES"
WORK=$(mktemp -d /tmp/mailgateway-cost.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export SWIFT_DETERMINISTIC_HASHING=1

# Inclusive Ir of the most expensive function whose demangled name matches PATTERN, in a callgrind output file.
inclusive() {  # FILE PATTERN
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | swift demangle --simplified | python3 -c '
import re, sys
pattern = re.compile(sys.argv[1])
best = 0
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)", line)
    if m and pattern.search(m.group(2)):
        best = max(best, int(m.group(1).replace(",", "")))
print(best)' "$2"
}

objcopy --strip-debug "$STAGES" "$WORK/stages"
# Decompressed beforehand: under valgrind the binary cannot start gzip itself.
if [[ $MBOX == *.gz ]]; then gzip -dc "$MBOX" >"$WORK/corpus.mbox"; MBOX="$WORK/corpus.mbox"; fi
grind() {  # NAME ARGS...: runs the stages binary under callgrind, output in $WORK/NAME.{out,txt,log}
  local name=$1; shift
  valgrind --tool=callgrind --sim-hints=no-nptl-pthread-stackcache --callgrind-out-file="$WORK/$name.out" \
    "$WORK/stages" "$@" >"$WORK/$name.txt" 2>"$WORK/$name.log" || { tail "$WORK/$name.log" >&2; die "$name failed"; }
}
row() {  # STAGE TXT IR
  local n; n=$(sed -E 's/.*messages=([0-9]+).*/\1/' "$2")
  printf '%-22s %9d %16d %14.0f\n' "$1" "$n" "$3" "$(awk -v a="$3" -v b="$n" 'BEGIN { print a / b }')"
}
printf '%-22s %9s %16s %14s\n' stage messages instructions "per message"
grind parse parse "$MBOX"
row parse "$WORK/parse.txt" "$(inclusive "$WORK/parse.out" 'MessageParser\.parse\(')"
# The header only (what the ingest parses first, and all it parses of a stranger's post that its list rejects).
grind parse-headers parse-headers "$MBOX"
row "parse (header only)" "$WORK/parse-headers.txt" "$(inclusive "$WORK/parse-headers.out" 'MessageParser\.parseHeaders\(')"
for s in off on; do
  grind "policy-$s" policy "$MBOX" --spoofing "$s"
  row "policy (spoofing $s)" "$WORK/policy-$s.txt" "$(inclusive "$WORK/policy-$s.out" 'PolicyChain\.(decide|firstHit)\(')"
done
