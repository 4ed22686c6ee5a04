#!/usr/bin/env bash
# A private Dovecot 2.3 for tests and demos, listening on 127.0.0.1 only, everything inside one folder.
#
#   scripts/dovecot.sh start DIR              writes DIR/dovecot.conf, starts Dovecot, prints its pid
#   scripts/dovecot.sh adduser DIR USER PASS  adds (or replaces) an account; Dovecot re-reads the file itself
#   scripts/dovecot.sh alias DIR NAME USER    mail for NAME@any.domain (and NAME+detail@) goes to USER's INBOX,
#                                             Delivered-To keeping the address as sent (list-request@ -> list)
#   scripts/dovecot.sh stop DIR               stops the instance (no-op when it is not running)
#
# Ports come from the environment: IMAP_PORT (plain + STARTTLS, default 10143), IMAPS_PORT (TLS, default 10993),
# LMTP_PORT (default 10024). The imaps listener uses a self-signed certificate for `localhost` generated in
# DIR/cert.pem: clients must be told to trust it (the gateway's `caFile`), which is the point of having it.
# CERT_ISSUER=ca makes a private CA (DIR/ca.pem) sign the server certificate instead of a self-signed one.
# IMAP_CAPABILITY, when set, replaces the capability list announced after login (e.g. "IMAP4rev1 IDLE" to
# test a client's fallbacks for servers without MOVE or UIDPLUS).
# Subaddresses: `recipient_delimiter = +`, so LMTP delivers `user+detail@domain` into user's INBOX (not into a
# `detail` folder) and writes `Delivered-To: user+detail@domain` (the RCPT TO address, detail kept): a list's
# mailbox receives all its `list+*@` addresses, and the gateway reads which one from Delivered-To. See docs/mta.md.
# Installing Dovecot is not this script's job (Debian: dovecot-imapd dovecot-lmtpd).
set -euo pipefail

usage() {
    echo "usage: $0 start DIR | adduser DIR USER PASSWORD | alias DIR NAME USER | stop DIR" >&2
    exit 2
}

die() {
    echo "dovecot.sh: $*" >&2
    exit 1
}

