-- Which write of the current log-in the state columns hold: the zone's change counter for the
-- character, raised by every change and reset with each new owner epoch. Journal replay after a
-- crash writes a journaled state only over an older one (src/journal/).
ALTER TABLE characters ADD COLUMN state_version BIGINT NOT NULL DEFAULT 0;
