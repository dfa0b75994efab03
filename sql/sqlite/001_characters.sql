-- One character per player (the log-in token's player id), with its volatile state and who owns it.
-- Gold, items and anything else that trades touch will live in tables of their own: the write-back
-- writes only the state columns here. Same columns and meaning as sql/mysql/001_characters.sql.
CREATE TABLE characters (
  player_id     INTEGER NOT NULL PRIMARY KEY,
  -- NULL until the player picks one. NOCASE makes 'Bob' and 'bob' collide, as MySQL's _ci
  -- collations do (NOCASE folds ASCII letters only).
  name          TEXT COLLATE NOCASE UNIQUE,
  zone_id       INTEGER NOT NULL,
  x             REAL NOT NULL,
  y             REAL NOT NULL,
  heading       REAL NOT NULL,
  hp            INTEGER NOT NULL,
  level         INTEGER NOT NULL,
  exp           INTEGER NOT NULL,
  play_time_s   INTEGER NOT NULL,
  -- Ownership: the node that last logged the character in, a fencing token raised by every log-in,
  -- and whether that log-in is still live. A write must carry the current epoch.
  owner_node    TEXT,
  owner_epoch   INTEGER NOT NULL DEFAULT 0,
  online        INTEGER NOT NULL DEFAULT 0,
  -- Unix milliseconds, from the store worker's clock.
  last_login_at INTEGER,
  last_save_at  INTEGER,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX characters_owner_online ON characters (owner_node, online);
