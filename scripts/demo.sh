#!/usr/bin/env bash
# The demo: installs what is needed, builds mailgateway, starts a private Dovecot (IMAP + LMTP) and a private
# Postfix relaying into it, all on 127.0.0.1 inside one folder, loads sample mail written for the project into
# six list mailboxes, imports a partner register, runs `mailgateway run --once`, and shows the result: the
# archive's lists, threads as a tree, searches, the quarantine, the moderation queue, and what members received.
#
#   bash scripts/demo.sh           everything, then stops the servers
#   bash scripts/demo.sh --keep    leaves the servers running and prints how to use the CLI against them
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing what is needed and building"
bash scripts/install-deps.sh
swift build 2>&1 | grep -E "error|warning: unre|Compiling mailgateway|Build complete" || true
BIN="$(swift build --show-bin-path)/mailgateway"
[[ -x "$BIN" ]] || { echo "demo: the build failed" >&2; exit 1; }

DEMO=${MAILGATEWAY_DEMO_DIR:-/tmp/mailgateway-demo}
if [[ -d "$DEMO" ]]; then
  bash scripts/postfix.sh relay stop "$DEMO/postfix" >/dev/null 2>&1 || true
  bash scripts/dovecot.sh stop "$DEMO/dovecot" >/dev/null 2>&1 || true
  rm -rf "$DEMO"
