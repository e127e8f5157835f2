package app

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// Remote monitoring (issue 14): a clinician enrols a patient, with their
// consent, in reading their home device at home against targets; the
// clinicians' Readings to review list brings up every enrolled patient
// with readings since their last review, most urgent first; a review is
// logged with its minutes, which the program counts per month beside the
// days with readings per 30-day period (the US billing thresholds).

// MonitoringTargets are what a patient's home readings are read against;
// nil is none.
type MonitoringTargets struct {
	SystolicBelow  *float64 `json:"systolicBelow"`  // mmHg: a BP at or above is out of target
	DiastolicBelow *float64 `json:"diastolicBelow"` // mmHg
	GlucoseLow     *float64 `json:"glucoseLow"`     // mg/dL
	GlucoseHigh    *float64 `json:"glucoseHigh"`    // mg/dL
	SpO2Low        *float64 `json:"spo2Low"`        // %
	WeightGainKg   *float64 `json:"weightGainKg"`   // in 7 days
}

// EnrolmentInput enrols a patient in remote monitoring. ConsentNote records
// the patient's consent (who agreed, how); it is required.
type EnrolmentInput struct {
	Device      string            `json:"device"`
	StartedOn   string            `json:"startedOn"` // YYYY-MM-DD; "" today
	Targets     MonitoringTargets `json:"targets"`
	ConsentNote string            `json:"consentNote"`
}

// Enrolment is a remote-monitoring enrolment as the chart shows it.
type Enrolment struct {
	db.Enrolment
	// TargetsText says the targets in words ("BP below 130/80; glucose
	// 80–180 mg/dL"); "" none.
	TargetsText   string `json:"targetsText"`
	ConsentByName string `json:"consentByName"`
	CreatedByName string `json:"createdByName"`
	UpdatedByName string `json:"updatedByName"`
}

const maxDeviceLength = 120

// check validates the targets, adding wrong ones to fields.
func (t MonitoringTargets) check(fields fieldErrors) {
	for _, c := range []struct {
		field    string
		value    *float64
		low, top float64
		words    string
	}{
		{"systolicBelow", t.SystolicBelow, 90, 200, "A systolic target is between 90 and 200 mmHg."},
		{"diastolicBelow", t.DiastolicBelow, 50, 120, "A diastolic target is between 50 and 120 mmHg."},
		{"glucoseLow", t.GlucoseLow, 40, 200, "A low glucose target is between 40 and 200 mg/dL."},
		{"glucoseHigh", t.GlucoseHigh, 80, 500, "A high glucose target is between 80 and 500 mg/dL."},
		{"spo2Low", t.SpO2Low, 70, 100, "An SpO2 target is between 70 and 100%."},
		{"weightGainKg", t.WeightGainKg, 0.5, 10, "A weight gain target is between 0.5 and 10 kg in 7 days."},
	} {
		if c.value != nil && (*c.value < c.low || *c.value > c.top) {
			fields.add(c.field, c.words)
		}
	}
	if t.GlucoseLow != nil && t.GlucoseHigh != nil && *t.GlucoseLow >= *t.GlucoseHigh {
		fields.add("glucoseHigh", "The high glucose target must be above the low one.")
	}
	if (t.SystolicBelow == nil) != (t.DiastolicBelow == nil) {
		field := "diastolicBelow"
		if t.SystolicBelow == nil {
			field = "systolicBelow"
		}
		fields.add(field, "Give both numbers of a BP target (e.g. 130/80).")
	}
}

func (t MonitoringTargets) setOn(e *db.Enrolment) {
	e.SystolicBelow, e.DiastolicBelow, e.GlucoseLow, e.GlucoseHigh, e.SpO2Low, e.WeightGainKg =
		t.SystolicBelow, t.DiastolicBelow, t.GlucoseLow, t.GlucoseHigh, t.SpO2Low, t.WeightGainKg
}

