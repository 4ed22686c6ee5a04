#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// glibc's allocator gives a thread that meets contention an arena of its own, up to eight per core, and an arena
/// keeps what is freed into it for its next allocations. The daemon's threads (the cooperative pool, the database
/// writer and readers, each mailbox's IMAP client, the SMTP workers) each end up holding an arena of freed batch and
/// message buffers: on `run --once` over the 20,000 messages of the generated corpus, peak RSS 144 MB with glibc's
/// default and 93 MB with two arenas (the same run with `MALLOC_ARENA_MAX=2`; docs/benchmarks.md, stop 20), for no
/// measurable difference in CPU time on two cores.
public enum MallocArenas {
    /// Limits the allocator to `count` arenas, unless the operator chose a number (`MALLOC_ARENA_MAX`, or
    /// `glibc.malloc.arena_max` in `GLIBC_TUNABLES`: glibc reads both itself). Called once, first thing, by `run`
    /// (only the main thread runs then); a no-op off glibc.
    public static func limit(to count: Int32 = 2) {
        #if canImport(Glibc)
        let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) } ?? ""
        guard getenv("MALLOC_ARENA_MAX") == nil, !tunables.contains("glibc.malloc.arena_max") else { return }
        _ = cmalloc_limit_arenas(count)
        #endif
    }
}
