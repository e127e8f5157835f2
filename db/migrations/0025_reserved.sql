-- Folio chart database, schema 25: reserved. Number 25 belongs to a change
-- on another branch (the migrations must be numbered without a gap); this
-- empty step only lets schema 26 (the quality measures) run on its own
-- branch. Drop this file when the two branches are merged.
SELECT 1;