func (o *op) enrolmentView(e db.Enrolment) (Enrolment, error) {
	names, err := o.userNames()
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Enrolment: e, TargetsText: targetsText(e), ConsentByName: names[e.ConsentBy],
		CreatedByName: names[e.CreatedBy], UpdatedByName: names[e.UpdatedBy]}, nil
}

// EnrolMonitoring enrols the patient in remote monitoring with targets,
// recording their consent (required). A patient has one active enrolment.
func (s *Chart) EnrolMonitoring(patientID string, in EnrolmentInput) (Enrolment, error) {
	var out Enrolment
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		in.Device, in.ConsentNote, in.StartedOn = strings.TrimSpace(in.Device), strings.TrimSpace(in.ConsentNote),
			strings.TrimSpace(in.StartedOn)
		today := o.now.In(time.Local).Format("2006-01-02")
		in.StartedOn = cmp.Or(in.StartedOn, today)
		fields := fieldErrors{}
		if in.ConsentNote == "" {
			fields.add("consentNote", "Record the patient's consent: who agreed and how (e.g. verbal consent from the patient).")
		} else if utf8.RuneCountInString(in.ConsentNote) > maxClinicalNoteLength {
			fields.add("consentNote", fmt.Sprintf("Keep it to %d characters.", maxClinicalNoteLength))
		}
		if utf8.RuneCountInString(in.Device) > maxDeviceLength {
			fields.add("device", fmt.Sprintf("Keep it to %d characters.", maxDeviceLength))
		}
		if day, err := time.Parse("2006-01-02", in.StartedOn); err != nil {
			fields.add("startedOn", "Enter the day it starts as YYYY-MM-DD.")
		} else if day.After(o.now.AddDate(0, 3, 0)) || day.Before(o.now.AddDate(-5, 0, 0)) {
			fields.add("startedOn", "Choose a day between 5 years ago and 3 months from now.")
		}
		in.Targets.check(fields)
		if err := fields.err(); err != nil {
			return err
		}
		if _, err := o.ActiveEnrolment(p.ID); err == nil {
			return errorf(Conflict, "This patient is already enrolled in remote monitoring: change its targets, or end it first.")
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		row := db.Enrolment{ID: newID(), PatientID: p.ID, Device: in.Device, StartedOn: in.StartedOn,
			ConsentAt: o.now, ConsentBy: o.actor.userID, ConsentNote: in.ConsentNote, Status: db.EnrolmentActive,
			Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		in.Targets.setOn(&row)
		if err := o.InsertEnrolment(row); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return errorf(Conflict, "This patient was enrolled meanwhile: read the chart again.")
			}
			return err
		}
		if out, err = o.enrolmentView(row); err != nil {
			return err
		}
		return o.audit("monitoring.enrol", p.ID, "rpm_enrolment/"+row.ID,
			fmt.Sprintf("%s from %s; %s; consent: %s", cmp.Or(row.Device, "device not named"), row.StartedOn,
				cmp.Or(out.TargetsText, "no targets"), row.ConsentNote))
	})
	return out, err
}

