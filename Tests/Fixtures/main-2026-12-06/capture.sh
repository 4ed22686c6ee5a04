#!/usr/bin/env bash
# Runs every command of commands.txt with the given mailgateway binary against a copy of archive.sqlite (the
# database today's main wrote on 2026-12-06: the demo, a crash left in ingest_progress, a UID in fetch_failures)
# and writes each command's standard output to OUTDIR/NN.out. `expected/` holds what that main printed;
# MigrationFromMainTests runs the same commands with the current build and compares.
#   bash capture.sh BIN OUTDIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$1; OUT=$2
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cp "$HERE/archive.sqlite" "$WORK/archive.sqlite"
python3 - "$HERE/config.json" "$WORK" "$ROOT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
c["database"] = sys.argv[2] + "/archive.sqlite"
c["templates_directory"] = sys.argv[3] + "/templates"
json.dump(c, open(sys.argv[2] + "/config.json", "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
export MAILGATEWAY_CONFIG="$WORK/config.json" TZ=UTC MAILGATEWAY_SMTP_PASSWORD=unused
export MAILGATEWAY_MODERATION_KEY=demo-moderation-key-fixture-0123456789abcdef
for l in $(python3 -c "import json,sys; print(' '.join(l['id'] for l in json.load(open(sys.argv[1]))['lists']))" "$HERE/config.json"); do
  export "MAILGATEWAY_IMAP_PASSWORD_$(echo "$l" | tr 'a-z-' 'A-Z_')=unused"
done
# The commands that only read open the database read-only and refuse a schema older than the binary: upgrade the
# copy first, as `run` would, with a writing command that changes nothing (no copy has that id).
"$BIN" outbox retry 999999999 >/dev/null
mkdir -p "$OUT"
n=0
while IFS= read -r cmd; do
  [[ -z "$cmd" ]] && continue
  n=$((n + 1))
  # shellcheck disable=SC2086
  "$BIN" $cmd > "$OUT/$(printf %02d $n).out" 2>/dev/null || echo "exit $?" >> "$OUT/$(printf %02d $n).out"
done < "$HERE/commands.txt"
