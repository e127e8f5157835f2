package db

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CareDue is one patient's standing with one care rule, as the due list
// keeps it (see schema 24).
type CareDue struct {
	PatientID     string
	RuleID        string
	DueOn         string
	LastDone      string
	LastHow       string
	DeclinedUntil string
	// Detail: what is due for one patient alone, in words ("" a care rule's).
	Detail string
	// FromNow: DueOn is the day the row was made (a rule never met with no
	// known start): a row already listed keeps its earlier day.
	FromNow bool
}

// ReplaceCareDue makes a patient's rows of the due list rows (none: the
// patient is due nothing, or merged). A row that stays keeps the desk's
// latest work on it.
func (t *Tx) ReplaceCareDue(patientID string, rows []CareDue) error {
	keep := make([]string, len(rows))
	for i, r := range rows {
		keep[i] = r.RuleID
	}
	list, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM care_due WHERE patient_id = ? AND rule_id NOT IN (SELECT value FROM json_each(?))`,
		patientID, string(list)); err != nil {
		return fmt.Errorf("clear the due list of a patient: %w", err)
	}
	for _, r := range rows {
		if _, err := t.exec(`INSERT INTO care_due (patient_id, rule_id, due_on, last_done, last_how, declined_until, detail)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8)
			ON CONFLICT (patient_id, rule_id) DO UPDATE SET
				due_on = CASE WHEN ?7 AND last_done = excluded.last_done AND due_on < excluded.due_on THEN due_on
					ELSE excluded.due_on END,
				last_done = excluded.last_done, last_how = excluded.last_how, declined_until = excluded.declined_until,
				detail = excluded.detail
			WHERE (due_on, last_done, last_how, declined_until, detail) IS NOT
				(excluded.due_on, excluded.last_done, excluded.last_how, excluded.declined_until, excluded.detail)`,
			patientID, r.RuleID, r.DueOn, r.LastDone, r.LastHow, r.DeclinedUntil, r.FromNow, r.Detail); err != nil {
			return fmt.Errorf("write the due list: %w", err)
		}
	}
	return nil
}

// CareOutreach is the desk's work on one patient's due rule.
type CareOutreach struct {
	ID          string    `json:"id"`
	PatientID   string    `json:"patientId"`
	RuleID      string    `json:"ruleId"`
	Outcome     string    `json:"outcome"`
	Note        string    `json:"note"`
	SnoozeUntil string    `json:"snoozeUntil"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
	ByName      string    `json:"byName"` // read back
}

