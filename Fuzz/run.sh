#!/usr/bin/env bash
# Builds the libFuzzer target over the whole inbound path (Fuzz/Sources/InboundFuzzer), builds a seed corpus in a
# temporary folder from the shared corpora (../shared/corpora, read in place), and runs it. docs/reliability.md.
#
#   Fuzz/run.sh                            15 minutes (-max_total_time=900)
#   Fuzz/run.sh -runs=100000               any libFuzzer flags replace the default duration
#   Fuzz/run.sh ARTIFACT                   replays one input (a crash reproducer) and exits
#
# Environment: FUZZ_SANITIZE (default "fuzzer"; "fuzzer,address" adds ASan), FUZZ_ARTIFACTS (where crashes,
# timeouts and OOMs are written; default a folder in the temporary one, printed), CORPORA (default
# ../shared/corpora), FUZZ_KEEP=1 keeps the temporary folder (the grown corpus).
# libFuzzer prints "#N ... cov: … ft: … corp: … exec/s: …" lines and, at the end, its final stats.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH=/opt/swift/usr/bin:$PATH
sanitize=${FUZZ_SANITIZE:-fuzzer}
build=Fuzz/.build
[[ $sanitize == fuzzer ]] || build=Fuzz/.build-${sanitize//,/-}
swift build -c release --package-path Fuzz --scratch-path "$build" -Xswiftc "-sanitize=$sanitize" >&2
bin=$build/release/InboundFuzzer

# The fixture's SQLite database lives in TMPDIR: in memory (/dev/shm) it runs ~2.5 times faster than on disk.
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
work=$(mktemp -d /tmp/mailgw-fuzz.XXXXXX)
cleanup() { [[ ${FUZZ_KEEP:-0} == 1 ]] && echo "kept $work" >&2 || rm -rf "$work"; }
trap cleanup EXIT
artifacts=${FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts" "$work/seeds" "$work/corpus"
common=(-rss_limit_mb=2048 -max_len=1048576 -timeout=30 -dict=Fuzz/mail.dict -print_final_stats=1
        "-artifact_prefix=${artifacts%/}/")

if [[ $# -eq 1 && -f $1 ]]; then
    exec "$bin" "${common[@]}" "$1"
fi

corpora=${CORPORA:-$root/../shared/corpora}
[[ -d $corpora ]] || { echo "run.sh: no corpora at $corpora (set CORPORA)" >&2; exit 2; }
/usr/bin/python3 Fuzz/seeds.py "$corpora" "$work/seeds" 1048576 >&2
# The synthetic seeds (aligned partner post, held post, moderator approval with a valid token) come from the
# fixture itself: one run over an empty input writes them.
: >"$work/empty"
MAILGATEWAY_FUZZ_WRITE_SEEDS=$work/seeds "$bin" "$work/empty" >/dev/null 2>&1
echo "seeds: $(ls "$work/seeds" | wc -l) in $work/seeds; artifacts go to $artifacts" >&2
[[ $# -gt 0 ]] || set -- -max_total_time=900
"$bin" "${common[@]}" "$@" "$work/corpus" "$work/seeds"
