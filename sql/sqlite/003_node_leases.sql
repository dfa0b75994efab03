-- Same table as sql/mysql/003_node_leases.sql. The embedded database is guarded by a file lock
-- instead (DATA_DIR/zone-server.lock, src/lease/data-dir-lock.ts), so nothing writes it here.
CREATE TABLE node_leases (
  node_id    TEXT NOT NULL PRIMARY KEY,
  holder     TEXT NOT NULL,
  taken_at   INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
