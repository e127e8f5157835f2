package app_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"folio/db"
)

// The 20-year patient of the speed targets: 500 visits with signed notes,
// 10,000 observations of vitals and 2,000 lab results, 300 medication
// records, and the problems and allergies a long history gathers. The history is a bench setup, not a
// use-case, so it goes straight to the file in one transaction; the
// schema's checks and triggers still hold for every row.
const (
	historyYears       = 20
	historyEncounters  = 500
	historyMedications = 300
	historyProblems    = 40
	historyAllergies   = 6
	// historyVitalsSets of nine measures each are 10,008 observations.
	historyVitalsSets = 1_112
	// historyLabOrders panels of historyLabsPerOrder results each, besides:
	// the last order still waits for its results, and the last results of
	// the one before wait for review.
	historyLabOrders    = 100
	historyLabsPerOrder = 20
)

// bulkHistory writes the 20-year history for patientID, charted by userID.
func bulkHistory(b *testing.B, ta *testApp, patientID, userID string) {
	b.Helper()
	bulkVitals(b, ta, patientID, userID, historyVitalsSets)
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	start := testStart.AddDate(-historyYears, 0, 0).UTC()
	at := func(i, n int) string {
		return start.Add(testStart.Sub(start) / time.Duration(n) * time.Duration(i)).Format(time.RFC3339Nano)
	}
	tx, err := conn.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(query string, args ...any) {
		b.Helper()
		if _, err := tx.Exec(query, args...); err != nil {
			b.Fatalf("%v\n%s", err, query)
		}
	}
	for i := range historyEncounters {
		when := at(i, historyEncounters)
		id := "bench-enc-" + strconv.Itoa(i)
		exec(`INSERT INTO encounters (id, patient_id, clinician_id, kind, started_at, status, version,
			created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 'walk_in', ?, 'signed', 1, ?, ?, ?, ?)`,
			id, patientID, userID, when, when, userID, when, userID)
		exec(`INSERT INTO notes (id, encounter_id, subjective, objective, assessment, plan, saved_at, saved_by,
			signed_at, signed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"bench-note-"+strconv.Itoa(i), id, "Follow-up. Feels well; no chest pain, no breathlessness.",
			"BP as recorded. Heart sounds normal, chest clear, no oedema.",
			"Type 2 diabetes, stable. Essential hypertension, at goal.",
			"Continue medications. HbA1c and lipids before the next visit. Review in 3 months.",
			when, userID, when, userID)
	}
	for i := range historyProblems {
		status := "resolved"
		if i%4 == 0 {
			status = "active"
		}
		when := at(i, historyProblems)
		exec(`INSERT INTO problems (id, patient_id, icd10, title, onset, status, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, 'E11.9', 'Type 2 diabetes mellitus without complications', ?, ?, ?, ?, ?, ?)`,
			"bench-problem-"+strconv.Itoa(i), patientID, when[:10], status, when, userID, when, userID)
	}
	for i := range historyAllergies {
		when := at(i, historyAllergies)
		exec(`INSERT INTO allergies (id, patient_id, substance, substance_kind, reaction, severity, status,
			created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 'drug', 'rash', 'moderate', 'active', ?, ?, ?, ?)`,
			"bench-allergy-"+strconv.Itoa(i), patientID, []string{"Penicillin", "Sulfonamides", "Codeine", "Latex",
				"Ibuprofen", "Amoxicillin"}[i], when, userID, when, userID)
	}
	// Three hundred records of a dozen drugs: each renewed again and again
	// over the years (the old record stopped), the last of each active.
	drugs := []string{"metformin", "lisinopril", "atorvastatin", "amlodipine", "levothyroxine", "omeprazole",
		"sertraline", "albuterol", "metoprolol", "hydrochlorothiazide", "gabapentin", "tamsulosin"}
	for i := range historyMedications {
		drug := drugs[i%len(drugs)]
		status, stopDate, stopReason := "stopped", at(i+len(drugs), historyMedications+len(drugs))[:10], "renewed"
		if i >= historyMedications-len(drugs) {
			status, stopDate, stopReason = "active", "", ""
		}
		when := at(i, historyMedications+len(drugs))
		exec(`INSERT INTO medications (id, patient_id, drug_name, classes, dose, route, frequency, quantity, refills,
			start_date, stop_date, stop_reason, source, status, version, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, '', '10 mg', 'oral', 'once a day', '30 tablets', 5, ?, ?, ?, 'prescribed_here', ?, 1, ?, ?, ?, ?)`,
			"bench-med-"+strconv.Itoa(i), patientID, drug, when[:10], stopDate, stopReason, status, when, userID, when, userID)
	}
	for i := range historyLabOrders {
		when := at(i, historyLabOrders)
		order := "bench-order-" + strconv.Itoa(i)
		status := "resulted"
		if i == historyLabOrders-1 {
			status = "ordered"
		}
		exec(`INSERT INTO lab_orders (id, patient_id, loinc, test_name, ordered_at, ordered_by, status, updated_at, updated_by)
			VALUES (?, ?, '24323-8', 'Comprehensive metabolic panel', ?, ?, ?, ?, ?)`,
			order, patientID, when, userID, status, when, userID)
		if status == "ordered" {
			continue
		}
		for k := range historyLabsPerOrder {
			reviewedAt, reviewedBy := when, userID
			if i == historyLabOrders-2 && k >= historyLabsPerOrder-3 {
				reviewedAt, reviewedBy = "", ""
			}
			exec(`INSERT INTO lab_results (id, patient_id, order_id, loinc, name, value_num, unit, ref_low, ref_high,
				range_source, flag, observed_at, entered_at, entered_by, source, reviewed_at, reviewed_by, status,
				updated_at, updated_by) VALUES (?, ?, ?, ?, 'Glucose', ?, 'mg/dL', 70, 99, 'default', 'N', ?, ?, ?, 'entered',
				?, ?, 'final', ?, ?)`,
				order+"-"+strconv.Itoa(k), patientID, order, fmt.Sprintf("bench-%02d", k), 80+float64(k), when, when, userID,
				reviewedAt, reviewedBy, when, userID)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkChartSummary20Years is the chart's first screen for the 20-year
// patient (target: under 5 ms). "folio" is Chart.Summary as the UI calls it
// (session and role check, transaction, the lists, last vitals with trends,
// recent visits, due items, audit entry); "raw-sql" the floor: the same rows
// from bare SQL on a connection of its own, scanned and nothing more.
func BenchmarkChartSummary20Years(b *testing.B) {
	ta := newTestApp(b)
	p := ta.register(b, samplePatient())
	bulkHistory(b, ta, p.ID, ta.Clinician.User.ID)
	sum, err := ta.Clinician.Chart.Summary(p.ID)
	if err != nil || len(sum.Medications) != 12 || len(sum.Problems) != historyProblems/4 ||
		len(sum.Allergies) != historyAllergies || sum.LastVitals == nil || len(sum.RecentEncounters) != 5 ||
		len(followed(sum)) != 3+12 { // the review, the order, the season's vaccine; 12 refills
		b.Fatalf("summary: %d medications, %d problems, %d allergies, %d visits, due %+v, %v", len(sum.Medications),
			len(sum.Problems), len(sum.Allergies), len(sum.RecentEncounters), sum.Due, err)
	}
	b.Run("folio", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.Summary(p.ID)
			return err
		})
	})
	b.Run("raw-sql", func(b *testing.B) {
		conn := rawConn(b, ta.Dir)
		queries := summaryFloorQueries
		stmts := make([]*sql.Stmt, len(queries))
		for i, q := range queries {
			if stmts[i], err = conn.Prepare(q); err != nil {
				b.Fatalf("%v\n%s", err, q)
			}
			defer stmts[i].Close()
		}
		timeEach(b, 1, func(int) error {
			for _, stmt := range stmts {
				rows, err := stmt.Query(p.ID)
				if err != nil {
					return err
				}
				if _, err := scanAll(rows); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// summaryFloorQueries read what the chart summary shows, each by its index.
var summaryFloorQueries = []string{
	`SELECT * FROM patients WHERE id = ?1`,
	`SELECT * FROM problems WHERE patient_id = ?1 AND status = 'active' ORDER BY onset`,
	`SELECT * FROM allergies WHERE patient_id = ?1 AND status = 'active' ORDER BY substance`,
	`SELECT * FROM no_known_allergies WHERE patient_id = ?1 AND cleared_at = ''`,
	`SELECT * FROM medications WHERE patient_id = ?1 AND status = 'active' ORDER BY drug_name`,
	`SELECT * FROM vitals WHERE patient_id = ?1 AND status = 'final' ORDER BY taken_at DESC LIMIT 10`,
	`SELECT e.*, n.assessment FROM encounters e JOIN notes n ON n.encounter_id = e.id
		WHERE e.patient_id = ?1 ORDER BY e.started_at DESC LIMIT 5`,
	`SELECT id, started_at FROM encounters WHERE patient_id = ?1 AND status = 'open'`,
	`SELECT count(*), min(entered_at) FROM lab_results WHERE patient_id = ?1 AND reviewed_at = '' AND status = 'final'`,
	`SELECT * FROM lab_orders WHERE patient_id = ?1 AND status = 'ordered'`,
	`SELECT * FROM immunizations WHERE patient_id = ?1`,
	// The care rules' facts (care_gaps.go).
	`SELECT loinc, max(observed_at), value_num FROM lab_results WHERE patient_id = ?1 AND status = 'final'
		AND loinc IN ('4548-4', '4549-2', '17856-6', '2093-3', '13457-7', '9318-7', '3016-3', '6301-6', '2160-0', '2823-3')
		GROUP BY loinc`,
	`SELECT taken_at, systolic, diastolic FROM vitals WHERE patient_id = ?1 AND status = 'final' AND systolic IS NOT NULL
		ORDER BY taken_at DESC LIMIT 1`,
	`SELECT weight_kg, taken_at FROM vitals WHERE patient_id = ?1 AND status = 'final' AND weight_kg IS NOT NULL
		ORDER BY taken_at DESC LIMIT 1`,
	`SELECT * FROM care_records WHERE patient_id = ?1`,
}