// UpdateMonitoringTargets changes an active enrolment's targets (and its
// device's name); version is the one the clinician saw. The replaced
// version is kept.
func (s *Chart) UpdateMonitoringTargets(id string, device string, targets MonitoringTargets, version int) (Enrolment, error) {
	var out Enrolment
	err := s.app.act(s.session, permClinical, func(o *op) error {
		old, err := o.EnrolmentByID(id)
		if err != nil {
			return err
		}
		device = strings.TrimSpace(device)
		fields := fieldErrors{}
		if utf8.RuneCountInString(device) > maxDeviceLength {
			fields.add("device", fmt.Sprintf("Keep it to %d characters.", maxDeviceLength))
		}
		targets.check(fields)
		if err := fields.err(); err != nil {
			return err
		}
		if old.Status != db.EnrolmentActive {
			return errorf(Conflict, "This enrolment has ended; enrol the patient again to set new targets.")
		}
		if err := o.checkRetractable("this enrolment", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Device = device
		targets.setOn(&next)
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateEnrolment(next, "targets changed")
		if err != nil {
			return err
		}
		if out, err = o.enrolmentView(saved); err != nil {
			return err
		}
		return o.audit("monitoring.targets", saved.PatientID, "rpm_enrolment/"+id,
			fmt.Sprintf("version %d; %s (was %s)", saved.Version, cmp.Or(out.TargetsText, "no targets"),
				cmp.Or(targetsText(old), "no targets")))
	})
	return out, err
}

// EndMonitoring ends an active enrolment, saying why (required). Its
// readings and reviews stay in the chart.
func (s *Chart) EndMonitoring(id, reason string) (Enrolment, error) {
	var out Enrolment
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why monitoring ends (e.g. blood pressure controlled).").err(); err != nil {
			return err
		}
		old, err := o.EnrolmentByID(id)
		if err != nil {
			return err
		}
		if _, err := o.chartPatient(old.PatientID); err != nil {
			return err
		}
		if old.Status != db.EnrolmentActive {
			return errorf(Conflict, "This enrolment already ended on %s.", old.EndedOn)
		}
		next := old
		next.Status, next.EndReason, next.EndedOn = db.EnrolmentEnded, reason, o.now.In(time.Local).Format("2006-01-02")
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateEnrolment(next, reason)
		if err != nil {
			return err
		}
		if out, err = o.enrolmentView(saved); err != nil {
			return err
		}
		return o.audit("monitoring.end", saved.PatientID, "rpm_enrolment/"+id, reason)
	})
	return out, err
}

// MonitoringProgram is a patient's remote monitoring as the chart's
// Monitoring panel shows it.
type MonitoringProgram struct {
	// Active is the enrolment in force, nil when none.
	Active     *Enrolment  `json:"active"`
	Enrolments []Enrolment `json:"enrolments"` // every one, the latest first
	// Periods are the 30-day periods of the active (or latest) enrolment,
	// the latest first, with their days with readings.
	Periods []MonitoringPeriod `json:"periods"`
	// Months are the review minutes per calendar month, the latest first.
	Months  []MonitoringMonth  `json:"months"`
	Reviews []db.ReadingReview `json:"reviews"`
	// NewReadings counts the readings added since the last review.
	NewReadings   int    `json:"newReadings"`
	DaysSource    string `json:"daysSource"`
	MinutesSource string `json:"minutesSource"`
	DaysNeeded    int    `json:"daysNeeded"`
	MinutesNeeded int    `json:"minutesNeeded"`
}

// Monitoring reads the patient's remote-monitoring program: enrolments,
// the days with readings per 30-day period, and review time per month.
func (s *Chart) Monitoring(patientID string) (MonitoringProgram, error) {
	var out MonitoringProgram
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		if out, err = o.monitoringProgram(p); err != nil {
			return err
		}
		return o.audit("monitoring.read", p.ID, "patient/"+p.ID, fmt.Sprintf("%d enrolments", len(out.Enrolments)))
	})
	return answer(out, err)
}

func (o *op) monitoringProgram(p db.Patient) (MonitoringProgram, error) {
	out := MonitoringProgram{Enrolments: []Enrolment{}, Periods: []MonitoringPeriod{}, DaysSource: DaysSource,
		MinutesSource: MinutesSource, DaysNeeded: DaysThreshold, MinutesNeeded: MinutesThreshold}
	rows, err := o.Enrolments(p.ID)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		v, err := o.enrolmentView(r)
		if err != nil {
			return out, err
		}
		out.Enrolments = append(out.Enrolments, v)
		if r.Status == db.EnrolmentActive {
			out.Active = &out.Enrolments[len(out.Enrolments)-1]
		}
	}
	if out.Reviews, err = o.ReadingReviews(p.ID); err != nil {
		return out, err
	}
	out.Months = reviewMonths(out.Reviews)
	var through time.Time
	if len(out.Reviews) > 0 {
		through = out.Reviews[0].ThroughAt
	}
	latest := firstCounted(rows)
	if latest == nil {
		return out, nil
	}
	start, _ := time.Parse("2006-01-02", latest.StartedOn)
	readings, err := o.ShownHomeReadings(p.ID, start.AddDate(0, 0, -1), time.Time{})
	if err != nil {
		return out, err
	}
	days := map[string]bool{}
	for _, r := range readings {
		if r.Status != "final" {
			continue
		}
		day, _ := readingDay(r)
		days[day] = true
		if r.CreatedAt.After(through) {
			out.NewReadings++
		}
	}
	today := o.now.In(time.Local).Format("2006-01-02")
	out.Periods = monitoringPeriods(latest.StartedOn, cmp.Or(latest.EndedOn, today), today, days)
	slices.Reverse(out.Periods)
	return out, nil
}

