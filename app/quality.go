package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"folio/app/care"
	"folio/app/quality"
	"folio/db"
)

// Quality: the clinic's dashboard of quality measures (app/quality), for
// the clinic and by primary clinician, with a 12-month trend, the patients
// behind each figure, and CSV.
//
// Speed: evaluating the measures on every chart for each look at the
// dashboard would read 100,000 charts. Instead each patient's standing is
// kept in quality_patient, made again with the patient's due list rows in
// the same transaction as every chart write (refreshCareDue) and whole by
// the daily making of the due list (RefreshCareList), from the same facts
// the care rules read; today's figures are then counts of an index. The
// trend's past months cannot be counted live as cheaply (twelve months of
// every row), so the daily making sums them into quality_month; this
// month's point is today's figures.

// Quality is the dashboard's service: clinicians and admins.
type Quality struct {
	app     *App
	session *Session
}

// QualityDashboard is the dashboard: every measure, for the clinic and by
// clinician.
type QualityDashboard struct {
	AsOf string `json:"asOf"` // today, YYYY-MM-DD
	// Months are the trend's months, the oldest first; the last is this
	// month (its figures are today's).
	Months     []string           `json:"months"`
	Clinicians []QualityClinician `json:"clinicians"`
	Measures   []QualityMeasure   `json:"measures"`
	// Ready says the figures have been made for every chart (on a clinic
	// just upgraded they are made in the first minutes).
	Ready bool `json:"ready"`
}

// QualityClinician is a column of the dashboard: a primary clinician, or
// "none" for the patients who have none.
type QualityClinician struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// QualityMeasure is a measure's row of the dashboard.
type QualityMeasure struct {
	ID         string `json:"id"`
	CMS        string `json:"cms"`
	Title      string `json:"title"`
	Inverse    bool   `json:"inverse"`
	Source     string `json:"source"`
	Simplified string `json:"simplified"`
	// Clinic: the whole clinic's figures; Clinicians: each clinician's, in
	// the dashboard's Clinicians order.
	Clinic     QualityFigures   `json:"clinic"`
	Clinicians []QualityFigures `json:"clinicians"`
}

// QualityFigures are a measure's figures for the clinic or a clinician.
// The rate is Met / (Denominator - Excluded), in percent; nil when no one
// is left to count.
type QualityFigures struct {
	ClinicianID string         `json:"clinicianId"` // "" the clinic
	Denominator int            `json:"denominator"`
	Met         int            `json:"met"` // the numerator
	NotMet      int            `json:"notMet"`
	Excluded    int            `json:"excluded"`
	Rate        *float64       `json:"rate"`
	Trend       []QualityPoint `json:"trend"` // the dashboard's Months
}

// QualityPoint is a month of the trend.
type QualityPoint struct {
	Month       string   `json:"month"`
	Denominator int      `json:"denominator"`
	Met         int      `json:"met"`
	Excluded    int      `json:"excluded"`
	Rate        *float64 `json:"rate"`
}

// QualityPatientFilter chooses the patients behind a figure.
type QualityPatientFilter struct {
	MeasureID string `json:"measureId"`
	// ClinicianID: "" the whole clinic, "none" the patients with no primary
	// clinician, or a clinician's id.
	ClinicianID string `json:"clinicianId"`
	Status      string `json:"status"` // met, not_met, excluded, or "" all
	Limit       int    `json:"limit"`  // 0: 100; at most 500
	Offset      int    `json:"offset"`
}

// QualityPatientPage is a page of a figure's patients.
type QualityPatientPage struct {
	Rows  []QualityPatient `json:"rows"`
	Total int              `json:"total"`
}

// QualityPatient is a patient behind a figure, and why they stand so.
type QualityPatient struct {
	PatientID  string `json:"patientId"`
	MRN        string `json:"mrn"`
	FamilyName string `json:"familyName"`
	GivenNames string `json:"givenNames"`
	BirthDate  string `json:"birthDate"`
	Age        string `json:"age"`
	Sex        string `json:"sex"`
	Clinician  string `json:"clinician"`
	Status     string `json:"status"`
	Why        string `json:"why"`
}

// noClinician names, in a filter, the patients with no primary clinician.
const noClinician = "none"

// Dashboard gives every measure's figures today, for the clinic and by
// primary clinician, with the 12 months before.
func (s *Quality) Dashboard() (QualityDashboard, error) {
	var out QualityDashboard
	err := s.app.look(s.session, permQuality, func(o *op) error {
		var err error
		if out, err = o.qualityDashboard(); err != nil {
			return err
		}
		return o.audit("quality.dashboard", "", "", fmt.Sprintf("%d measures, %d clinicians", len(out.Measures),
			len(out.Clinicians)))
	})
	return answer(out, err)
}