[[ $# -ge 2 ]] || usage
command=$1
dir=$2

# The unprivileged account that owns the mail folders: `mailgw`, created when missing, else `nobody`.
# The test suite starts several instances at once: on a fresh machine their useradd calls raced (one lost the lock
# on /etc/passwd and fell back to `nobody`, or read the account half written), and Dovecot answered SELECT with
# `[SERVERBUG]`. One creation at a time, under a lock, each checking again once it holds it. Without flock, or a
# lock file it cannot open (another user's, a TMPDIR that does not exist), it goes on unlocked, as before.
create_mail_account() {
    id mailgw >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mailgw >/dev/null 2>&1 || true
}

mail_account() {
    if ! id mailgw >/dev/null 2>&1; then
        (
            if command -v flock >/dev/null 2>&1; then flock 9 || true; fi
            create_mail_account
        ) 2>/dev/null 9>>"${TMPDIR:-/tmp}/mailgateway-useradd.lock" || create_mail_account
    fi
    if id mailgw >/dev/null 2>&1; then
        echo "mailgw $(id -gn mailgw)"
    else
        echo "nobody $(id -gn nobody)"
    fi
}

master_pid() {
    local pidfile="$dir/run/master.pid"
    [[ -f $pidfile ]] || return 1
    local pid
    pid=$(cat "$pidfile")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

port_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    command -v dovecot >/dev/null 2>&1 \
        || die "dovecot is not installed (Debian: apt-get install dovecot-imapd dovecot-lmtpd)"
    command -v openssl >/dev/null 2>&1 || die "openssl is not installed"
    local imap_port=${IMAP_PORT:-10143} imaps_port=${IMAPS_PORT:-10993} lmtp_port=${LMTP_PORT:-10024}

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if pid=$(master_pid); then
        echo "$pid"
        return 0
    fi

    read -r mail_user mail_group < <(mail_account)
    # Dovecot's unprivileged processes must traverse DIR (mktemp makes it 0700).
    chmod 0755 "$dir"
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    chown "$mail_user:$mail_group" "$dir/mail"
    touch "$dir/users" "$dir/aliases"
    chmod 0644 "$dir/users" "$dir/aliases"

    if [[ ! -s $dir/cert.pem || ! -s $dir/key.pem ]]; then
        if [[ ${CERT_ISSUER:-self} == ca ]]; then
            # A private CA (DIR/ca.pem) signing the server certificate, as a company CA would.
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
                -subj "/CN=mailgateway test CA" -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" >/dev/null 2>&1 \
                || die "openssl could not make the test CA"
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
                -keyout "$dir/key.pem" -out "$dir/cert.csr" >/dev/null 2>&1 \
                || die "openssl could not make the certificate request"
            printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=CA:FALSE" \
                "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/cert.ext"
            openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
                -days 3650 -extfile "$dir/cert.ext" -out "$dir/cert.pem" >/dev/null 2>&1 \
                || die "openssl could not sign the certificate"
            chmod 0600 "$dir/ca-key.pem"
        else
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
                -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
                -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 \
                || die "openssl could not make the self-signed certificate"
        fi
        chmod 0600 "$dir/key.pem"
    fi

    local capability_line=""
    if [[ -n ${IMAP_CAPABILITY:-} ]]; then
        capability_line="imap_capability = $IMAP_CAPABILITY"
    fi

    cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/dovecot.sh: a private test instance, 127.0.0.1 only.
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
instance_name = mailgw-test-$(basename "$dir")
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
auth_username_format = %Ln
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_uid = $mail_user
mail_gid = $mail_group
mail_location = maildir:~/Maildir
# list+join@, list+confirm.<token>@ ... reach user "list", into its INBOX, Delivered-To keeping the detail.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
lmtp_hdr_delivery_address = final
# IDLE also rechecks the folder this often, for file systems where inotify says nothing (sandboxes).
mailbox_idle_check_interval = 1 secs
# No statistics: processes would otherwise hold shutdown for 5 s waiting on the stats writer.
stats_writer_socket_path =
$capability_line

ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dir/users
}
# Aliases first: NAME -> USER (user= renames, home is USER's), for list-request@, list-owner@, list-bounces+x@.
# Only a userdb: an alias has no password and cannot log in.
userdb {
  driver = passwd-file
  args = username_format=%n $dir/aliases
  default_fields = uid=$mail_user gid=$mail_group
}
userdb {
  driver = passwd-file
  args = username_format=%n $dir/users
  default_fields = uid=$mail_user gid=$mail_group home=$dir/mail/%n
}

namespace inbox {
  inbox = yes
  separator = /
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp_port
  }
}
protocol lmtp {
  postmaster_address = postmaster@localhost
}
EOF

    : >"$dir/dovecot.log"
    chmod 0644 "$dir/dovecot.log"
    dovecot -F -c "$dir/dovecot.conf" >>"$dir/dovecot.out" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/dovecot.pid"

    # Bounded wait: every listener answers, or we stop and report.
    local i
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$dir/dovecot.out" "$dir/dovecot.log" >&2 || true
            die "dovecot exited during start-up (see $dir/dovecot.log)"
        fi
        # Our master writes run/master.pid only once it holds every listener: a port that answers while it does
        # not may be another instance's (the port was taken between the caller's check and our bind), and ours is
        # about to exit with "Address already in use".
        if [[ $(cat "$dir/run/master.pid" 2>/dev/null) == "$pid" ]] \
            && port_answers "$imap_port" && port_answers "$imaps_port" && port_answers "$lmtp_port"; then
            echo "$pid"
            return 0
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    die "dovecot did not answer on 127.0.0.1:$imap_port within 10 s (see $dir/dovecot.log)"
}

adduser() {
    [[ $# -eq 2 ]] || usage
    local user=$1 password=$2
    [[ $user =~ ^[A-Za-z0-9._-]+$ ]] || die "user names are letters, digits, '.', '_' and '-'"
    [[ $password != *:* && $password != *$'\n'* ]] || die "passwords may not contain ':' or newlines"
    mkdir -p "$dir"
    touch "$dir/users"
    local tmp="$dir/users.tmp"
    grep -v "^$user:" "$dir/users" >"$tmp" || true
    echo "$user:{PLAIN}$password::::::" >>"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$dir/users"
}

add_alias() {
    [[ $# -eq 2 ]] || usage
    local name=$1 user=$2
    [[ $name =~ ^[A-Za-z0-9._-]+$ && $user =~ ^[A-Za-z0-9._-]+$ ]] \
        || die "alias and user names are letters, digits, '.', '_' and '-'"
    mkdir -p "$dir"
    touch "$dir/aliases"
    local home tmp="$dir/aliases.tmp"
    home=$(cd "$dir" && pwd)/mail/$user
    grep -v "^$name:" "$dir/aliases" >"$tmp" || true
    # passwd-file: name:password:uid:gid:gecos:home:shell:extra fields
    echo "$name:::::$home::user=$user" >>"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$dir/aliases"
}

stop() {
    local pid=""
    if [[ -f $dir/dovecot.pid ]]; then
        pid=$(cat "$dir/dovecot.pid")
    fi
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
        pid=$(master_pid) || return 0
    fi
    kill "$pid" 2>/dev/null || return 0
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/dovecot.pid"; return 0; }
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/dovecot.pid"
}

case $command in
start) start ;;
adduser) shift 2; adduser "$@" ;;
alias) shift 2; add_alias "$@" ;;
stop) stop ;;
*) usage ;;
esac
