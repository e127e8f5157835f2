package db

import (
	"encoding/json"
	"fmt"
)

// Coding is one code of a record as its sender coded it: the code system's
// URI, the code and its display, exactly as received. A record keeps every
// coding it arrived with; Folio's own codes (a problem's ICD-10-CM code, a
// drug's RxNorm code from Folio's list) are the record's own fields, beside
// them.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

// The records that keep codings, and the elements of a record a coding
// codes: what the record is, a result's coded value, a vaccine's site and
// route.
const (
	CodedProblem      = "problem"
	CodedAllergy      = "allergy"
	CodedMedication   = "medication"
	CodedImmunization = "immunization"
	CodedLabResult    = "lab_result"
	CodedCareRecord   = "care_record"

	CodingCode  = "code"
	CodingValue = "value"
	CodingSite  = "site"
	CodingRoute = "route"
)

// InsertCodings writes the codings of one element of a record, in their
// order. Codings are written once, with the record: they never change.
func (t *Tx) InsertCodings(entity, id, element string, codes []Coding) error {
	for i, c := range codes {
		if c.Code == "" && c.Display == "" {
			continue
		}
		_, err := t.exec(`INSERT INTO codings (entity, entity_id, element, seq, system, code, display)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, entity, id, element, i, c.System, c.Code, c.Display)
		if err != nil {
			return fmt.Errorf("insert coding of %s %s: %w", entity, id, err)
		}
	}
	return nil
}

// Codings reads the codings of one element of the records ids names: by
// record id, each record's in the order received. A record without any is
// not in the map.
func (t *Tx) Codings(entity, element string, ids []string) (map[string][]Coding, error) {
	out := map[string][]Coding{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("read codings: %w", err)
	}
	rows, err := t.query(`SELECT entity_id, system, code, display FROM codings
		WHERE entity = ? AND element = ? AND entity_id IN (SELECT value FROM json_each(?))
		ORDER BY entity_id, seq`, entity, element, string(list))
	if err != nil {
		return nil, fmt.Errorf("read codings of %s: %w", entity, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c Coding
		if err := rows.Scan(&id, &c.System, &c.Code, &c.Display); err != nil {
			return nil, fmt.Errorf("read coding of %s: %w", entity, err)
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// fillCodes sets each row's codes (what the record is) from the codings
// table, in one query for the whole list; a row without any gets an empty
// list.
func fillCodes[T any](t *Tx, entity string, rows []T, id func(*T) string, codes func(*T) *[]Coding) error {
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = id(&rows[i])
	}
	found, err := t.Codings(entity, CodingCode, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		c := found[ids[i]]
		if c == nil {
			c = []Coding{}
		}
		*codes(&rows[i]) = c
	}
	return nil
}