// firstCounted is the enrolment whose periods are counted: the active one,
// else the latest that ended (not one entered in error); nil none.
func firstCounted(rows []db.Enrolment) *db.Enrolment {
	for i := range rows {
		if rows[i].Status == db.EnrolmentActive {
			return &rows[i]
		}
	}
	for i := range rows {
		if rows[i].Status == db.EnrolmentEnded {
			return &rows[i]
		}
	}
	return nil
}

// maxReviewMinutes is the schema's bound on one review's minutes.
const maxReviewMinutes = 600

// ReviewReadings records that the clinician reviewed the patient's home
// readings, through the newest one in the chart, taking minutes (logged
// for the program's month) with an optional note. The patient leaves the
// Readings to review list until a newer reading comes in.
func (s *Chart) ReviewReadings(patientID string, minutes int, note string) (db.ReadingReview, error) {
	var out db.ReadingReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		note = strings.TrimSpace(note)
		fields := fieldErrors{}
		if minutes < 0 || minutes > maxReviewMinutes {
			fields.add("minutes", fmt.Sprintf("Enter the minutes the review took, 0 to %d.", maxReviewMinutes))
		}
		if utf8.RuneCountInString(note) > maxClinicalNoteLength {
			fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxClinicalNoteLength))
		}
		if err := fields.err(); err != nil {
			return err
		}
		through, err := o.NewestReadingAdded(p.ID)
		if err != nil {
			return err
		}
		if through.IsZero() {
			return errorf(Invalid, "This patient has no home readings to review yet.")
		}
		enrolment, err := o.ActiveEnrolment(p.ID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		reviewer, err := o.UserByID(o.actor.userID)
		if err != nil {
			return fmt.Errorf("read reviewer: %w", err)
		}
		out = db.ReadingReview{ID: newID(), PatientID: p.ID, EnrolmentID: enrolment.ID, ThroughAt: through,
			Minutes: minutes, Note: note, ReviewedAt: o.now, ReviewedBy: o.actor.userID, ReviewerName: reviewer.FullName}
		if err := o.InsertReadingReview(out); err != nil {
			return err
		}
		return o.audit("readings.review", p.ID, "reading_review/"+out.ID,
			fmt.Sprintf("through %s; %d minutes; %s", through.Format(time.RFC3339), minutes, note))
	})
	return out, err
}

// ReadingsToReviewItem is one patient on the Readings to review list.
type ReadingsToReviewItem struct {
	PatientID   string `json:"patientId"`
	PatientName string `json:"patientName"`
	MRN         string `json:"mrn"`
	Device      string `json:"device"`
	TargetsText string `json:"targetsText"`
	NewReadings int    `json:"newReadings"`
	OutOfTarget int    `json:"outOfTarget"`
	// Flags are the out-of-target readings' flags, most urgent first (up
	// to maxListedFlags).
	Flags []string `json:"flags"`
	// Latest is the newest new reading of each kind.
	Latest       []HomeReadingView `json:"latest"`
	LastReviewAt string            `json:"lastReviewAt"` // RFC 3339; "" never
	LastReviewer string            `json:"lastReviewer"`
	// peaks are what the urgency is computed from, and urgency is it as of
	// the list's reading (readings_to_review.go).
	peaks   urgencyPeaks
	urgency float64
}

const maxListedFlags = 3

