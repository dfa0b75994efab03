-- Which server process holds each NODE_ID: one at a time, so that a second process started with the
-- same NODE_ID by mistake (on this machine or another) cannot run start-up recovery over the first
-- one's players. The holder renews its lease while it runs and deletes it when it stops; a lease
-- left by a holder that died expires. Times are the database server's clock, Unix milliseconds.
CREATE TABLE node_leases (
  node_id    VARCHAR(64) NOT NULL,
  -- host, pid and a random part: who holds it now.
  holder     VARCHAR(200) NOT NULL,
  taken_at   BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (node_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
