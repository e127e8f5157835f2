-- Folio chart database, schema 29: reserved for another branch's schema
-- step. It holds nothing on this branch (print), so that the numbers stay
-- contiguous for schema 32; at the merge that branch's own 0029 takes its place.
SELECT 1;
