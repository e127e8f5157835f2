-- Folio chart database, schema 25: reserved for another part of issue 13.
--
-- A stand-in so that this branch's schema 27 follows 24; the branch that
-- owns number 25 brings the real step, and this file goes when the two meet.
SELECT 1;
