package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// mergeVisitType is the "Consultation" type every new clinic has.
const mergeVisitType = "00000000-0000-7000-8000-000000000001"

// mergePair registers a chart and a second, mistyped chart of the same
// person with two appointments, and returns both as they now are.
func mergePair(t *testing.T, ta *testApp) (survivor, duplicate app.Patient, appts []app.Appointment) {
	t.Helper()
	survivor = ta.register(t, samplePatient())
	dup := samplePatient()
	dup.FamilyName, dup.Phone, dup.Email = "Rievra", "608-555-0199", "ana@example.com"
	duplicate = ta.register(t, dup)
	day := ta.Clock.Now().AddDate(0, 0, 1).Format("2006-01-02")
	for _, hhmm := range []string{"09:00", "11:00"} {
		res, err := ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: duplicate.ID, ClinicianID: ta.Clinician.User.ID,
			TypeID: mergeVisitType, Start: day + "T" + hhmm})
		if err != nil {
			t.Fatalf("book: %v", err)
		}
		appts = append(appts, res.Appointments...)
	}
	return survivor, duplicate, appts
}

func TestMerge(t *testing.T) {
	ta := newTestApp(t)
	survivor, duplicate, appts := mergePair(t, ta)
	ta.Clock.Advance(time.Minute)

	preview, err := ta.Admin.Patients.MergePreview(survivor.MRN, duplicate.ID) // an MRN or an id
	if err != nil {
		t.Fatal(err)
	}
	if preview.Survivor.Patient != survivor || preview.Duplicate.Patient != duplicate ||
		preview.Survivor.Appointments != 0 || preview.Duplicate.Appointments != 2 {
		t.Errorf("preview = %+v", preview)
	}
	for i, e := range ta.audit(t)[:2] {
		if e.Action != "patient.merge_preview" || e.Username != adminUsername {
			t.Errorf("preview audit entry %d: %+v", i, e.AuditEntry)
		}
	}

	before := ta.counts(t)
	rec, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "  Same person: typo at registration ", survivor.Version, duplicate.Version)
	if err != nil {
		t.Fatal(err)
	}
	want := app.MergeRecord{ID: rec.ID, SurvivorID: survivor.ID, SurvivorMRN: survivor.MRN, SurvivorName: "Rivera, Ana Sofia",
		DuplicateID: duplicate.ID, DuplicateMRN: duplicate.MRN, DuplicateName: "Rievra, Ana Sofia",
		MergedAt: ta.Clock.Now().Format(time.RFC3339), MergedBy: adminUsername, Reason: "Same person: typo at registration",
		AppointmentsMoved: 2}
	if rec != want {
		t.Errorf("merge record\n%+v\nwant\n%+v", rec, want)
	}
	after := ta.counts(t)
	// A revision of each chart and of each moved appointment; an audit entry on each chart.
	if after.Patients != before.Patients || after.Merges != before.Merges+1 || after.Revisions != before.Revisions+4 ||
		after.Audit != before.Audit+2 || after.Appointments != before.Appointments {
		t.Errorf("merge wrote %+v -> %+v", before, after)
	}

	// Audited on both patients.
	entries := ta.audit(t)
	byPatient := map[string]string{}
	for _, e := range entries[:2] {
		if e.Action != "patient.merge" {
			t.Errorf("audit entry %+v", e.AuditEntry)
		}
		byPatient[e.PatientID] = e.Detail
	}
	if !strings.Contains(byPatient[survivor.ID], "merged MRN "+duplicate.MRN) ||
		!strings.Contains(byPatient[duplicate.ID], "merged into MRN "+survivor.MRN) {
		t.Errorf("merge audit details %v", byPatient)
	}

	// The appointments moved, each keeping the version it replaced.
	list, err := ta.FrontDesk.Schedule.PatientAppointments(survivor.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Upcoming) != 2 {
		t.Errorf("the survivor's appointments: %+v", list)
	}
	err = ta.DB().View(context.Background(), func(tx *db.Tx) error {
		for _, a := range appts {
			revs, err := tx.AppointmentRevisions(a.ID)
			if err != nil {
				return err
			}
			if len(revs) != 1 || revs[0].Appointment.PatientID != duplicate.ID || !strings.Contains(revs[0].Reason, "merge") {
				t.Errorf("revisions of appointment %s: %+v", a.ID, revs)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Both MRNs find the survivor; the duplicate is no longer listed.
	for _, query := range []string{survivor.MRN, duplicate.MRN, "Rievra", "Rivera Ana", "608-555-0199"} {
		hits, err := ta.FrontDesk.Patients.Search(query, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.ID)
		}
		if slices.Contains(ids, duplicate.ID) {
			t.Errorf("search %q still lists the merged chart", query)
		}
		if (query == survivor.MRN || query == duplicate.MRN) && !slices.Equal(ids, []string{survivor.ID}) {
			t.Errorf("search %q found %v, want the survivor", query, ids)
		}
	}
	dups, err := ta.FrontDesk.Patients.LikelyDuplicates(duplicate.PatientInput)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range dups {
		if m.Patient.ID == duplicate.ID {
			t.Errorf("the duplicate check lists the merged chart: %+v", m)
		}
	}

	// Opening the merged chart opens the survivor, saying so.
	opened, err := ta.FrontDesk.Patients.Open(duplicate.ID)
	if err != nil {
		t.Fatal(err)
	}
	if opened.ID != survivor.ID || opened.RedirectedFrom != duplicate.MRN || opened.Version != survivor.Version+1 {
		t.Errorf("opening the merged chart gave %+v", opened)
	}
	summary, err := ta.Clinician.Chart.Summary(duplicate.ID)
	if err != nil || summary.Patient.ID != survivor.ID || summary.Patient.RedirectedFrom != duplicate.MRN {
		t.Errorf("chart of the merged patient: %+v, %v", summary.Patient, err)
	}

	// Nothing is lost: the merged chart's details and history stay.
	hist, err := ta.FrontDesk.Patients.History(duplicate.ID)
	if err != nil || len(hist) != 1 || !strings.Contains(hist[0].Reason, "Merged into MRN "+survivor.MRN) {
		t.Errorf("history of the merged chart: %+v, %v", hist, err)
	}
	hist, err = ta.FrontDesk.Patients.History(survivor.ID)
	if err != nil || len(hist) != 1 || !strings.Contains(hist[0].Reason, "Merged MRN "+duplicate.MRN+" into this chart") ||
		len(hist[0].Changes) != 0 || hist[0].Changes == nil {
		t.Errorf("history of the survivor: %+v, %v", hist, err)
	}
	err = ta.DB().View(context.Background(), func(tx *db.Tx) error {
		p, err := tx.PatientByID(duplicate.ID)
		if err != nil {
			return err
		}
		if !p.Merged() || p.MergedInto != survivor.ID || p.MergedBy != ta.Admin.User.ID || p.FamilyName != "Rievra" ||
			p.Email != "ana@example.com" || p.MergeReason != "Same person: typo at registration" {
			t.Errorf("merged row %+v", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The merge can be reviewed.
	merges, err := ta.Admin.Patients.Merges()
	if err != nil || len(merges) != 1 || merges[0] != want {
		t.Errorf("Merges = %+v, %v; want %+v", merges, err, want)
	}
	if e := ta.lastAudit(t); e.Action != "patient.merges" {
		t.Errorf("listing merges audited as %+v", e.AuditEntry)
	}

	// The merged chart is not corrected, nor booked for.
	before = ta.counts(t)
	_, err = ta.FrontDesk.Patients.Correct(duplicate.ID, duplicate.PatientInput, "late fix", duplicate.Version+1)
	if e := wantKind(t, err, app.Conflict); !strings.Contains(e.Message, survivor.MRN) {
		t.Errorf("correcting a merged chart: %v", e)
	}
	_, err = ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: duplicate.ID, ClinicianID: ta.Clinician.User.ID,
		TypeID: mergeVisitType, Start: ta.Clock.Now().AddDate(0, 0, 2).Format("2006-01-02") + "T10:00"})
	if err == nil {
		t.Error("booked an appointment for a merged chart")
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused calls wrote: %+v -> %+v", before, after)
	}
}

// TestMergeChain: a chart merged into one that is merged in turn still
// finds and opens the last survivor.
func TestMergeChain(t *testing.T) {
	ta := newTestApp(t)
	a := ta.register(t, samplePatient())
	b := ta.register(t, samplePatient())
	c := ta.register(t, samplePatient())
	if _, err := ta.Admin.Patients.Merge(b.ID, a.ID, "same person", b.Version, a.Version); err != nil {
		t.Fatal(err)
	}
	b, _ = ta.FrontDesk.Patients.Open(b.ID)
	if _, err := ta.Admin.Patients.Merge(c.ID, b.ID, "same person", c.Version, b.Version); err != nil {
		t.Fatal(err)
	}
	for _, p := range []app.Patient{a, b} {
		opened, err := ta.FrontDesk.Patients.Open(p.ID)
		if err != nil || opened.ID != c.ID || opened.RedirectedFrom != p.MRN {
			t.Errorf("open %s: %+v, %v", p.MRN, opened, err)
		}
		hits, err := ta.FrontDesk.Patients.Search(p.MRN, 10)
		if err != nil || len(hits) != 1 || hits[0].ID != c.ID {
			t.Errorf("search %s: %+v, %v", p.MRN, hits, err)
		}
	}
	preview, err := ta.Admin.Patients.MergePreview(c.ID, ta.register(t, samplePatient()).ID)
	if err != nil || !slices.Equal(preview.Survivor.MergedMRNs, []string{a.MRN, b.MRN}) {
		t.Errorf("merged MRNs of the last survivor: %+v, %v", preview.Survivor.MergedMRNs, err)
	}
	// A later correction of the survivor keeps the old MRNs findable.
	cur, _ := ta.FrontDesk.Patients.Open(c.ID)
	in := cur.PatientInput
	in.City = "Madison"
	if _, err := ta.FrontDesk.Patients.Correct(c.ID, in, "moved", cur.Version); err != nil {
		t.Fatal(err)
	}
	if hits, err := ta.FrontDesk.Patients.Search(a.MRN, 10); err != nil || len(hits) != 1 || hits[0].ID != c.ID {
		t.Errorf("search %s after a correction: %+v, %v", a.MRN, hits, err)
	}
}

func TestMergeRefusals(t *testing.T) {
	ta := newTestApp(t)
	survivor, duplicate, _ := mergePair(t, ta)
	other := ta.register(t, samplePatient())
	merged := ta.register(t, samplePatient())
	if _, err := ta.Admin.Patients.Merge(other.ID, merged.ID, "same person", other.Version, merged.Version); err != nil {
		t.Fatal(err)
	}
	other, _ = ta.FrontDesk.Patients.Open(other.ID)
	tests := []struct {
		name                  string
		caller                *caller
		survivor, duplicate   string
		reason                string
		survivorV, duplicateV int
		kind                  app.Kind
		field                 string
	}{
		{"front desk", ta.FrontDesk, survivor.ID, duplicate.ID, "same", survivor.Version, duplicate.Version, app.Forbidden, ""},
		{"clinician", ta.Clinician, survivor.ID, duplicate.ID, "same", survivor.Version, duplicate.Version, app.Forbidden, ""},
		{"signed out", ta.SignedOut, survivor.ID, duplicate.ID, "same", survivor.Version, duplicate.Version, app.Unauthenticated, ""},
		{"no reason", ta.Admin, survivor.ID, duplicate.ID, "  ", survivor.Version, duplicate.Version, app.Invalid, "reason"},
		{"reason too long", ta.Admin, survivor.ID, duplicate.ID, strings.Repeat("x", 501), survivor.Version, duplicate.Version, app.Invalid, "reason"},
		{"into itself", ta.Admin, survivor.ID, survivor.ID, "same", survivor.Version, survivor.Version, app.Invalid, "duplicateId"},
		{"stale survivor version", ta.Admin, survivor.ID, duplicate.ID, "same", survivor.Version - 1, duplicate.Version, app.Conflict, ""},
		{"stale duplicate version", ta.Admin, survivor.ID, duplicate.ID, "same", survivor.Version, duplicate.Version + 1, app.Conflict, ""},
		{"duplicate already merged", ta.Admin, survivor.ID, merged.ID, "same", survivor.Version, merged.Version + 1, app.Conflict, ""},
		{"into a merged chart", ta.Admin, merged.ID, survivor.ID, "same", merged.Version + 1, survivor.Version, app.Conflict, ""},
		{"unknown survivor", ta.Admin, "no-such-id", duplicate.ID, "same", 1, duplicate.Version, app.NotFound, ""},
		{"unknown duplicate", ta.Admin, survivor.ID, "no-such-id", "same", survivor.Version, 1, app.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			rec, err := tt.caller.Patients.Merge(tt.survivor, tt.duplicate, tt.reason, tt.survivorV, tt.duplicateV)
			e := wantKind(t, err, tt.kind)
			if tt.field != "" && e.Fields[tt.field] == "" {
				t.Errorf("fields = %v, want %s", e.Fields, tt.field)
			}
			if rec != (app.MergeRecord{}) {
				t.Errorf("a refused merge returned %+v", rec)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused merge wrote: %+v -> %+v", before, after)
			}
		})
	}
	// Previews refuse the same.
	for _, pair := range [][2]string{{survivor.ID, survivor.MRN}, {survivor.ID, merged.MRN}, {"", ""}, {survivor.ID, "0000000"}} {
		before := ta.counts(t)
		if _, err := ta.Admin.Patients.MergePreview(pair[0], pair[1]); err == nil {
			t.Errorf("preview of %v allowed", pair)
		}
		if after := ta.counts(t); after != before {
			t.Errorf("a refused preview wrote: %+v -> %+v", before, after)
		}
	}
	for _, c := range []*caller{ta.FrontDesk, ta.Clinician} {
		if _, err := c.Patients.MergePreview(survivor.ID, duplicate.ID); kindOf(err) != app.Forbidden {
			t.Errorf("%s previews a merge: %v", c.User.Username, err)
		}
		if _, err := c.Patients.Merges(); kindOf(err) != app.Forbidden {
			t.Errorf("%s lists merges: %v", c.User.Username, err)
		}
	}
	// After all that, the two charts merge.
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
}
