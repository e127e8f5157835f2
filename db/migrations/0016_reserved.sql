-- Folio chart database, schema 16: reserved for another part of issue 9.
--
-- A stand-in so that this branch's schema 17 follows 16; the branch that
-- owns number 16 brings the real step, and this file goes when the two meet.
SELECT 1;
