#!/usr/bin/env bash
# Checks deploy/mailgateway.service with `systemd-analyze verify` (syntax, directives, dependencies). The unit's
# ExecStart names the installed binary (/usr/local/bin/mailgateway); verify insists that it exists, so a copy of the
# unit pointing at BINARY (default: this build's .build/debug/mailgateway, else /bin/true) is checked instead.
# Prints "verify-systemd-unit: ok" and exits 0 when systemd-analyze finds nothing; exits 2 when it is not installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify-systemd-unit: systemd-analyze is not installed" >&2
  exit 2
fi
binary="${1:-$root/.build/debug/mailgateway}"
[ -x "$binary" ] || binary=/bin/true
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/bin/mailgateway#$binary#g" "$root/deploy/mailgateway.service" > "$work/mailgateway.service"
# Any output is a finding (verify exits 0 on some warnings).
out="$(systemd-analyze verify --man=no "$work/mailgateway.service" 2>&1 || true)"
if [ -n "$out" ]; then
  echo "$out" >&2
  echo "verify-systemd-unit: FAILED" >&2
  exit 1
fi
# The hardening score systemd computes (0 = most confined, 10 = not at all), for the record.
systemd-analyze security --offline=yes "$work/mailgateway.service" 2>/dev/null | grep -i "overall exposure" || true
echo "verify-systemd-unit: ok"
