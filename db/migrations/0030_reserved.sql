-- Folio chart database, schema 30: reserved for remote monitoring's reviews
-- (branch review). It holds nothing on this branch, so that the numbers stay
-- contiguous for schema 31; at the merge the branch's own 0030 (or this one,
-- if it needs none) takes its place.
SELECT 1;
