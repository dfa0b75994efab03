-- The economy (docs/architecture.md, requirement R9): gold, items, mail and the ledger. Only the
-- economy's transactions write these tables (src/store/economy-sql.ts); the write-back never does,
-- so an old snapshot of a character can never undo a trade. Same tables, columns and meaning as
-- sql/mysql/002_economy.sql.

-- One wallet per character, created with it (createCharacter, acquire); absent: no such player.
CREATE TABLE wallets (
  player_id  INTEGER NOT NULL PRIMARY KEY,
  gold       INTEGER NOT NULL CHECK (gold >= 0),
  -- Unix milliseconds of the last change.
  updated_at INTEGER NOT NULL
) STRICT;

-- One stack of one template. It is held either by a player or by an unclaimed mail, never both.
-- Ids come from id_sequences, never reused.
CREATE TABLE items (
  item_id     INTEGER NOT NULL PRIMARY KEY,
  owner_id    INTEGER,
  mail_id     INTEGER,
  template_id INTEGER NOT NULL,
  count       INTEGER NOT NULL CHECK (count > 0),
  created_at  INTEGER NOT NULL,
  CHECK ((owner_id IS NULL) <> (mail_id IS NULL))
) STRICT;
CREATE INDEX items_owner ON items (owner_id);
CREATE INDEX items_mail ON items (mail_id);

-- Mail with attachments: `gold` and the items whose mail_id is this mail, until it is claimed.
-- sender_id NULL: system mail. A claimed mail keeps its gold as a record; its items have moved.
CREATE TABLE mail (
  mail_id      INTEGER NOT NULL PRIMARY KEY,
  sender_id    INTEGER,
  recipient_id INTEGER NOT NULL,
  gold         INTEGER NOT NULL CHECK (gold >= 0),
  status       TEXT NOT NULL CHECK (status IN ('unclaimed', 'claimed')),
  send_op      TEXT NOT NULL,
  claim_op     TEXT,
  sent_at      INTEGER NOT NULL,
  claimed_at   INTEGER
) STRICT;
CREATE INDEX mail_mailbox ON mail (recipient_id, status, mail_id);

-- Every operation that moved gold or items, and every one the database refused, once: op_id is
-- the caller's idempotency key (case-sensitive: TEXT compares with BINARY), and `result` the JSON
-- answer it got first, which a retry gets again. See the MySQL file for the columns.
CREATE TABLE ledger (
  op_id        TEXT NOT NULL PRIMARY KEY,
  kind         TEXT NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('committed', 'refused')),
  reason       TEXT,
  player_a     INTEGER,
  player_b     INTEGER,
  gold_from_a  INTEGER NOT NULL,
  gold_from_b  INTEGER NOT NULL,
  mail_id      INTEGER,
  request_hash TEXT NOT NULL,
  result       TEXT NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ledger_player_a ON ledger (player_a, created_at);
CREATE INDEX ledger_player_b ON ledger (player_b, created_at);

-- Id blocks for items and mail (see the MySQL file).
CREATE TABLE id_sequences (
  name    TEXT NOT NULL PRIMARY KEY,
  next_id INTEGER NOT NULL
) STRICT;

INSERT INTO id_sequences (name, next_id) VALUES ('items', 1), ('mail', 1);

-- Characters made before this migration get an empty wallet.
INSERT INTO wallets (player_id, gold, updated_at) SELECT player_id, 0, created_at FROM characters;
