-- Folio chart database, schema 16: what arrives from elsewhere is kept as it
-- was sent.
--
-- A record imported from another system keeps every coding it arrived with:
-- a problem its SNOMED CT code beside the ICD-10-CM code Folio may add, an
-- allergy its substance's codes, a drug its RxNorm and national codes, a
-- vaccine its CVX and other codes (and those of its site and route), a
-- result its LOINC and the codes of a coded value. The codings of a record
-- are written with it and never change: a clinician who corrects the
-- record changes Folio's own fields (the ICD-10-CM code, the title), with a
-- revision as before, never what the sender said.
--
-- An allergy keeps its criticality, type, categories, verification status
-- and reactions (each manifestation with its codes, the reaction's severity
-- and onset); a medication keeps its dosage as structured (dose quantity
-- and unit, route, timing, as needed, text); a patient keeps the
-- identifiers other systems gave them (the sender's MRN with its system and
-- type) and the structure of their address (country, district, use).

CREATE TABLE codings (
    entity    TEXT NOT NULL CHECK (entity IN ('problem', 'allergy', 'medication', 'immunization', 'lab_result')),
    entity_id TEXT NOT NULL,
    -- the element of the record it codes: 'code' (what the record is),
    -- 'value' (a result's coded value), 'site' and 'route' (a vaccine's)
    element   TEXT NOT NULL CHECK (element IN ('code', 'value', 'site', 'route')),
    seq       INTEGER NOT NULL,                  -- its place among the element's codings, as received
    system    TEXT NOT NULL,                     -- the code system's URI as received, e.g. http://snomed.info/sct
    code      TEXT NOT NULL,
    display   TEXT NOT NULL DEFAULT '',
    CHECK (code <> '' OR display <> ''),
    PRIMARY KEY (entity, entity_id, element, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER codings_no_update BEFORE UPDATE ON codings
BEGIN
    SELECT RAISE(ABORT, 'codings are kept as received');
END;

CREATE TRIGGER codings_no_delete BEFORE DELETE ON codings
BEGIN
    SELECT RAISE(ABORT, 'codings are kept as received');
END;

-- The records imported before this step get back the codings their import
-- read (the review kept them, with each item, as JSON).
INSERT INTO codings (entity, entity_id, element, seq, system, code, display)
SELECT it.record_entity, it.record_id, 'code', c.key, coalesce(json_extract(c.value, '$.system'), ''),
       coalesce(json_extract(c.value, '$.code'), ''), coalesce(json_extract(c.value, '$.display'), '')
FROM import_items it,
    json_each(CASE WHEN it.record_entity IN ('problem', 'allergy', 'medication', 'immunization', 'lab_result')
        AND json_valid(it.mapped) THEN it.mapped ELSE '{}' END, '$.codes') c
WHERE it.decision = 'accepted'
    AND it.record_entity IN ('problem', 'allergy', 'medication', 'immunization', 'lab_result')
    AND (coalesce(json_extract(c.value, '$.code'), '') <> '' OR coalesce(json_extract(c.value, '$.display'), '') <> '')
ORDER BY 1, 2, 4;

-- '' where Folio's own form asks none of these (criticality is then judged
-- from the severity when the allergy leaves the clinic).
ALTER TABLE allergies ADD COLUMN criticality TEXT NOT NULL DEFAULT ''
    CHECK (criticality IN ('', 'low', 'high', 'unable-to-assess'));
ALTER TABLE allergies ADD COLUMN allergy_type TEXT NOT NULL DEFAULT ''
    CHECK (allergy_type IN ('', 'allergy', 'intolerance'));
-- FHIR's categories as received, ',' between them: food, medication, environment, biologic
ALTER TABLE allergies ADD COLUMN categories TEXT NOT NULL DEFAULT '';
ALTER TABLE allergies ADD COLUMN verification TEXT NOT NULL DEFAULT ''
    CHECK (verification IN ('', 'unconfirmed', 'confirmed'));
-- JSON: each reaction as received (its manifestations with their codes and
-- words, severity, onset, description, note); [] for none
ALTER TABLE allergies ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reactions));

-- JSON: each dosage instruction as received (text, timing, as needed, route
-- with its codes, dose quantity or range); [] when only the dose, route and
-- frequency words are known
ALTER TABLE medications ADD COLUMN dosage TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dosage));

-- FHIR's clinical status as received, where Folio's active or resolved
-- says less: a resolved problem in 'remission' or 'inactive', an active one
-- a 'recurrence' or 'relapse'. '' for one typed in here; a change of status
-- on the chart clears it (the revision keeps it).
ALTER TABLE problems ADD COLUMN clinical_status TEXT NOT NULL DEFAULT ''
    CHECK (clinical_status IN ('', 'active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'));

-- The lab's comment on a result from elsewhere, as sent ('' for one typed
-- in here).
ALTER TABLE lab_results ADD COLUMN note TEXT NOT NULL DEFAULT '';

ALTER TABLE patients ADD COLUMN district    TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN country     TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN address_use TEXT NOT NULL DEFAULT ''
    CHECK (address_use IN ('', 'home', 'work', 'temp', 'old', 'billing'));

-- The identifiers other systems gave a patient (their MRN, a national
-- number), as received with a file imported into the chart. They are kept:
-- never changed or deleted; a merge copies the duplicate's to the survivor.
CREATE TABLE patient_external_ids (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    seq          INTEGER NOT NULL,
    system       TEXT NOT NULL DEFAULT '',       -- the namespace (a URI), '' when the sender gave none
    value        TEXT NOT NULL CHECK (value <> ''),
    use          TEXT NOT NULL DEFAULT '' CHECK (use IN ('', 'usual', 'official', 'temp', 'secondary', 'old')),
    type_system  TEXT NOT NULL DEFAULT '',       -- its type's coding, e.g. HL7 v2-0203 'MR'
    type_code    TEXT NOT NULL DEFAULT '',
    type_display TEXT NOT NULL DEFAULT '',
    type_text    TEXT NOT NULL DEFAULT '',       -- its type in words, e.g. "Medical Record Number"
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    import_id    TEXT NOT NULL DEFAULT '',       -- the import it came with
    PRIMARY KEY (patient_id, seq),
    UNIQUE (patient_id, system, value)
) STRICT;

CREATE INDEX patient_external_ids_value ON patient_external_ids (system, value);

CREATE TRIGGER patient_external_ids_no_update BEFORE UPDATE ON patient_external_ids
BEGIN
    SELECT RAISE(ABORT, 'identifiers are kept as received');
END;

CREATE TRIGGER patient_external_ids_no_delete BEFORE DELETE ON patient_external_ids
BEGIN
    SELECT RAISE(ABORT, 'identifiers are kept as received');
END;