// ReadingsToReview lists the enrolled patients with home readings added
// since their last review: those with out-of-target readings first, by how
// far out and how recent, then by how many new readings. It reads the
// list as kept (readings_to_review.go). Reading it is audited on each
// patient's chart listed.
func (s *Chart) ReadingsToReview() ([]ReadingsToReviewItem, error) {
	out := []ReadingsToReviewItem{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		rows, err := o.ReviewRows()
		if err != nil {
			return err
		}
		for _, r := range rows {
			item, err := reviewItemOf(r, o.now)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		sortReviewItems(out)
		for _, item := range out {
			if err := o.audit("readings.review_list", item.PatientID, "patient/"+item.PatientID,
				fmt.Sprintf("%d new readings, %d out of target", item.NewReadings, item.OutOfTarget)); err != nil {
				return err
			}
		}
		return nil
	})
	return answer(out, err)
}

// recencyDays is how fast an out-of-target reading's urgency fades: one
// a week old counts half as much as one today.
const recencyDays = 7.0

// reviewItem reads a candidate's new readings against its targets: what
// the patient's row of the list keeps.
func (o *op) reviewItem(c db.ReviewCandidate) (ReadingsToReviewItem, error) {
	item := ReadingsToReviewItem{PatientID: c.Enrolment.PatientID, PatientName: c.PatientName, MRN: c.MRN,
		Device: c.Enrolment.Device, TargetsText: targetsText(c.Enrolment), NewReadings: len(c.New),
		Flags: []string{}, Latest: []HomeReadingView{}}
	if !c.LastReviewAt.IsZero() {
		item.LastReviewAt, item.LastReviewer = instant(c.LastReviewAt), c.LastReviewer
	}
	readings := c.New
	// A weight gain is read against the weights of the week before the
	// first new reading.
	if c.Enrolment.WeightGainKg != nil && len(c.New) > 0 && slices.ContainsFunc(c.New, func(r db.HomeReading) bool { return r.Kind == "weight" }) {
		first := c.New[0].TakenAt
		before, err := o.ShownHomeReadings(c.Enrolment.PatientID, first.Add(-weightGainDays*24*time.Hour), first)
		if err != nil {
			return item, err
		}
		var earlier []db.HomeReading
		for _, r := range before {
			if r.Kind == "weight" {
				earlier = append(earlier, r)
			}
		}
		readings = append(earlier, c.New...)
		slices.SortStableFunc(readings, func(a, b db.HomeReading) int { return a.TakenAt.Compare(b.TakenAt) })
	}
	views := flagReadings(readings, &c.Enrolment)
	var flagged []HomeReadingView
	latest := map[string]int{}
	for _, v := range views {
		if v.CreatedAt.After(c.LastThrough) {
			if v.Flag != "" {
				flagged = append(flagged, v)
			}
			if i, ok := latest[v.Kind]; ok {
				item.Latest[i] = v
			} else {
				latest[v.Kind] = len(item.Latest)
				item.Latest = append(item.Latest, v)
			}
		}
	}
	item.OutOfTarget = len(flagged)
	item.peaks = peaksOf(flagged)
	item.urgency = item.peaks.at(o.now)
	slices.SortStableFunc(flagged, func(a, b HomeReadingView) int { return cmp.Compare(b.outBy, a.outBy) })
	for i := 0; i < len(flagged) && i < maxListedFlags; i++ {
		item.Flags = append(item.Flags, flagged[i].Flag)
	}
	return item, nil
}

// HomeReadingsSummary is a patient's home readings for the chart: those
// of the months from a year ago, flagged against the targets, with 7- and
// 30-day averages.
type HomeReadingsSummary struct {
	Enrolment *Enrolment `json:"enrolment"`
	// Readings are the readings in force ([]HomeReadingView), oldest
	// first, as kept (home_reading_months.go); Count says how many.
	Readings       json.RawMessage `json:"readings"`
	Count          int             `json:"count"`
	Last7          ReadingAverages `json:"last7"`
	Last30         ReadingAverages `json:"last30"`
	PeriodsDefined string          `json:"periodsDefined"`
}