fi
mkdir -p "$DEMO"
read -r IMAP_PORT IMAPS_PORT LMTP_PORT SMTP_PORT < <(python3 -c '
import socket
socks=[socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
export IMAP_PORT IMAPS_PORT LMTP_PORT

cleanup() {
  if [[ $KEEP -eq 0 ]]; then
    bash scripts/postfix.sh relay stop "$DEMO/postfix" >/dev/null 2>&1 || true
    bash scripts/dovecot.sh stop "$DEMO/dovecot" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

step "Starting Dovecot (IMAP $IMAP_PORT, LMTP $LMTP_PORT) and Postfix (SMTP $SMTP_PORT) on 127.0.0.1 in $DEMO"
bash scripts/dovecot.sh start "$DEMO/dovecot" >/dev/null
LISTS=$(python3 -c "import json; print(' '.join(l['id'] for l in json.load(open('config.example.json'))['lists']))")
# Postfix as docs/mta.md configures it: the lists' domain accepts only the lists' addresses (list@, list+x@,
# list-request@, list-owner@, list-bounces[+x]@) and hands them to Dovecot's LMTP; other domains are relayed too.
LIST_DOMAIN=$(python3 -c "import json; print(json.load(open('config.example.json'))['lists'][0]['address'].split('@')[1])")
for l in $LISTS; do
  printf '/^%s(-(request|owner|bounces))?(\\+.*)?@%s$/   %s\n' "$l" "${LIST_DOMAIN//./\\.}" "$l"
done >"$DEMO/list_addresses"
LIST_DOMAIN=$LIST_DOMAIN LIST_ADDRESSES="$DEMO/list_addresses" \
  bash scripts/postfix.sh relay start "$DEMO/postfix" "$SMTP_PORT" "$LMTP_PORT" >/dev/null
# Each list's mailbox receives all its addresses (docs/mta.md): list+<detail>@ through Dovecot's
# recipient_delimiter (scripts/dovecot.sh), and the legacy list-request@, list-owner@, list-bounces[+x]@ through
# aliases; Delivered-To names the address as sent.
for l in $LISTS; do
  bash scripts/dovecot.sh adduser "$DEMO/dovecot" "$l" demo-password
  for suffix in -request -owner -bounces; do bash scripts/dovecot.sh alias "$DEMO/dovecot" "$l$suffix" "$l"; done
done
# Every partner gets a mailbox too, so that what the gateway sends them can be read back.
for local in $(python3 -c "
import csv
for r in csv.DictReader(open('demo/partners.csv', encoding='utf-8')): print(r['email'].split('@')[0])
print('mcberube')"); do bash scripts/dovecot.sh adduser "$DEMO/dovecot" "$local" demo-password; done

step "Writing the configuration: config.example.json with the local servers (environment overrides)"
python3 - "$DEMO" "$ROOT" <<'PY'
import json, sys
demo, root = sys.argv[1], sys.argv[2]
c = json.load(open(f"{root}/config.example.json", encoding="utf-8"))
c["database"] = f"{demo}/archive.sqlite"
c["templates_directory"] = f"{root}/templates"
# The samples are appended straight into the mailboxes, not received through the platform's MX, so they carry no
# Authentication-Results from it: the spoofing rule would hold every one of them. Production keeps it.
c.pop("trusted_authserv_id", None)
c["secretariat"] = ["secretariat@4p1000-demo.example"]
# On the individuals list, posts from people who are not partners wait for a moderator instead of being refused.
for l in c["lists"]:
    if l["id"] == "individuals":
        l["non_member_action"] = "hold"
json.dump(c, open(f"{demo}/config.json", "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
export MAILGATEWAY_CONFIG="$DEMO/config.json"
export MAILGATEWAY_IMAP_HOST=127.0.0.1 MAILGATEWAY_IMAP_PORT=$IMAP_PORT MAILGATEWAY_IMAP_TLS=none
export MAILGATEWAY_SMTP_HOST=127.0.0.1 MAILGATEWAY_SMTP_PORT=$SMTP_PORT MAILGATEWAY_SMTP_TLS=none
export MAILGATEWAY_SMTP_PASSWORD=unused-by-the-local-relay
export MAILGATEWAY_MODERATION_KEY="demo-moderation-key-$(date +%s)-0123456789abcdef"
for l in $LISTS; do export "MAILGATEWAY_IMAP_PASSWORD_$(echo "$l" | tr 'a-z-' 'A-Z_')=demo-password"; done
echo "(export MAILGATEWAY_CONFIG=$MAILGATEWAY_CONFIG and the variables above to use the CLI against the demo)"
"$BIN" check-config | head -3

step "Importing the partner register (demo/partners.csv) and the interface members"
# A first migration: nobody is welcomed for the lists they already had (`members add` below welcomes).
"$BIN" partners import demo/partners.csv --no-welcome
for a in c.rousseau@sols-vivants-demo.example g.wanjiru@agroforestry-centre-demo.example j.weber@thuenen-demo.example \
         k.mensah@sri-gh-demo.example priya.raghavan@nbss-demo.example; do
  "$BIN" members add --list interface-knowledge "$a" >/dev/null
done
for a in f.lefevre@agriculture-gouv-demo.example mjcastillo@minagri-cl-demo.example sarah.oconnor@fao-demo.example; do
  "$BIN" members add --list interface-policies "$a" >/dev/null
done
"$BIN" members add --list interface-policies secretariat@4p1000-demo.example --role moderator >/dev/null
"$BIN" members add --list individuals secretariat@4p1000-demo.example --role moderator >/dev/null
"$BIN" members set --list college-research helene.dubois@inrae-demo.example --role moderator >/dev/null
"$BIN" members set --list college-research jose.martinez@cirad-demo.example --delivery digest \
    --time-zone Europe/Madrid --digest-time 07:00 >/dev/null
"$BIN" members list --list college-research

step "Loading $(python3 demo/make-samples.py "$DEMO/samples" | tail -1 >/dev/null; ls "$DEMO"/samples/*/*.eml | wc -l) sample messages into the list mailboxes (IMAP APPEND)"
# The secretariat's announcement: the announce list reaches every person of the register (its register memberships).
mkdir -p "$DEMO/samples/announce"
cat > "$DEMO/samples/announce/01-announcement.eml" <<EOF
From: =?UTF-8?Q?Secr=C3=A9tariat_4_pour_1000?= <secretariat@4p1000-demo.example>
To: announce@lists.4p1000.org
Subject: =?UTF-8?Q?Assembl=C3=A9e_g=C3=A9n=C3=A9rale_2027_/_General_assembly_2027?=
Date: $(date -R)
Message-ID: <ag-2027@4p1000-demo.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Bonjour à toutes et à tous,

L'assemblée générale 2027 du Consortium aura lieu le 15 mars à Montpellier.

Dear partners, the 2027 general assembly will take place on 15 March in Montpellier.

Le Secrétariat exécutif
EOF
for d in "$DEMO"/samples/*/; do
  l=$(basename "$d")
  python3 scripts/imap-append.py 127.0.0.1 "$IMAP_PORT" "$l" demo-password INBOX "$d"*.eml
  echo "  $l: $(ls "$d" | wc -l) messages"
done

step "mailgateway run --once"
"$BIN" run --once --log-level warning

step "mailgateway archive lists"
"$BIN" archive lists
step "mailgateway archive threads --list college-research"
"$BIN" archive threads --list college-research
THREAD=$("$BIN" archive threads --list college-research --json | python3 -c 'import json,sys; print(max(json.load(sys.stdin), key=lambda t: t["messageCount"])["id"])')
step "mailgateway archive thread $THREAD"
"$BIN" archive thread "$THREAD"
step "mailgateway archive search carbone"
"$BIN" archive search carbone --limit 4
step "mailgateway archive search cafe   (accents folded: finds café)"
"$BIN" archive search cafe
step "mailgateway archive quarantine"
"$BIN" archive quarantine
step "mailgateway moderation list   (individuals holds non-partners' posts for its moderator)"
"$BIN" moderation list
# The individuals list's hold (the announcement's waits for its poster, below).
HOLD=$("$BIN" moderation list --json | python3 -c 'import json,sys; h=[x for x in json.load(sys.stdin) if x["hold"]["listID"] == "individuals"]; print(min(x["hold"]["id"] for x in h) if h else "")')
if [[ -n "$HOLD" ]]; then
  step "mailgateway moderation approve $HOLD, then run --once sends it"
  "$BIN" moderation approve "$HOLD"
  "$BIN" run --once --log-level warning | tail -1
fi
# José reads college-research as a daily digest at 07:00 in Madrid: run the digest as the daemon would at the
# next 07:00 there (the posts above were accepted since the previous one).
AT=$(python3 -c '
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
tz = ZoneInfo("Europe/Madrid"); now = datetime.now(tz)
at = now.replace(hour=7, minute=1, second=0, microsecond=0)
if at <= now: at += timedelta(days=1)
print(at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"))')
step "mailgateway digest status --list college-research, then digest run --at $AT"
"$BIN" digest status --list college-research
"$BIN" digest run --at "$AT" --log-level warning
step "A partner joins an interface and leaves, by email only (through Postfix, into the list's mailbox)"
# Amélie writes to interface-projects+join@; the gateway asks her to confirm; she answers with a plain Reply.
P="python3 scripts/demo-partner.py"
# Waits until Postfix has handed everything to Dovecot (what run --once sent, what Amélie sent), at most 20 s.
settle() { for _ in $(seq 40); do postqueue -c "$DEMO/postfix/etc" -p 2>/dev/null | grep -q "Mail queue is empty" && return; sleep 0.5; done; }
once() { settle; "$BIN" run --once --log-level warning >/dev/null; settle; }
AMELIE="Amélie Nguyen <amelie.nguyen@ird-demo.example>"
$P send "$SMTP_PORT" "$AMELIE" "interface-projects+join@$LIST_DOMAIN" "join"
once
$P latest "$IMAP_PORT" amelie.nguyen
$P reply "$SMTP_PORT" "$IMAP_PORT" amelie.nguyen "$AMELIE"
once
$P latest "$IMAP_PORT" amelie.nguyen
"$BIN" members list --list interface-projects | grep -E "members|amelie"
# She leaves the same way: +leave@, a confirmation, a Reply, the goodbye.
$P send "$SMTP_PORT" "$AMELIE" "interface-projects+leave@$LIST_DOMAIN" "leave"
once
$P reply "$SMTP_PORT" "$IMAP_PORT" amelie.nguyen "$AMELIE"
once
$P latest "$IMAP_PORT" amelie.nguyen
"$BIN" members list --list interface-projects | head -1

step "The secretariat confirms its announcement by email (no trusted Authentication-Results here: a poster confirms a preview first)"
# The announcement above was held (awaiting-poster-confirmation) and the secretariat was mailed a preview of exactly
# what members get; a plain Reply sends it to every person of the register.
SECRETARIAT="Secrétariat 4 pour 1000 <secretariat@4p1000-demo.example>"
settle
$P latest "$IMAP_PORT" secretariat "annonce"
$P reply "$SMTP_PORT" "$IMAP_PORT" secretariat "$SECRETARIAT" "annonce"
once
$P latest "$IMAP_PORT" secretariat "Annonce envoy"

step "mailgateway outbox list --status sent --limit 8"
"$BIN" outbox list --status sent --limit 8
step "What arrived in members' mailboxes (read back over IMAP)"
python3 - "$IMAP_PORT" <<'PY'
import imaplib, sys, email
from email.header import decode_header, make_header
port = int(sys.argv[1])
for user in ["helene.dubois", "amelie.nguyen", "jose.martinez", "k.mensah", "mcberube", "pe.laffargue"]:
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, "demo-password")
    imap.select("INBOX", readonly=True)
    typ, data = imap.search(None, "ALL")
    ids = data[0].split()
    print(f"  {user}: {len(ids)} message(s)")
    for i in ids[-3:]:
        typ, msg = imap.fetch(i, "(BODY.PEEK[HEADER.FIELDS (SUBJECT LIST-ID)])")
        m = email.message_from_bytes(msg[0][1])
        print(f"      {str(make_header(decode_header(m['Subject'] or '')))}  [{' '.join((m['List-Id'] or 'notice').split())}]")
    imap.logout()
PY
if [[ $KEEP -eq 1 ]]; then
  echo; echo "Servers left running in $DEMO (stop: scripts/dovecot.sh stop $DEMO/dovecot; scripts/postfix.sh relay stop $DEMO/postfix)"
fi
