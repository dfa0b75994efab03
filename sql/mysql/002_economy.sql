-- The economy (docs/architecture.md, requirement R9): gold, items, mail and the ledger. Only the
-- economy's transactions write these tables (src/store/economy-sql.ts); the write-back never does,
-- so an old snapshot of a character can never undo a trade. Every statement here can run again
-- after a half-applied run (DDL commits by itself on MySQL), so a failed migration is fixed by
-- running it again.

-- One wallet per character, created with it (createCharacter, acquire); absent: no such player.
CREATE TABLE IF NOT EXISTS wallets (
  player_id  BIGINT UNSIGNED NOT NULL,
  gold       BIGINT NOT NULL,
  -- Unix milliseconds of the last change.
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (player_id),
  CONSTRAINT wallets_gold_not_negative CHECK (gold >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One stack of one template. It is held either by a player or by an unclaimed mail, never both.
-- Ids come from id_sequences, never reused.
CREATE TABLE IF NOT EXISTS items (
  item_id     BIGINT UNSIGNED NOT NULL,
  owner_id    BIGINT UNSIGNED NULL,
  mail_id     BIGINT UNSIGNED NULL,
  template_id INT UNSIGNED NOT NULL,
  count       INT UNSIGNED NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (item_id),
  KEY items_owner (owner_id),
  KEY items_mail (mail_id),
  CONSTRAINT items_count_positive CHECK (count > 0),
  CONSTRAINT items_one_holder CHECK ((owner_id IS NULL) <> (mail_id IS NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Mail with attachments: `gold` and the items whose mail_id is this mail, until it is claimed.
-- sender_id NULL: system mail. A claimed mail keeps its gold as a record; its items have moved.
CREATE TABLE IF NOT EXISTS mail (
  mail_id      BIGINT UNSIGNED NOT NULL,
  sender_id    BIGINT UNSIGNED NULL,
  recipient_id BIGINT UNSIGNED NOT NULL,
  gold         BIGINT NOT NULL,
  status       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  send_op      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  claim_op     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  sent_at      BIGINT NOT NULL,
  claimed_at   BIGINT NULL,
  PRIMARY KEY (mail_id),
  KEY mail_mailbox (recipient_id, status, mail_id),
  CONSTRAINT mail_gold_not_negative CHECK (gold >= 0),
  CONSTRAINT mail_status CHECK (status IN ('unclaimed', 'claimed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Every operation that moved gold or items, and every one the database refused, once: op_id is
-- the caller's idempotency key (case-sensitive), and `result` the JSON answer it got first, which
-- a retry gets again. player_a / player_b: trade a and b; grant, system mail, claim: NULL and the
-- player. gold_from_a went from a (NULL: the outside world or a mail) to b; gold_from_b from b to a.
CREATE TABLE IF NOT EXISTS ledger (
  op_id        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  outcome      VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reason       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  player_a     BIGINT UNSIGNED NULL,
  player_b     BIGINT UNSIGNED NULL,
  gold_from_a  BIGINT NOT NULL,
  gold_from_b  BIGINT NOT NULL,
  mail_id      BIGINT UNSIGNED NULL,
  -- SHA-256 of the request, so a reused op_id with another request is told apart from a retry.
  request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  result       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (op_id),
  KEY ledger_player_a (player_a, created_at),
  KEY ledger_player_b (player_b, created_at),
  CONSTRAINT ledger_outcome CHECK (outcome IN ('committed', 'refused'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Id blocks for items and mail, handed out in committed blocks so that any number of nodes can
-- create rows without an AUTO_INCREMENT whose values a multi-row INSERT could not report.
CREATE TABLE IF NOT EXISTS id_sequences (
  name    VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  next_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB;

INSERT INTO id_sequences (name, next_id) VALUES ('items', 1), ('mail', 1)
  ON DUPLICATE KEY UPDATE next_id = next_id;

-- Characters made before this migration get an empty wallet.
INSERT INTO wallets (player_id, gold, updated_at) SELECT player_id, 0, created_at FROM characters
  ON DUPLICATE KEY UPDATE gold = gold;
