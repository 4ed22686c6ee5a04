#!/usr/bin/env bash
# Private Postfix test servers on 127.0.0.1 for mailgateway's tests and benchmarks.
#
#   postfix.sh sink start DIR PORT [smtp-sink options...]   smtp-sink on 127.0.0.1:PORT, one file per message
#                                                           in DIR/mail/ (fault options: -r/-f/-q/-Q CMD,...)
#                                                           (SINK_DUMP=0: no dump files, for benchmarks)
#   postfix.sh sink stop DIR
#   postfix.sh relay start DIR PORT LMTP_PORT               a real Postfix from its own config folder DIR,
#                                                           listening on 127.0.0.1:PORT and relaying every
#                                                           message to Dovecot's LMTP on 127.0.0.1:LMTP_PORT
#                                                           (LIST_DOMAIN=d LIST_ADDRESSES=FILE: the lists' domain
#                                                           is a virtual mailbox domain, FILE its regexp table of
#                                                           addresses, unknown ones refused at RCPT; docs/mta.md)
#   postfix.sh relay stop DIR
#
# Everything lives under DIR (created if missing); nothing outside it is changed, except that Postfix's
# data/queue folders are chowned to the `postfix` user as Postfix requires.
set -euo pipefail

die() { echo "postfix.sh: $*" >&2; exit 1; }

wait_port() { # PORT SECONDS
    local port=$1 deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

owns_port() { # PID PORT: true when process PID holds a listening TCP socket on PORT (its inode in /proc/net/tcp)
    local pid=$1 hexport inode
    hexport=$(printf '%04X' "$2")
    for inode in $(awk -v port=":$hexport" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' /proc/net/tcp); do
        find "/proc/$pid/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q . && return 0
    done
    return 1
}

sink_start() {
    local dir=$1 port=$2; shift 2
    command -v smtp-sink >/dev/null || [[ -x /usr/sbin/smtp-sink ]] || die "smtp-sink not installed (apt-get install postfix)"
    local bin; bin=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
    mkdir -p "$dir/mail"
    local userargs=()
    if [[ $(id -u) -eq 0 ]]; then
        chmod o+x "$dir"
        chown nobody "$dir/mail"
        userargs=(-u nobody)
    fi
    [[ -f "$dir/sink.pid" ]] && sink_stop "$dir"
    # -d TEMPLATE: one file per mail transaction, named TEMPLATE + a random hex number.
    # -m: simultaneous connections; the backlog argument is the last one.
    # The sink must not keep the caller's pipes open (a caller reading our output to EOF would hang):
    # close every inherited descriptor above 2 before exec.
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        dump=(-d "$dir/mail/%Y%m%d%H%M%S.")
        [[ ${SINK_DUMP:-1} == 0 ]] && dump=()  # benchmarks: measure the client, not the sink's disk
        exec "$bin" "${userargs[@]}" -4 -m 512 "${dump[@]}" "$@" "127.0.0.1:$port" 1024
    ) </dev/null >"$dir/sink.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/sink.pid"
    wait_port "$port" 10 || { cat "$dir/sink.log" >&2; die "smtp-sink did not listen on 127.0.0.1:$port"; }
    # What answered may be another process's listener (the port taken while ours was free): the listening socket
    # must be our sink's.
    local deadline=$((SECONDS + 10))
    until owns_port "$pid" "$port"; do
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
            cat "$dir/sink.log" >&2
            die "127.0.0.1:$port is not held by our smtp-sink (pid $pid)"
        fi
        sleep 0.1
    done
}

sink_stop() {
    local dir=$1
    [[ -f "$dir/sink.pid" ]] || return 0
    local pid; pid=$(cat "$dir/sink.pid")
    if kill "$pid" 2>/dev/null; then
        # Gone, or a zombie (its parent, the shell that started it, has exited and may not reap it).
        for _ in $(seq 50); do
            [[ -r /proc/$pid/status ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" || break
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/sink.pid"
}

relay_start() {
    local dir=$1 port=$2 lmtp=$3
    command -v postfix >/dev/null || [[ -x /usr/sbin/postfix ]] || die "postfix not installed"
    dir=$(realpath -m "$dir")
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/log"
    cp /etc/postfix/master.cf "$dir/etc/master.cf" 2>/dev/null || die "/etc/postfix/master.cf missing"
    # Our listener on 127.0.0.1:PORT instead of port 25.
    sed -i -E 's/^smtp[[:space:]]+inet.*$/'"127.0.0.1:$port"' inet n - n - - smtpd/' "$dir/etc/master.cf"
    # postlog service so maillog_file works without syslog.
    grep -q '^postlog' "$dir/etc/master.cf" || \
        echo 'postlog   unix-dgram n  -       n       -       1       postlogd' >>"$dir/etc/master.cf"
    cat >"$dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.test.invalid
mydomain = test.invalid
myorigin = \$myhostname
mydestination =
recipient_delimiter = +
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
relayhost =
default_transport = lmtp:inet:127.0.0.1:$lmtp
relay_transport = lmtp:inet:127.0.0.1:$lmtp
local_transport = lmtp:inet:127.0.0.1:$lmtp
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log
smtpd_banner = \$myhostname ESMTP
biff = no
# A delivery deferred once (the LMTP end busy on a loaded test machine) is retried within seconds, not after
# Postfix's default 300 s backoff.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
CONF
    if [[ -n ${LIST_DOMAIN:-} ]]; then
        [[ -f ${LIST_ADDRESSES:-} ]] || die "LIST_ADDRESSES must name the regexp table of the lists' addresses"
        cp "$LIST_ADDRESSES" "$dir/etc/list_addresses"
        chmod 0644 "$dir/etc/list_addresses"
        cat >>"$dir/etc/main.cf" <<CONF
# The lists' domain, as docs/mta.md configures it: only the lists' addresses accepted, handed to Dovecot's LMTP.
virtual_mailbox_domains = $LIST_DOMAIN
virtual_transport = lmtp:inet:127.0.0.1:$lmtp
virtual_mailbox_maps = regexp:$dir/etc/list_addresses
CONF
    fi
    chown -R postfix "$dir/queue" "$dir/data"
    chown root "$dir/queue"
    postfix -c "$dir/etc" check >"$dir/log/check.log" 2>&1 || true
    postfix -c "$dir/etc" start >>"$dir/log/check.log" 2>&1 || { cat "$dir/log/check.log" >&2; die "postfix did not start"; }
    wait_port "$port" 20 || { cat "$dir/log/"*.log >&2; die "postfix did not listen on 127.0.0.1:$port"; }
}

relay_stop() {
    local dir; dir=$(realpath -m "$1")
    [[ -f "$dir/etc/main.cf" ]] || return 0
    postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
}

[[ $# -ge 2 ]] || die "usage: postfix.sh sink|relay start|stop DIR [PORT ...]"
case "$1 $2" in
    "sink start") [[ $# -ge 4 ]] || die "usage: postfix.sh sink start DIR PORT [options]"; shift 2; sink_start "$@" ;;
    "sink stop") sink_stop "$3" ;;
    "relay start") [[ $# -eq 5 ]] || die "usage: postfix.sh relay start DIR PORT LMTP_PORT"; relay_start "$3" "$4" "$5" ;;
    "relay stop") relay_stop "$3" ;;
    *) die "unknown command: $1 $2" ;;
esac
