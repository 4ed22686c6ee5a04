#!/usr/bin/env bash
# Installs what mailgateway needs on Debian 12 (run as root, or with sudo available): the C libraries it links
# (libetpan, libcurl gnutls flavour, SQLite, libresolv from libc6-dev), the mail servers its tests and demo start on 127.0.0.1 (Dovecot
# IMAP + LMTP, Postfix with smtp-sink/smtp-source), notmuch and hyperfine for the benchmarks, headless Chromium (and a font
# with fixed metrics) for the digests' and unsubscribe page's rendering tests and scripts/digest-screenshot.sh, curl
# (the HTTP tests' client), systemd-analyze (scripts/verify-systemd-unit.sh), and tools the scripts use.
# Idempotent: does nothing when everything is there.
set -euo pipefail

packages=(libetpan-dev libcurl4-gnutls-dev libc6-dev libsqlite3-dev sqlite3 dovecot-imapd dovecot-lmtpd postfix notmuch
          hyperfine openssl ca-certificates python3 gzip procps time chromium fonts-dejavu-core curl systemd)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Postfix asks how to configure itself: we run our own instances from private config folders.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged services are not used (and can't start without systemd); our scripts start private instances.
fi

if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "install-deps: swift is in /opt/swift/usr/bin; add it to PATH"
  else
    echo "install-deps: Swift 6 toolchain not found (expected on PATH or in /opt/swift); install it from swift.org" >&2
    exit 1
  fi
fi
echo "install-deps: ok"
