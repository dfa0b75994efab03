-- Isolation (the admin API's POST /admin/players/{id}/isolate): while 1, no log-in loads the
-- character and no server writes its row, so an operator can edit it by hand; releasing sets it
-- back to 0 and the next log-in loads what the row then holds.
ALTER TABLE characters ADD COLUMN isolated TINYINT NOT NULL DEFAULT 0;
