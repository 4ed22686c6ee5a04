#ifndef MAILGATEWAY_CETPAN_SHIM_H
#define MAILGATEWAY_CETPAN_SHIM_H
// libetpan (Debian's libetpan-dev). Only IMAP/MIME wrapper files in Sources/MailGateway import this module.
#include <libetpan/libetpan.h>
#include <stdlib.h>

// clist_begin / clist_next / clist_content are macros, invisible to Swift: typed inline equivalents.
static inline clistiter *cetpan_clist_begin(clist *list) { return list ? list->first : NULL; }
static inline clistiter *cetpan_clist_next(clistiter *iter) { return iter ? iter->next : NULL; }
static inline void *cetpan_clist_content(clistiter *iter) { return iter ? iter->data : NULL; }

// libetpan has no constructor for a bare flag search key (`UNSEEN`, `UNDELETED`) short of mailimap_search_key_new's
// 30 arguments. Freed by mailimap_search_key_free (such a key owns nothing).
static inline struct mailimap_search_key *cetpan_search_key_new_flag(int type) {
    struct mailimap_search_key *key = (struct mailimap_search_key *)calloc(1, sizeof(struct mailimap_search_key));
    if (key) key->sk_type = type;
    return key;
}
static inline struct mailimap_search_key *cetpan_search_key_new_unseen(void) {
    return cetpan_search_key_new_flag(MAILIMAP_SEARCH_KEY_UNSEEN);
}
static inline struct mailimap_search_key *cetpan_search_key_new_undeleted(void) {
    return cetpan_search_key_new_flag(MAILIMAP_SEARCH_KEY_UNDELETED);
}

// carray_count / carray_get are macros too.
static inline unsigned int cetpan_carray_count(carray *array) { return array ? array->len : 0; }
static inline void *cetpan_carray_get(carray *array, unsigned int index) {
    return (array && index < array->len) ? array->array[index] : NULL;
}

#endif
