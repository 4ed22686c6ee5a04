# Shared by the bench/*.sh scripts, sourced after they `cd` to the repository: the binaries to measure, free ports,
# notmuch's configuration, the corpus generator.
ROOT=$(pwd)
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
die() { echo "bench: $*" >&2; exit 1; }

# Sets BINS=(label:path ...): "after:" BENCH_BIN (default: the release build of this checkout, in the SwiftPM scratch
# path BENCH_SCRATCH, default .build), preceded by "before:" BENCH_BIN_BEFORE when set (e.g. main's binary, measured
# in the same run).
bench_binaries() {
  local bin=${BENCH_BIN:-}
  if [[ -z $bin ]]; then
    local scratch=${BENCH_SCRATCH:-.build}
    echo "building (release)..." >&2
    local product
    for product in mailgateway mailgateway-daemon; do  # mailgateway execs mailgateway-daemon beside it
      swift build -c release --scratch-path "$scratch" --product $product 2>&1 | grep -E "error:|Build complete" >&2 || true
    done
    bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/mailgateway"
  fi
  BINS=("after:$bin")
  [[ -n ${BENCH_BIN_BEFORE:-} ]] && BINS=("before:$BENCH_BIN_BEFORE" "${BINS[@]}")
  local b
  for b in "${BINS[@]}"; do [[ -x ${b#*:} ]] || die "not an executable: ${b#*:}"; done
}

# Prints N free TCP ports of 127.0.0.1, separated by spaces.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# Writes to FILE a notmuch configuration whose database is MAILDIR (all tags kept, flags synchronised).
notmuch_config() {  # FILE MAILDIR
  cat >"$1" <<NOTMUCH
[database]
path=$2
[user]
name=Bench
primary_email=bench@bench.test
[new]
tags=unread;inbox;
ignore=
[search]
exclude_tags=
[maildir]
synchronize_flags=true
NOTMUCH
}

# Sets GEN to gen-corpus.py: GEN_CORPUS, else beside the shared corpora.
find_gen_corpus() {
  GEN=${GEN_CORPUS:-}
  local g
  for g in "$ROOT/../shared/tools/gen-corpus.py" "$ROOT/../../shared/tools/gen-corpus.py" /work/shared/tools/gen-corpus.py; do
    [[ -z $GEN && -f $g ]] && GEN=$g
  done
  [[ -n $GEN && -f $GEN ]] || die "gen-corpus.py not found (set GEN_CORPUS)"
}
