package import GRDB

/// The archive's tables, created by the migration "archive-v1". Dates are GRDB's default text encoding
/// (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), so they sort and compare as text.
///
/// - `lists(id TEXT PK, address, created)`: one row per list; `id` is the configuration's list id.
/// - `mailbox_state(list_id PK, uidvalidity, last_uid)`: the last IMAP UID archived per list and UIDVALIDITY.
/// - `messages`: one row per message and list. `message_id` (no angle brackets; `synthetic` = 1 when derived
///   from the bytes), `subject`, `from_name`, `from_address`, `date` (UTC: the Date header, or the IMAP
///   internal date when missing or unparseable), `received_at`, `in_reply_to` (In-Reply-To ids), `refs` (References
///   ids, oldest first; both space separated, as written in angle brackets, at most `ThreadReferences.limit` of each: see `ThreadReferences`), `text`, `html`, `text_derived` (text rendered from HTML), `size`, `raw`
///   (the exact bytes, never rebuilt), `thread_id` (for a message that was not accepted, a thread
///   that is listed nowhere: its own for a held message, until it is approved; since stop 26, one per list for
///   rejected, discarded and bounce mail), `parent` (resolved parent message row, or NULL for a root), `threaded_by_subject` (1 when the subject
///   fallback placed it),
///   `status` (`accepted|held|rejected|discarded|bounce`), `decision_rule` (the policy rule that decided),
///   `source` (`imap` with `uidvalidity` + `uid`, or `import`). `UNIQUE(list_id, message_id)` makes re-ingest
///   a no-op.
/// - `attachments(id, message_id → messages, position, filename, content_type, size, sha256, content_id, inline)`:
///   the description of each attachment; its content is decoded from the message's `raw` when read. `blobs(sha256
///   PK, data)` holds the decoded copies that archives written before "archive-v4-attachments-in-raw" stored (once
///   per hash); nothing is added to it since.
/// - `threads(id AUTOINCREMENT, list_id, subject, base_subject, root_message, first_date, last_date,
///   message_count, participant_count)`: ids only grow, so "the oldest thread" is the smallest id; the figures
///   count accepted messages only (what the archive shows). `base_subject` is the normalized subject of the
///   thread's first message (subject fallback).
/// - `thread_nodes(list_id, message_id, thread_id, is_placeholder, message_row)`: every Message-ID of an
///   accepted message of a list (`is_placeholder` = 0) or referenced by one (1). Thread membership is the connected
///   component of the reference graph; nodes let a late parent or a late reply find its thread in one lookup.
/// - `message_fts`: FTS5 over `subject, body, author` with `unicode61 remove_diacritics 2` ("cafe" finds
///   "café"). External content (the view `message_fts_source` over `messages`): the text is stored once, yet
///   `snippet()` and `highlight()` work, which a contentless table cannot do. Since "archive-v3-search-accepted-only"
///   the view and the index hold accepted messages only (search finds nothing else); queries still join
///   `messages` for the filters.
/// - `quarantine(id, list_id, raw (NULL when oversize), size, headers_excerpt, error, source, uidvalidity, uid,
///   created)`: messages that could not be archived, kept for the operator.
package enum ArchiveMigrations {
    package static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("archive-v1") { db in
            try db.execute(sql: """
                CREATE TABLE lists (
                    id TEXT PRIMARY KEY NOT NULL,
                    address TEXT,
                    created DATETIME NOT NULL
                );
                CREATE TABLE mailbox_state (
                    list_id TEXT PRIMARY KEY NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    uidvalidity INTEGER NOT NULL,
                    last_uid INTEGER NOT NULL
                );
                CREATE TABLE threads (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    subject TEXT NOT NULL DEFAULT '',
                    base_subject TEXT NOT NULL DEFAULT '',
                    root_message INTEGER,
                    first_date DATETIME,
                    last_date DATETIME,
                    message_count INTEGER NOT NULL DEFAULT 0,
                    participant_count INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX threads_list_last ON threads(list_id, last_date);
                CREATE INDEX threads_list_subject ON threads(list_id, base_subject);
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
                    message_id TEXT NOT NULL,
                    synthetic INTEGER NOT NULL DEFAULT 0,
                    subject TEXT NOT NULL DEFAULT '',
                    from_name TEXT,
                    from_address TEXT,
                    date DATETIME NOT NULL,
                    received_at DATETIME NOT NULL,
                    in_reply_to TEXT,
                    refs TEXT NOT NULL DEFAULT '',
                    text TEXT,
                    html TEXT,
                    text_derived INTEGER NOT NULL DEFAULT 0,
                    size INTEGER NOT NULL,
                    raw BLOB NOT NULL,
                    thread_id INTEGER NOT NULL REFERENCES threads(id),
                    parent INTEGER REFERENCES messages(id) ON DELETE SET NULL,
                    threaded_by_subject INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL DEFAULT 'accepted'
                        CHECK (status IN ('accepted','held','rejected','discarded','bounce')),
                    decision_rule TEXT,
                    source TEXT NOT NULL CHECK (source IN ('imap','import')),
                    uidvalidity INTEGER,
                    uid INTEGER,
                    UNIQUE(list_id, message_id)
                );
                CREATE INDEX messages_thread_date ON messages(thread_id, date);
                CREATE INDEX messages_list_date ON messages(list_id, date);
                CREATE INDEX messages_from ON messages(from_address);
                CREATE TABLE blobs (
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    data BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE attachments (
                    id INTEGER PRIMARY KEY,
                    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    filename TEXT,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
                    content_id TEXT,
                    inline INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX attachments_message ON attachments(message_id);
                CREATE INDEX attachments_sha ON attachments(sha256);
                CREATE TABLE thread_nodes (
                    list_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    thread_id INTEGER NOT NULL,
                    is_placeholder INTEGER NOT NULL,
                    message_row INTEGER,
                    PRIMARY KEY (list_id, message_id)
                ) WITHOUT ROWID;
                CREATE INDEX thread_nodes_thread ON thread_nodes(thread_id);
                CREATE VIEW message_fts_source AS
                    SELECT id, subject, coalesce(text, '') AS body,
                           trim(coalesce(from_name, '') || ' ' || coalesce(from_address, '')) AS author
                    FROM messages;
                CREATE VIRTUAL TABLE message_fts USING fts5(
                    subject, body, author,
                    content = 'message_fts_source', content_rowid = 'id',
                    tokenize = 'unicode61 remove_diacritics 2'
                );
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY,
                    list_id TEXT NOT NULL,
                    raw BLOB,
                    size INTEGER NOT NULL,
                    headers_excerpt TEXT NOT NULL DEFAULT '',
                    error TEXT NOT NULL,
                    source TEXT NOT NULL CHECK (source IN ('imap','import')),
                    uidvalidity INTEGER,
                    uid INTEGER,
                    created DATETIME NOT NULL
                );
                CREATE INDEX quarantine_list ON quarantine(list_id, created);
                """)
        }
        // `ThreadRecord.refreshStats` (then `ThreadingEngine.refreshStats`) runs after every insert and reads status, date, from_address and parent
        // of each message of the thread. Those columns follow `raw` in the row, so without a covering index
        // every read walks the message's overflow pages: O(thread size) page reads per insert (bench/ingest.sh).
        migrator.registerMigration("archive-v2-thread-stats-index") { db in
            try db.execute(sql: """
                CREATE INDEX messages_thread_stats ON messages(thread_id, status, date, from_address, parent)
                """)
        }
    }

    /// The full-text index holds accepted messages only: search never finds any other, and indexing every
    /// rejected post was a fifth of the ingest's time on a list that mostly refuses mail (docs/benchmarks.md,
    /// "Stop 23"). The view the index reads is limited to accepted messages and the index rebuilt from it, which
    /// drops the entries of rejected, held, discarded and bounce mail and tokenizes every accepted message once
    /// more (the whole upgrade took 4.9 s on an archive of 100,000 accepted messages, 1.1 GB).
    package static func registerAcceptedOnlySearch(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("archive-v3-search-accepted-only") { db in
            try db.execute(sql: """
                DROP VIEW message_fts_source;
                CREATE VIEW message_fts_source AS
                    SELECT id, subject, coalesce(text, '') AS body,
                           trim(coalesce(from_name, '') || ' ' || coalesce(from_address, '')) AS author
                    FROM messages WHERE status = 'accepted';
                INSERT INTO message_fts (message_fts) VALUES ('rebuild');
                """)
        }
    }

    /// Attachments are no longer copied, decoded, into `blobs`: their content is in `raw` (a fifth of the database
    /// on the generated corpus was that second copy, and the WAL wrote it twice; docs/benchmarks.md, "Stop 25").
    /// The rows keep their SHA-256, but `attachments.sha256` can no longer reference `blobs`: the table is rebuilt
    /// without that foreign key (SQLite cannot drop one), same columns, rows, ids and indexes. The copies already
    /// in `blobs` stay, and are read first.
    package static func registerAttachmentsInRaw(in migrator: inout DatabaseMigrator) {
        // Immediate checks: the rows copied keep their key to `messages` by construction, and the deferred mode would
        // check every foreign key of the whole database (every message) at the end.
        migrator.registerMigration("archive-v4-attachments-in-raw", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE attachments_new (
                    id INTEGER PRIMARY KEY,
                    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    filename TEXT,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    content_id TEXT,
                    inline INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO attachments_new (id, message_id, position, filename, content_type, size, sha256,
                                             content_id, inline)
                    SELECT id, message_id, position, filename, content_type, size, sha256, content_id, inline
                    FROM attachments;
                DROP TABLE attachments;
                ALTER TABLE attachments_new RENAME TO attachments;
                CREATE INDEX attachments_message ON attachments(message_id);
                CREATE INDEX attachments_sha ON attachments(sha256);
                """)
        }
    }

    /// `archive search` (issue 12): the ranking query reads, for every message the full-text query matches, its
    /// status, list, date and sender; those follow `raw` in the row, so each hit walked the message's overflow
    /// pages. This covering index, keyed by the row id, answers the join without reading the rows.
    package static func registerSearchIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("perf-v1-search-index") { db in
            try db.execute(sql: """
                CREATE INDEX messages_search ON messages(id, status, date, list_id, from_address)
                """)
        }
    }
}
