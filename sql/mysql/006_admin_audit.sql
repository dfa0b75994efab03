-- Every write the admin API made or refused, once: who (a fingerprint of the credential, never the
-- credential), what, when, the request and the answer. A change the database makes is recorded in
-- the same transaction as its audit row; `audit_id` (one per admin request) lets a request the
-- store receives twice find its row instead of acting twice.
CREATE TABLE admin_audit (
  seq        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  audit_id   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- Unix milliseconds.
  at         BIGINT NOT NULL,
  credential VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  action     VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  player_id  BIGINT UNSIGNED NULL,
  -- JSON: the request's body, and the answer it got.
  request    MEDIUMTEXT NOT NULL,
  outcome    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  result     MEDIUMTEXT NOT NULL,
  PRIMARY KEY (seq),
  UNIQUE KEY admin_audit_id (audit_id),
  KEY admin_audit_player (player_id, seq),
  CONSTRAINT admin_audit_outcome CHECK (outcome IN ('ok', 'refused', 'failed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
