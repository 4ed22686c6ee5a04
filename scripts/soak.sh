#!/usr/bin/env bash
# Crash-and-restart soak of the real daemon against a private Dovecot and smtp-sink (by hand, not in CI).
#
#   scripts/soak.sh            1,000 SIGKILLs at random points (about 25-40 minutes)
#   scripts/soak.sh --quick    50 SIGKILLs (a few minutes)
#   scripts/soak.sh --kills N --max-delay S --seed N --keep   (see scripts/soak.py --help)
#
# MAILGATEWAY_BIN=path picks the binary (default: the debug build, made here when missing or stale; a release
# binary works the same).
# Prints one JSON line and a "SOAK OK|FAIL: kills=… messages=… lost=… duplicates=… bound=…" line; exit 0 on OK.
# docs/reliability.md says what each figure means.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
    if [[ $a == --quick ]]; then args+=(--kills 50); else args+=("$a"); fi
done
if [[ -z ${MAILGATEWAY_BIN:-} ]]; then
    export PATH=/opt/swift/usr/bin:$PATH
    swift build --product mailgateway >&2
    swift build --product mailgateway-daemon >&2  # the commands other than archive search
    MAILGATEWAY_BIN=$(swift build --show-bin-path)/mailgateway
fi
# Run a copy: a rebuild during the soak would otherwise replace the binary under it ("Text file busy").
binary=$(mktemp /tmp/mailgw-soak-bin.XXXXXX)
trap 'rm -f "$binary"' EXIT
cp "$MAILGATEWAY_BIN" "$binary"
chmod 700 "$binary"  # mktemp made it 0600
/usr/bin/python3 scripts/soak.py --binary "$binary" "${args[@]}"
