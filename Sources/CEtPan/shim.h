#ifndef MAILGATEWAY_CETPAN_SHIM_H
#define MAILGATEWAY_CETPAN_SHIM_H
// libetpan (Debian's libetpan-dev). Only IMAP/MIME wrapper files in Sources/MailGateway import this module.
#include <libetpan/libetpan.h>

// clist_begin / clist_next / clist_content are macros, invisible to Swift: typed inline equivalents.
static inline clistiter *cetpan_clist_begin(clist *list) { return list ? list->first : NULL; }
static inline clistiter *cetpan_clist_next(clistiter *iter) { return iter ? iter->next : NULL; }
static inline void *cetpan_clist_content(clistiter *iter) { return iter ? iter->data : NULL; }

#endif
