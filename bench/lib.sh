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

# A work folder with a private Dovecot and a Postfix smtp-sink (no dump files) in it, removed at exit (kept with
# BENCH_KEEP=1). Sets WORK, IMAP_PORT, SMTP_PORT, DEAD_PORT (nothing listens there), MAILUSER (owner of the
# mailboxes), BENCH_IMAP_PASSWORD and a throwaway MAILGATEWAY_MODERATION_KEY (`run` refuses to start without one).
bench_servers() {  # NAME
  WORK=$(mktemp -d "/tmp/mailgateway-$1.XXXXXX")
  chmod 0755 "$WORK"   # Dovecot's unprivileged processes traverse it
  read -r IMAP_PORT IMAPS_PORT LMTP_PORT SMTP_PORT DEAD_PORT < <(free_ports 5)
  export IMAP_PORT IMAPS_PORT LMTP_PORT
  trap bench_servers_stop EXIT
  bash scripts/dovecot.sh start "$WORK/dovecot" >/dev/null
  SINK_DUMP=0 bash scripts/postfix.sh sink start "$WORK/sink" "$SMTP_PORT" >/dev/null
  MAILUSER=$(stat -c %U "$WORK/dovecot/mail")
  export BENCH_IMAP_PASSWORD="bench-$RANDOM$RANDOM"
  MAILGATEWAY_MODERATION_KEY=$(head -c 48 /dev/urandom | base64 -w0)
  export MAILGATEWAY_MODERATION_KEY
}
bench_servers_stop() {
  bash scripts/postfix.sh sink stop "$WORK/sink" >/dev/null 2>&1 || true
  bash scripts/dovecot.sh stop "$WORK/dovecot" >/dev/null 2>&1 || true
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench: work folder kept: $WORK"; else rm -rf "$WORK"; fi
}

# Writes DIR/config.json: one college list `college-research` whose mailbox is Dovecot user USER, SMTP on
# SMTP_PORT with CONNECTIONS connections; PERSONALIZE=0 sets the list's `personalize: false` (else not written,
# so that binaries older than the option read it too).
bench_config() {  # DIR SMTP_PORT CONNECTIONS USER [PERSONALIZE]
  python3 - "$1" "$2" "$3" "$4" "$ROOT" "$IMAP_PORT" "${5:-1}" <<'PY'
import json, sys
d, smtp, conns, user, root, imap, personalize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7]
config = {
    "platform_name": "Initiative 4 pour 1000", "database": f"{d}/archive.sqlite",
    "templates_directory": f"{root}/templates",
    "imap": {"host": "127.0.0.1", "port": imap, "tls": "none"},
    "smtp": {"host": "127.0.0.1", "port": smtp, "tls": "none"},
    "delivery": {"connections": conns, "helo_name": "bench.test"},
    "lists": [{"id": "college-research", "kind": "college", "college": "research",
               "name": {"fr": "Recherche", "en": "Research", "es": "Investigación"},
               "address": "college-research@lists.bench.test", "language": "fr", "subject_prefix": "[Recherche]",
               "mailbox": {"user": user, "password_env": "BENCH_IMAP_PASSWORD", "folder": "INBOX"}}],
}
if personalize == "0":
    config["lists"][0]["personalize"] = False
json.dump(config, open(f"{d}/config.json", "w"), indent=2)
PY
}

# The user + system seconds in a `/usr/bin/time -v` report.
cpu_seconds() { awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$1"; }

# The wall-clock seconds in a `/usr/bin/time -v` report.
wall_seconds() { python3 -c 'import re,sys
w=re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", open(sys.argv[1]).read()).group(1)
print(sum(float(p) * 60 ** i for i, p in enumerate(reversed(w.split(":")))))' "$1"; }
