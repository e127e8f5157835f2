-- Folio chart database, schema 17: head circumference.
--
-- A child's head circumference (LOINC 9843-4, occipital-frontal) is a vital
-- sign like height: in cm whatever the clinic reads it in, NULL when not
-- measured. Children's growth charts read it with the weight and height.

ALTER TABLE vitals ADD COLUMN head_cm REAL CHECK (head_cm > 0);
