#!/usr/bin/env bash
# Crash-and-restart soak of the real daemon against a private Dovecot and smtp-sink (by hand, not in CI).
#
#   scripts/soak.sh            1,000 SIGKILLs at random points (about 25-40 minutes)
#   scripts/soak.sh --quick    50 SIGKILLs (a few minutes)
#   scripts/soak.sh --kills N --max-delay S --seed N --keep   (see scripts/soak.py --help)
#
# MAILGATEWAY_BIN=path names the thin `mailgateway` executable (default: the debug build, both products built here
# first; a release build works the same). `mailgateway-daemon` must sit beside it: the thin one runs `archive
# search` itself and execs `mailgateway-daemon` from its own folder for every other command. Naming
# `mailgateway-daemon` itself also works (it runs every command); both are copied either way.
# Prints one JSON line and a "SOAK OK|FAIL: kills=… messages=… lost=… unsent=… missing=… undecided=… duplicates=…
# bound=…" line; exit 0 on OK.
# docs/reliability.md says what each figure means.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
    if [[ $a == --quick ]]; then args+=(--kills 50); else args+=("$a"); fi
done
if [[ -z ${MAILGATEWAY_BIN:-} ]]; then
    export PATH=/opt/swift/usr/bin:$PATH
    # Two commands: one `swift build` with two --product flags builds only the last.
    swift build --product mailgateway-daemon >&2  # every command but archive search
    swift build --product mailgateway >&2         # the thin front: archive search, execs the daemon for the rest
    MAILGATEWAY_BIN=$(swift build --show-bin-path)/mailgateway
fi
source_dir=$(cd "$(dirname "$MAILGATEWAY_BIN")" && pwd)
for exe in mailgateway mailgateway-daemon; do
    if [[ ! -x $source_dir/$exe ]]; then
        echo "soak.sh: $source_dir/$exe is missing (MAILGATEWAY_BIN=$MAILGATEWAY_BIN; both executables are needed)" >&2
        exit 2
    fi
done
# Run copies of BOTH executables from one private folder: a rebuild during the soak would otherwise replace the
# binaries under it ("Text file busy"), and the thin `mailgateway` finds `mailgateway-daemon` beside itself
# (/proc/self/exe), so the daemon must be copied next to it.
bin_dir=$(mktemp -d /tmp/mailgw-soak-bin.XXXXXX)  # 0700
trap 'rm -rf "$bin_dir"' EXIT
cp "$source_dir/mailgateway" "$source_dir/mailgateway-daemon" "$bin_dir/"
chmod 700 "$bin_dir/mailgateway" "$bin_dir/mailgateway-daemon"
/usr/bin/python3 scripts/soak.py --binary "$bin_dir/$(basename "$MAILGATEWAY_BIN")" "${args[@]}"
