#!/usr/bin/env bash
# The size of a gateway database per message, split by SQLite's dbstat into: raw message bytes (the `raw` column
# of `messages`, kept byte for byte), the extracted text and HTML (`text`, `html`), the full-text index
# (`message_fts*`), attachments (`attachments`, their descriptions, and `blobs`, the decoded copies of archives
# written before archive-v4; the contents are inside `raw`),
# the other columns and the indexes of `messages`, and everything else (threads, outbox, notices, ...).
# Asserts nothing.
#
#   bench/dbsize.sh DATABASE [MESSAGES]     MESSAGES defaults to count(*) of messages
set -euo pipefail
db=$1
[[ -f $db ]] || { echo "dbsize: no database $db" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "dbsize: sqlite3 missing" >&2; exit 1; }
n=${2:-$(sqlite3 -readonly "$db" "SELECT count(*) FROM messages")}
sqlite3 -readonly -separator ' ' "$db" "
WITH pages AS (SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name),
     m AS (SELECT coalesce(sum(length(raw)), 0) AS raw, coalesce(sum(length(CAST(text AS BLOB))), 0) AS text,
                  coalesce(sum(length(CAST(html AS BLOB))), 0) AS html FROM messages),
     idx AS (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages')
SELECT (SELECT sum(bytes) FROM pages),
       m.raw, m.text, m.html,
       (SELECT bytes FROM pages WHERE name = 'messages') - m.raw - m.text - m.html,
       (SELECT coalesce(sum(bytes), 0) FROM pages WHERE name IN (SELECT name FROM idx)),
       (SELECT coalesce(sum(bytes), 0) FROM pages WHERE name LIKE 'message_fts%'),
       (SELECT coalesce(sum(bytes), 0) FROM pages WHERE name IN ('blobs', 'attachments', 'attachments_message', 'attachments_sha')),
       (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size)
FROM m" | python3 -c '
import sys
n = int(sys.argv[1])
total, raw, text, html, rest, indexes, fts, blobs, filesize = (int(x) for x in sys.stdin.read().split())
other = total - raw - text - html - rest - indexes - fts - blobs
print("  database per message (%d messages, %.1f MB in pages, file %.1f MB): %.0f bytes" % (n, total / 1e6, filesize / 1e6, total / n))
for label, v in (("raw message bytes", raw), ("text + html extracted", text + html), ("full-text index (FTS5)", fts),
                 ("attachments (rows; blobs before archive-v4)", blobs),
                 ("messages: other columns, page slack", rest), ("messages: indexes", indexes),
                 ("everything else (threads, outbox, ...)", other)):
    print("    %-40s %8.0f bytes/msg  %5.1f%%" % (label, v / n, 100 * v / total))
' "$n"