// InsertCareOutreach records the desk's work on a due rule (byName: the
// full name of who did it), and shows it on the rule's row of the list.
func (t *Tx) InsertCareOutreach(c CareOutreach, byName string) error {
	at := formatTime(c.CreatedAt)
	_, err := t.exec(`INSERT INTO care_outreach (id, patient_id, rule_id, outcome, note, snooze_until, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.PatientID, c.RuleID, c.Outcome, c.Note, c.SnoozeUntil, at, c.CreatedBy)
	if err != nil {
		return fmt.Errorf("record outreach: %w", err)
	}
	_, err = t.exec(`UPDATE care_due SET outreach = ?, outreach_at = ?, outreach_by = ?, outreach_note = ?, snooze_until = ?
		WHERE patient_id = ? AND rule_id = ?`, c.Outcome, at, byName, c.Note, c.SnoozeUntil, c.PatientID, c.RuleID)
	if err != nil {
		return fmt.Errorf("show outreach on the list: %w", err)
	}
	return nil
}

// CareOutreachFor lists the desk's work on a patient's rule, the latest first.
func (t *Tx) CareOutreachFor(patientID, ruleID string) ([]CareOutreach, error) {
	return queryList(t, "outreach", scanOutreach, `SELECT o.id, o.patient_id, o.rule_id, o.outcome, o.note,
		o.snooze_until, o.created_at, o.created_by, coalesce(u.full_name, '')
		FROM care_outreach o LEFT JOIN users u ON u.id = o.created_by
		WHERE o.patient_id = ? AND o.rule_id = ? ORDER BY o.created_at DESC, o.id DESC`, patientID, ruleID)
}

func scanOutreach(row scanner) (CareOutreach, error) {
	var c CareOutreach
	var at string
	if err := row.Scan(&c.ID, &c.PatientID, &c.RuleID, &c.Outcome, &c.Note, &c.SnoozeUntil, &at, &c.CreatedBy,
		&c.ByName); err != nil {
		return c, fmt.Errorf("read outreach: %w", err)
	}
	c.CreatedAt = parseTime(at)
	return c, nil
}

// moveCareOutreach gives the desk's work on a merged chart to the survivor;
// the due list and the quality measures themselves are made again for both.
func (t *Tx) moveCareOutreach(from, to Patient) error {
	if _, err := t.exec(`UPDATE care_outreach SET patient_id = ? WHERE patient_id = ?`, to.ID, from.ID); err != nil {
		return fmt.Errorf("move outreach: %w", err)
	}
	if _, err := t.exec(`DELETE FROM care_due WHERE patient_id = ?`, from.ID); err != nil {
		return fmt.Errorf("clear the due list of a merged chart: %w", err)
	}
	if _, err := t.exec(`DELETE FROM quality_patient WHERE patient_id = ?`, from.ID); err != nil {
		return fmt.Errorf("clear the quality measures of a merged chart: %w", err)
	}
	return nil
}

// RecallFilter chooses the rows of the due list.
type RecallFilter struct {
	Day         string // YYYY-MM-DD: due on or before it
	RuleIDs     []string
	ClinicianID string // the patients' primary clinician; "" any
	BornAfter   string // YYYY-MM-DD: younger than an age; "" any
	BornBefore  string // YYYY-MM-DD: older than an age; "" any
	DueBefore   string // YYYY-MM-DD: overdue at least since then; "" any
	Snoozed     bool   // also the rows snoozed or booked past Day
	Limit       int
}

// Recall is one row of the desk's list: a patient, a due rule, and the
// desk's latest work on it.
type Recall struct {
	PatientID   string
	MRN         string
	FamilyName  string
	GivenNames  string
	BirthDate   string
	Sex         string
	Phone       string
	ClinicianID string
	RuleID      string
	DueOn       string
	LastDone    string
	LastHow     string
	Detail      string
	// The latest outreach: outcome, when, by whom, its note and snooze.
	Outreach, OutreachAt, OutreachBy, OutreachNote, SnoozeUntil string
}

// RecallCountCap is as far as Recalls counts: a total above it is given
// as RecallCountCap+1.
const RecallCountCap = 10000

// Recalls lists the due list's rows due on f.Day, the longest overdue
// first, with the total before the limit (up to RecallCountCap+1).
func (t *Tx) Recalls(f RecallFilter) ([]Recall, int, error) {
	where := []string{"d.due_on <= ?", "d.declined_until <= ?"}
	args := []any{f.Day, f.Day}
	if len(f.RuleIDs) > 0 {
		where = append(where, "d.rule_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.RuleIDs)), ",")+")")
		for _, r := range f.RuleIDs {
			args = append(args, r)
		}
	}
	if f.DueBefore != "" {
		where = append(where, "d.due_on <= ?")
		args = append(args, f.DueBefore)
	}
	if !f.Snoozed {
		where = append(where, "d.snooze_until <= ?")
		args = append(args, f.Day)
	}
	join := ""
	if f.ClinicianID != "" || f.BornAfter != "" || f.BornBefore != "" {
		join = " JOIN patients p ON p.id = d.patient_id"
		if f.ClinicianID != "" {
			where = append(where, "p.primary_clinician_id = ?")
			args = append(args, f.ClinicianID)
		}
		if f.BornAfter != "" {
			where = append(where, "p.birth_date > ?")
			args = append(args, f.BornAfter)
		}
		if f.BornBefore != "" {
			where = append(where, "p.birth_date <= ?")
			args = append(args, f.BornBefore)
		}
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	// The count stops past countCap: "more than 10,000" is all a desk needs,
	// and an exact count of a whole clinic's list reads all of it.
	var total int
	if err := t.queryRow(`SELECT count(*) FROM (SELECT 1 FROM care_due d`+join+cond+` LIMIT ?)`,
		append(args, RecallCountCap+1)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count the recall list: %w", err)
	}
	// The page: the rows in the index's due order first, then their patients.
	rows, err := t.query(`SELECT p.id, p.mrn, p.family_name, p.given_names, p.birth_date, p.sex, p.phone,
		coalesce(p.primary_clinician_id, ''), d.rule_id, d.due_on, d.last_done, d.last_how, d.detail,
		d.outreach, d.outreach_at, d.outreach_by, d.outreach_note, d.snooze_until
		FROM (SELECT d.* FROM care_due d`+join+cond+` ORDER BY d.due_on, d.rule_id, d.patient_id LIMIT ?) d
		JOIN patients p ON p.id = d.patient_id
		ORDER BY d.due_on, d.rule_id, d.patient_id`, append(args, f.Limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("read the recall list: %w", err)
	}
	defer rows.Close()
	out := []Recall{}
	for rows.Next() {
		var r Recall
		if err := rows.Scan(&r.PatientID, &r.MRN, &r.FamilyName, &r.GivenNames, &r.BirthDate, &r.Sex, &r.Phone, &r.ClinicianID,
			&r.RuleID, &r.DueOn, &r.LastDone, &r.LastHow, &r.Detail, &r.Outreach, &r.OutreachAt, &r.OutreachBy, &r.OutreachNote,
			&r.SnoozeUntil); err != nil {
			return nil, 0, fmt.Errorf("read the recall list: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// CareDueBetween reads the due list's rows of the patients whose ids are
// from first to last, by patient (the making of the whole list compares
// them with what the rules say now).
func (t *Tx) CareDueBetween(first, last string) (map[string][]CareDue, error) {
	rows, err := t.query(`SELECT patient_id, rule_id, due_on, last_done, last_how, declined_until, detail FROM care_due
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, rule_id`, first, last)
	if err != nil {
		return nil, fmt.Errorf("read the due list: %w", err)
	}
	defer rows.Close()
	out := map[string][]CareDue{}
	for rows.Next() {
		var c CareDue
		if err := rows.Scan(&c.PatientID, &c.RuleID, &c.DueOn, &c.LastDone, &c.LastHow, &c.DeclinedUntil, &c.Detail); err != nil {
			return nil, fmt.Errorf("read the due list: %w", err)
		}
		out[c.PatientID] = append(out[c.PatientID], c)
	}
	return out, rows.Err()
}

// CareDueFor reads a patient's rows of the due list (tests, checks).
func (t *Tx) CareDueFor(patientID string) ([]CareDue, error) {
	return queryList(t, "due list", func(row scanner) (CareDue, error) {
		var c CareDue
		err := row.Scan(&c.PatientID, &c.RuleID, &c.DueOn, &c.LastDone, &c.LastHow, &c.DeclinedUntil, &c.Detail)
		if err == sql.ErrNoRows {
			return c, ErrNotFound
		}
		return c, err
	}, `SELECT patient_id, rule_id, due_on, last_done, last_how, declined_until, detail FROM care_due WHERE patient_id = ?
		ORDER BY rule_id`, patientID)
}