// HomeReadingsSummary reads the patient's home readings of the last year
// for the chart, with their flags and averages.
func (s *Chart) HomeReadingsSummary(patientID string) (HomeReadingsSummary, error) {
	var out HomeReadingsSummary
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		if out, err = o.homeReadingsSummary(p); err != nil {
			return err
		}
		return o.audit("readings.read", p.ID, "patient/"+p.ID, fmt.Sprintf("%d home readings", out.Count))
	})
	return answer(out, err)
}

func (o *op) homeReadingsSummary(p db.Patient) (HomeReadingsSummary, error) {
	out := HomeReadingsSummary{PeriodsDefined: PeriodsDefined}
	enrolment, err := o.ActiveEnrolment(p.ID)
	var targets *db.Enrolment
	switch {
	case err == nil:
		v, err := o.enrolmentView(enrolment)
		if err != nil {
			return out, err
		}
		out.Enrolment, targets = &v, &enrolment
	case !errors.Is(err, db.ErrNotFound):
		return out, err
	}
	if out.Readings, out.Count, err = o.chartReadings(p.ID, targets); err != nil {
		return out, err
	}
	// The averages from the last 30 days' readings, read with the week
	// before (a weight gain's flag) and a day's margin (the device's clock
	// is not the clinic's).
	today := o.now.In(time.Local)
	month := today.AddDate(0, 0, -29)
	views, err := o.homeReadingViews(p.ID, month.AddDate(0, 0, -weightGainDays-1), targets)
	if err != nil {
		return out, err
	}
	out.Last7 = averagesOf(views, today.AddDate(0, 0, -6).Format("2006-01-02"), "")
	out.Last30 = averagesOf(views, month.Format("2006-01-02"), "")
	return out, nil
}

// homeReadingViews reads the patient's readings in force taken from since,
// flagged against targets (nil: none).
func (o *op) homeReadingViews(patientID string, since time.Time, targets *db.Enrolment) ([]HomeReadingView, error) {
	rows, err := o.ShownHomeReadings(patientID, since, time.Time{})
	if err != nil {
		return nil, err
	}
	return flagReadings(rows, targets), nil
}

// HomeReadingsSince is the chart summary's "Home readings since the last
// visit": their count, averages and how many were out of target, and the
// line a visit note can take.
type HomeReadingsSince struct {
	Since    string          `json:"since"` // YYYY-MM-DD
	Averages ReadingAverages `json:"averages"`
	NoteLine string          `json:"noteLine"`
}