// DashboardCSV is the dashboard's figures as CSV: a line per measure and
// clinician (the clinic first), with this month's and the trend's rates.
func (s *Quality) DashboardCSV() (string, error) {
	var out string
	err := s.app.look(s.session, permQuality, func(o *op) error {
		d, err := o.qualityDashboard()
		if err != nil {
			return err
		}
		head := []string{"Measure", "CMS id", "Clinician", "Denominator", "Numerator", "Not met", "Exclusions",
			"Rate % " + d.AsOf}
		for _, m := range d.Months[:len(d.Months)-1] {
			head = append(head, "Rate % "+m)
		}
		lines := [][]string{head}
		for _, m := range d.Measures {
			figures := append([]QualityFigures{m.Clinic}, m.Clinicians...)
			names := append([]string{"Whole clinic"}, clinicianNames(d.Clinicians)...)
			for i, f := range figures {
				line := []string{m.Title, m.CMS, names[i], strconv.Itoa(f.Denominator), strconv.Itoa(f.Met),
					strconv.Itoa(f.NotMet), strconv.Itoa(f.Excluded), rateText(f.Rate)}
				for _, p := range f.Trend[:len(f.Trend)-1] {
					line = append(line, rateText(p.Rate))
				}
				lines = append(lines, line)
			}
		}
		if out, err = csvText(lines); err != nil {
			return err
		}
		return o.audit("quality.export", "", "", fmt.Sprintf("dashboard, %d measures", len(d.Measures)))
	})
	return answer(out, err)
}

// Patients lists the patients behind a figure, in name order, with why
// each stands as they do.
func (s *Quality) Patients(f QualityPatientFilter) (QualityPatientPage, error) {
	var out QualityPatientPage
	err := s.app.look(s.session, permQuality, func(o *op) error {
		q, err := qualityFilter(f, 100, 500)
		if err != nil {
			return err
		}
		if out, err = o.qualityPatients(q); err != nil {
			return err
		}
		return o.audit("quality.patients", "", "", fmt.Sprintf("%s clinician %q %s: %d of %d patients", f.MeasureID,
			f.ClinicianID, f.Status, len(out.Rows), out.Total))
	})
	return answer(out, err)
}

// PatientsCSV is the patients behind a figure (up to 10,000) as CSV.
func (s *Quality) PatientsCSV(f QualityPatientFilter) (string, error) {
	var out string
	err := s.app.look(s.session, permQuality, func(o *op) error {
		f.Limit, f.Offset = 10000, 0
		q, err := qualityFilter(f, 10000, 10000)
		if err != nil {
			return err
		}
		page, err := o.qualityPatients(q)
		if err != nil {
			return err
		}
		m := quality.ByID(f.MeasureID)
		lines := [][]string{{"Patient", "MRN", "Date of birth", "Sex", "Primary clinician", "Measure", "Status", "Why"}}
		for _, p := range page.Rows {
			lines = append(lines, []string{p.FamilyName + ", " + p.GivenNames, p.MRN, p.BirthDate, p.Sex, p.Clinician,
				m.CMS + " " + m.Title, qualityStatusText(m, p.Status), p.Why})
		}
		if out, err = csvText(lines); err != nil {
			return err
		}
		return o.audit("quality.export", "", "", fmt.Sprintf("%s clinician %q %s: %d patients", f.MeasureID,
			f.ClinicianID, f.Status, len(page.Rows)))
	})
	return answer(out, err)
}

// qualityFilter checks the screen's filter and turns it into the list's.
func qualityFilter(f QualityPatientFilter, limit, most int) (db.QualityFilter, error) {
	fields := fieldErrors{}
	if quality.ByID(f.MeasureID) == nil {
		fields.add("measureId", "Folio has no such quality measure.")
	}
	if !slices.Contains([]string{"", string(quality.Met), string(quality.NotMet), string(quality.Excluded)}, f.Status) {
		fields.add("status", "Choose met, not met or excluded.")
	}
	if f.Offset < 0 || f.Limit < 0 {
		fields.add("offset", "Give the page as numbers from 0.")
	}
	if err := fields.err(); err != nil {
		return db.QualityFilter{}, err
	}
	q := db.QualityFilter{MeasureID: f.MeasureID, ClinicianID: f.ClinicianID, AnyClinician: f.ClinicianID == "",
		Status: f.Status, Limit: f.Limit, Offset: f.Offset}
	if f.ClinicianID == noClinician {
		q.ClinicianID = ""
	}
	if q.Limit == 0 {
		q.Limit = limit
	}
	q.Limit = min(q.Limit, most)
	return q, nil
}

