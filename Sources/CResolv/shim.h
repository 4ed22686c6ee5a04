#ifndef MAILGATEWAY_CRESOLV_SHIM_H
#define MAILGATEWAY_CRESOLV_SHIM_H
// The stub resolver of glibc (Debian's libc6-dev: <resolv.h>, <arpa/nameser.h>, libresolv). res_ninit and
// res_nclose are macros for __res_ninit/__res_nclose and ns_msg_count reads a private array: these one-line
// wrappers are what DNSResolver.swift calls. A resolver state is owned by one DNSResolver and used from its
// serial queue only (a res_state is not thread-safe).
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

/// A resolver state of its own (never the thread's `_res`), read from /etc/resolv.conf by res_ninit;
/// NULL when memory runs out. Free it with cresolv_free.
static inline res_state cresolv_new(void) {
    res_state state = calloc(1, sizeof(struct __res_state));
    if (state == NULL) return NULL;
    if (res_ninit(state) != 0) {
        // No usable resolv.conf: res_ninit still leaves the defaults (127.0.0.1:53) in place.
    }
    return state;
}

/// res_nclose (closes its sockets, frees its IPv6 server addresses) and frees the state.
static inline void cresolv_free(res_state state) {
    res_nclose(state);
    free(state);
}

/// Per-try timeout in seconds (`retrans`) and tries per server (`retry`), as resolv.conf's timeout/attempts.
static inline void cresolv_set_timeout(res_state state, int seconds, int attempts) {
    state->retrans = seconds;
    state->retry = attempts;
}

/// Asks only `ipv4`:`port` (a test server, or an operator's chosen resolver). Returns 0, or -1 for a bad address.
static inline int cresolv_set_nameserver(res_state state, const char *ipv4, int port) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ipv4, &address.sin_addr) != 1) return -1;
    res_nclose(state);
    state->nsaddr_list[0] = address;
    state->nscount = 1;
    return 0;
}

/// res_nquery for class IN; returns the answer's length, or -1 with cresolv_h_errno telling why.
static inline int cresolv_query(res_state state, const char *name, int type, unsigned char *answer, int length) {
    return res_nquery(state, name, ns_c_in, type, answer, length);
}

/// Why the last query of `state` failed: HOST_NOT_FOUND (NXDOMAIN), NO_DATA, TRY_AGAIN (timeout, SERVFAIL),
/// NO_RECOVERY.
static inline int cresolv_h_errno(res_state state) { return state->res_h_errno; }

/// ns_initparse: 0, or -1 for a malformed message.
static inline int cresolv_parse(const unsigned char *message, int length, ns_msg *handle) {
    return ns_initparse(message, length, handle);
}

/// How many records the answer section holds (the ns_msg_count macro).
static inline int cresolv_answer_count(const ns_msg *handle) { return ns_msg_count(*handle, ns_s_an); }

/// ns_parserr for record `index` of the answer section: 0, or -1.
static inline int cresolv_answer(ns_msg *handle, int index, ns_rr *record) {
    return ns_parserr(handle, ns_s_an, index, record);
}

#endif
