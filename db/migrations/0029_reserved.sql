-- Folio chart database, schema 29: reserved for the home-readings import
-- (branch readin). It holds nothing on this branch, so that the numbers stay
-- contiguous for schema 31; at the merge the branch's own 0029 (or this one,
-- if it needs none) takes its place.
SELECT 1;
