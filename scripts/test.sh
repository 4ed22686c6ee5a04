#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit tests, corpus tests (../shared/corpora) and
# integration tests against private Dovecot / Postfix / smtp-sink instances on 127.0.0.1 that the tests start.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/install-deps.sh
# The servers were just installed: the integration tests must run, not skip (unset it by hand to allow skipping).
export MAILGATEWAY_REQUIRE_INTEGRATION="${MAILGATEWAY_REQUIRE_INTEGRATION:-1}"
bash scripts/check-structure.sh
swift build --build-tests
swift test --skip-build "$@"
