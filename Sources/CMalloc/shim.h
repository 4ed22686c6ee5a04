#ifndef MAILGATEWAY_CMALLOC_SHIM_H
#define MAILGATEWAY_CMALLOC_SHIM_H
// glibc's allocator tuning (<malloc.h>, which the Glibc module does not import): M_ARENA_MAX is a macro, so the
// call is wrapped. Used once, at the start of `run` (MallocArenas.swift).
#include <malloc.h>

/// mallopt(M_ARENA_MAX, count): 1 on success, 0 on error.
static inline int cmalloc_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

#endif