// homeReadingsSince summarises the readings since the last visit (or the
// last 30 days without one); nil when there are none.
func (o *op) homeReadingsSince(p db.Patient, lastVisit string) (*HomeReadingsSince, error) {
	since := o.now.In(time.Local).AddDate(0, 0, -29)
	if t, err := time.Parse(time.RFC3339, lastVisit); err == nil {
		since = t.In(time.Local)
	}
	day := since.Format("2006-01-02")
	start, _ := time.ParseInLocation("2006-01-02", day, time.Local)
	// A day's margin: the device's clock is not the clinic's.
	rows, err := o.ShownHomeReadings(p.ID, start.Add(-24*time.Hour), time.Time{})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var targets *db.Enrolment
	if e, err := o.ActiveEnrolment(p.ID); err == nil {
		targets = &e
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	// The week before counts for a weight gain.
	views, err := o.homeReadingViews(p.ID, start.AddDate(0, 0, -weightGainDays-1), targets)
	if err != nil {
		return nil, err
	}
	a := averagesOf(views, day, "")
	if a.Count == 0 {
		return nil, nil
	}
	return &HomeReadingsSince{Since: day, Averages: a, NoteLine: homeBPLine(a, views, targets)}, nil
}

// MonitoringReport is a patient's monthly remote-monitoring report, for
// printing.
type MonitoringReport struct {
	Clinic         ClinicContact       `json:"clinic"`
	Patient        PrescriptionPatient `json:"patient"`
	Month          string              `json:"month"` // YYYY-MM
	Enrolment      *Enrolment          `json:"enrolment"`
	Averages       ReadingAverages     `json:"averages"`
	Periods        []MonitoringPeriod  `json:"periods"` // those overlapping the month
	OutOfTarget    []HomeReadingView   `json:"outOfTarget"`
	Review         MonitoringMonth     `json:"review"`
	Reviews        []db.ReadingReview  `json:"reviews"` // the month's, the latest first
	DaysSource     string              `json:"daysSource"`
	MinutesSource  string              `json:"minutesSource"`
	PeriodsDefined string              `json:"periodsDefined"`
	PrintedAt      string              `json:"printedAt"`
	PrintedBy      string              `json:"printedBy"`
}

// MonitoringReport reads the patient's remote-monitoring report for a
// calendar month (YYYY-MM; "" this month), audited as printed.
func (s *Chart) MonitoringReport(patientID, month string) (MonitoringReport, error) {
	var out MonitoringReport
	err := s.app.look(s.session, permClinical, func(o *op) error {
		month = cmp.Or(strings.TrimSpace(month), o.now.In(time.Local).Format("2006-01"))
		first, err := time.ParseInLocation("2006-01", month, time.Local)
		if err != nil {
			return fieldErrors{"month": "Choose a month as YYYY-MM."}.err()
		}
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		program, err := o.monitoringProgram(p)
		if err != nil {
			return err
		}
		out = MonitoringReport{Month: month, Periods: []MonitoringPeriod{}, OutOfTarget: []HomeReadingView{},
			Reviews: []db.ReadingReview{}, Review: MonitoringMonth{Month: month, Reviewers: []string{}},
			DaysSource: DaysSource, MinutesSource: MinutesSource, PeriodsDefined: PeriodsDefined,
			PrintedAt: o.now.Format(time.RFC3339),
			Patient: PrescriptionPatient{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyName), MRN: p.MRN,
				BirthDate: p.BirthDate, Address: postalAddress(p)}}
		if out.Clinic.Name, _, err = o.Setting(settingClinicName); err != nil {
			return err
		}
		if out.Clinic.Address, out.Clinic.Phone, err = o.clinicContact(); err != nil {
			return err
		}
		printer, err := o.UserByID(o.actor.userID)
		if err != nil {
			return fmt.Errorf("read who prints: %w", err)
		}
		out.PrintedBy = printer.FullName
		var targets *db.Enrolment
		if program.Active != nil {
			out.Enrolment, targets = program.Active, &program.Active.Enrolment
		} else if len(program.Enrolments) > 0 {
			out.Enrolment = &program.Enrolments[0]
			targets = &program.Enrolments[0].Enrolment
		}
		from, last := first.Format("2006-01-02"), first.AddDate(0, 1, -1).Format("2006-01-02")
		views, err := o.homeReadingViews(p.ID, first.AddDate(0, 0, -weightGainDays-1), targets)
		if err != nil {
			return err
		}
		out.Averages = averagesOf(views, from, last)
		for _, v := range views {
			if v.Flag != "" && v.Day >= from && v.Day <= last {
				out.OutOfTarget = append(out.OutOfTarget, v)
			}
		}
		for _, period := range program.Periods {
			if period.From <= last && period.To >= from {
				out.Periods = append(out.Periods, period)
			}
		}
		slices.Reverse(out.Periods)
		for _, r := range program.Reviews {
			if r.ReviewedAt.In(time.Local).Format("2006-01") == month {
				out.Reviews = append(out.Reviews, r)
			}
		}
		if months := reviewMonths(out.Reviews); len(months) == 1 {
			out.Review = months[0]
		}
		return o.audit("monitoring.report", p.ID, "patient/"+p.ID, month)
	})
	return answer(out, err)
}

// lastSignedVisit is when the latest signed visit of encounters (newest
// first) started, RFC 3339; "" none.
func lastSignedVisit(encounters []EncounterSummary) string {
	for _, e := range encounters {
		if e.Status == db.EncounterSigned {
			return e.StartedAt
		}
	}
	return ""
}