func (o *op) qualityPatients(f db.QualityFilter) (QualityPatientPage, error) {
	rows, total, err := o.QualityPatients(f)
	if err != nil {
		return QualityPatientPage{}, err
	}
	names, err := o.clinicianNames()
	if err != nil {
		return QualityPatientPage{}, err
	}
	out := QualityPatientPage{Rows: make([]QualityPatient, len(rows)), Total: total}
	for i, r := range rows {
		out.Rows[i] = QualityPatient{PatientID: r.PatientID, MRN: r.MRN, FamilyName: r.FamilyName,
			GivenNames: r.GivenNames, BirthDate: r.BirthDate, Age: Age(r.BirthDate, o.now), Sex: r.Sex,
			Clinician: names[r.ClinicianID], Status: r.Status, Why: r.Why}
	}
	return out, nil
}

// clinicianNames names every user by id (a primary clinician since
// disabled keeps their name), and "" as no primary clinician.
func (o *op) clinicianNames() (map[string]string, error) {
	users, err := o.Users()
	if err != nil {
		return nil, err
	}
	names := map[string]string{"": "No primary clinician"}
	for _, u := range users {
		names[u.ID] = u.FullName
	}
	return names, nil
}

// qualityDashboard counts today's figures from the kept standings and reads
// the trend's months.
func (o *op) qualityDashboard() (QualityDashboard, error) {
	today := o.now.In(time.Local)
	months, _ := quality.TrendMonths(today)
	slices.Reverse(months)
	d := QualityDashboard{AsOf: today.Format("2006-01-02"), Months: append(months, today.Format("2006-01"))}
	state, _, err := o.Setting(careListState)
	if err != nil {
		return d, err
	}
	d.Ready = state != ""
	counts, err := o.QualityCounts()
	if err != nil {
		return d, err
	}
	trend, err := o.QualityMonths()
	if err != nil {
		return d, err
	}
	names, err := o.clinicianNames()
	if err != nil {
		return d, err
	}
	// The columns: the active clinicians, then anyone else with patients
	// counted (a clinician since disabled, no primary clinician).
	active, err := o.Tx.Clinicians()
	if err != nil {
		return d, err
	}
	column := map[string]int{}
	addColumn := func(id string) {
		if _, ok := column[id]; ok {
			return
		}
		column[id] = len(d.Clinicians)
		c := QualityClinician{ID: id, Name: names[id]}
		if id == "" {
			c.ID = noClinician
		}
		d.Clinicians = append(d.Clinicians, c)
	}
	for _, u := range active {
		addColumn(u.ID)
	}
	for _, c := range counts {
		addColumn(c.ClinicianID)
	}
	month := map[string]int{}
	for i, m := range d.Months {
		month[m] = i
	}
	for _, m := range quality.Measures() {
		qm := QualityMeasure{ID: m.ID, CMS: m.CMS, Title: m.Title, Inverse: m.Inverse, Source: m.Source,
			Simplified: m.Simplified, Clinic: newFigures("", d.Months), Clinicians: make([]QualityFigures, len(d.Clinicians))}
		for i, c := range d.Clinicians {
			qm.Clinicians[i] = newFigures(c.ID, d.Months)
		}
		for _, c := range counts {
			if c.MeasureID != m.ID {
				continue
			}
			for _, f := range []*QualityFigures{&qm.Clinic, &qm.Clinicians[column[c.ClinicianID]]} {
				f.Denominator += c.Patients
				switch quality.Status(c.Status) {
				case quality.Met:
					f.Met += c.Patients
				case quality.NotMet:
					f.NotMet += c.Patients
				case quality.Excluded:
					f.Excluded += c.Patients
				}
			}
		}
		for _, t := range trend {
			k, ok := month[t.Month]
			if t.MeasureID != m.ID || !ok {
				continue
			}
			figures := []*QualityFigures{&qm.Clinic}
			// A clinician with no patients today has no column: their past
			// months count for the clinic only.
			if i, ok := column[t.ClinicianID]; ok {
				figures = append(figures, &qm.Clinicians[i])
			}
			for _, f := range figures {
				p := &f.Trend[k]
				p.Denominator, p.Met, p.Excluded = p.Denominator+t.Denominator, p.Met+t.Met, p.Excluded+t.Excluded
			}
		}
		for _, f := range append([]*QualityFigures{&qm.Clinic}, pointers(qm.Clinicians)...) {
			f.Rate = rate(f.Met, f.Denominator-f.Excluded)
			now := &f.Trend[len(f.Trend)-1]
			now.Denominator, now.Met, now.Excluded = f.Denominator, f.Met, f.Excluded
			for i := range f.Trend {
				f.Trend[i].Rate = rate(f.Trend[i].Met, f.Trend[i].Denominator-f.Trend[i].Excluded)
			}
		}
		d.Measures = append(d.Measures, qm)
	}
	return d, nil
}

