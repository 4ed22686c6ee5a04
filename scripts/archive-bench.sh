#!/bin/sh
# Archive ingest/search benchmark on lore-ksummit (prints numbers; asserts nothing about time).
# Usage: scripts/archive-bench.sh [debug|release]   (default release; needs ../shared/corpora or MAILGATEWAY_CORPORA)
set -eu
cd "$(dirname "$0")/.."
mode="${1:-release}"
swift build -c "$mode" --build-tests -Xswiftc -enable-testing
MAILGATEWAY_BENCH=1 swift test -c "$mode" -Xswiftc -enable-testing --skip-build --filter ArchiveBenchmarkTests 2>&1 | grep -E '^\[bench\]|passed|failed'
