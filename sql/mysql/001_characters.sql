-- One character per player (the log-in token's player id), with its volatile state and who owns it.
-- Gold, items and anything else that trades touch will live in tables of their own: the write-back
-- writes only the state columns here.
CREATE TABLE characters (
  player_id     BIGINT UNSIGNED NOT NULL,
  -- NULL until the player picks one. The explicit case-insensitive collation makes 'Bob' and 'bob'
  -- collide on MySQL 8.4 and MariaDB 10.11 alike, whatever the server's default.
  name          VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
  zone_id       INT UNSIGNED NOT NULL,
  x             DOUBLE NOT NULL,
  y             DOUBLE NOT NULL,
  heading       DOUBLE NOT NULL,
  hp            INT NOT NULL,
  level         INT NOT NULL,
  exp           BIGINT NOT NULL,
  play_time_s   BIGINT NOT NULL,
  -- Ownership: the node that last logged the character in, a fencing token raised by every log-in,
  -- and whether that log-in is still live. A write must carry the current epoch.
  owner_node    VARCHAR(64) NULL,
  owner_epoch   BIGINT UNSIGNED NOT NULL DEFAULT 0,
  online        TINYINT NOT NULL DEFAULT 0,
  -- Unix milliseconds, from the store worker's clock.
  last_login_at BIGINT NULL,
  last_save_at  BIGINT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (player_id),
  UNIQUE KEY characters_name (name),
  KEY characters_owner_online (owner_node, online)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
