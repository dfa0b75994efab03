-- Every write the admin API made or refused, once: who (a fingerprint of the credential, never the
-- credential), what, when, the request and the answer. A change the database makes is recorded in
-- the same transaction as its audit row; `audit_id` (one per admin request) lets a request the
-- store receives twice find its row instead of acting twice.
CREATE TABLE admin_audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id   TEXT NOT NULL UNIQUE,
  -- Unix milliseconds.
  at         INTEGER NOT NULL,
  credential TEXT NOT NULL,
  request_id TEXT NOT NULL,
  action     TEXT NOT NULL,
  player_id  INTEGER,
  -- JSON: the request's body, and the answer it got.
  request    TEXT NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  result     TEXT NOT NULL
) STRICT;

CREATE INDEX admin_audit_player ON admin_audit (player_id, seq);
