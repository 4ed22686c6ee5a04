#!/usr/bin/env bash
# The structure rules of docs/ARCHITECTURE.md, checked by grep (run by scripts/test.sh):
#   - SQL (`sql:`) only in the store (Sources/MailGateway/Store, Sources/MailGatewayCore/Store);
#   - no source file over 400 lines;
#   - no exit() or abort() in library code (only the executables end the process);
#   - the executables, their shared commands (MailGatewayCLI) and the runtime never import GRDB (they go through
#     the store's methods).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "check-structure: $*" >&2; status=1; }

while IFS= read -r hit; do fail "SQL outside the store: $hit"; done < <(
  grep -rn 'sql:' Sources --include=*.swift | grep -v '^Sources/MailGateway\(Core\)\?/Store/')
while read -r lines file; do
  [[ "$file" == total ]] && continue
  (( lines > 400 )) && fail "$file has $lines lines (at most 400)"
done < <(find Sources -name '*.swift' -print0 | xargs -0 wc -l)
while IFS= read -r hit; do fail "process exit in library code: $hit"; done < <(
  grep -rnE '(^|[^A-Za-z_.])(exit|_exit|abort)\(' Sources --include=*.swift | grep -v '^Sources/mailgateway\(-daemon\)\?/')
while IFS= read -r hit; do fail "GRDB imported outside the library: $hit"; done < <(
  grep -rn '^\(public \|internal \)\?import GRDB' Sources/mailgateway Sources/mailgateway-daemon Sources/MailGatewayCLI Sources/MailGatewayRuntime 2>/dev/null)
[[ $status -eq 0 ]] && echo "check-structure: ok"
exit $status