func newFigures(clinicianID string, months []string) QualityFigures {
	f := QualityFigures{ClinicianID: clinicianID, Trend: make([]QualityPoint, len(months))}
	for i, m := range months {
		f.Trend[i].Month = m
	}
	return f
}

func pointers(fs []QualityFigures) []*QualityFigures {
	out := make([]*QualityFigures, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	return out
}

func rate(met, of int) *float64 {
	if of <= 0 {
		return nil
	}
	r := float64(met) * 100 / float64(of)
	return &r
}

func rateText(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', 1, 64)
}

func clinicianNames(cs []QualityClinician) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// qualityStatusText is a status in the clinician's words: for an inverse
// measure the numerator is the poor outcome.
func qualityStatusText(m *quality.Measure, status string) string {
	switch {
	case status == string(quality.Excluded):
		return "excluded"
	case m.Inverse && status == string(quality.Met):
		return "in numerator (poor control)"
	case m.Inverse:
		return "not in numerator"
	case status == string(quality.Met):
		return "met"
	}
	return "not met"
}

// qualityFacts adds to the care rules' facts what the measures also read:
// the results and blood pressures of the trend's years, and the visits.
func (o *op) qualityFacts(p db.Patient, f care.Facts) (quality.Facts, error) {
	qf := quality.Facts{Facts: f}
	since := o.now.AddDate(0, -quality.HistoryMonths-1, 0)
	labs, err := o.LabsSince(p.ID, quality.LabCodes(), since)
	if err != nil {
		return qf, err
	}
	qf.Labs = slices.Clone(f.Labs)
	for _, l := range labs {
		qf.Labs = append(qf.Labs, care.Lab{LOINC: l.LOINC, On: localDay(l.ObservedAt), Value: l.Value})
	}
	bps, err := o.BloodPressuresSince(p.ID, o.now.AddDate(-2, -1, 0))
	if err != nil {
		return qf, err
	}
	qf.BPs = slices.Clone(f.BPs)
	for _, b := range bps {
		qf.BPs = append(qf.BPs, care.BP{On: localDay(b.TakenAt), Systolic: b.Systolic, Diastolic: b.Diastolic})
	}
	visits, err := o.VisitsSince(p.ID, o.now.AddDate(-2, -1, 0))
	if err != nil {
		return qf, err
	}
	for _, v := range visits {
		qf.Visits = append(qf.Visits, localDay(v))
	}
	return qf, nil
}

func localDay(t time.Time) string {
	return t.In(time.Local).Format("2006-01-02")
}

// qualityRows are the patient's standings with every measure whose
// denominator they are in today or in a month of the trend, by measure id.
func (o *op) qualityRows(p db.Patient, f quality.Facts) []db.QualityRow {
	if p.Status != db.PatientActive {
		return nil
	}
	today := o.now.In(time.Local)
	_, ends := quality.TrendMonths(today)
	var rows []db.QualityRow
	for _, m := range quality.Measures() {
		row := db.QualityRow{PatientID: p.ID, MeasureID: m.ID, ClinicianID: p.PrimaryClinicianID,
			TrendMonth: today.Format("2006-01")}
		for k, end := range ends {
			past, in := quality.Evaluate(&m, f, end)
			if !in {
				continue
			}
			row.DenominatorMask |= 1 << k
			switch past.Status {
			case quality.Met:
				row.MetMask |= 1 << k
			case quality.Excluded:
				row.ExcludedMask |= 1 << k
			}
		}
		now, in := quality.Evaluate(&m, f, today)
		if !in && row.DenominatorMask == 0 {
			continue
		}
		if !in {
			// In the trend only: kept for its months, out of today's counts.
			now = quality.Outcome{Status: quality.Status(db.QualityOut)}
		}
		row.Status, row.Why = string(now.Status), now.Why
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b db.QualityRow) int { return strings.Compare(a.MeasureID, b.MeasureID) })
	return rows
}

// qualityTrend sums the kept standings into the trend's months.
func (o *op) qualityTrend() ([]db.QualityMonth, error) {
	today := o.now.In(time.Local)
	months, _ := quality.TrendMonths(today)
	return o.QualityTrendSums(today.Format("2006-01"), months)
}
