package app_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// videoVisitType is the Video visit type schema 29 gives every clinic.
const videoVisitType = "00000000-0000-7000-8000-000000000005"

const testMeetingTemplate = "https://meet.example.org/{clinic}-{room}"

// setMeetingTemplate saves the clinic's meeting-link template as an admin.
func setMeetingTemplate(t testing.TB, ta *testApp, template string) {
	t.Helper()
	s, err := ta.Admin.Admin.Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.MeetingLinkTemplate = template
	if _, err := ta.Admin.Admin.SaveSettings(s); err != nil {
		t.Fatalf("save meeting link template %q: %v", template, err)
	}
}

// bookVideo books a video visit at the front desk.
func bookVideo(t *testing.T, ta *testApp, p app.Patient, start string) app.Appointment {
	t.Helper()
	res, err := ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: p.ID, ClinicianID: ta.Clinician.User.ID,
		TypeID: videoVisitType, Start: start})
	if err != nil {
		t.Fatalf("book a video visit at %s: %v", start, err)
	}
	return res.Appointments[0]
}

// countRevisions tells how many replaced rows the clinic keeps.
func countRevisions(t *testing.T, ta *testApp) int {
	t.Helper()
	var n int
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.CountRevisions()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// roomOf is the random room name of a link made from testMeetingTemplate.
var testLinkPattern = regexp.MustCompile(`^https://meet\.example\.org/([a-z0-9-]+)-([a-z2-7]{26})$`)

func roomOf(t *testing.T, link string) string {
	t.Helper()
	m := testLinkPattern.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("link %q is not the template's with a 26-character room", link)
	}
	return m[2]
}

func TestMeetingLinkTemplate(t *testing.T) {
	ta := newTestApp(t)
	for _, tt := range []struct {
		template string
		problem  string // "" when it is accepted
	}{
		{"", ""},
		{app.SuggestedMeetingLinkTemplate, ""},
		{"  https://video.clinic.example/{date}/{room}?lang=en  ", ""},
		{"http://meet.jit.si/{room}", "https://"},
		{"meet.jit.si/{room}", "https://"},
		{"https://meet.jit.si/clinic-room", "{room}"},
		{"https://meet.jit.si/{rooms}-{room}", "{rooms} is not a placeholder"},
		{"https://desk:secret@meet.jit.si/{room}", "passwords"},
		{"https://meet.jit.si/{room} now", "not a web address"},
		{"https://meet.jit.si/" + strings.Repeat("a", 300) + "{room}", "at most 300"},
	} {
		t.Run(tt.template, func(t *testing.T) {
			before, err := ta.Admin.Admin.Settings()
			if err != nil {
				t.Fatal(err)
			}
			counts := ta.counts(t)
			in := before
			in.MeetingLinkTemplate = tt.template
			out, err := ta.Admin.Admin.SaveSettings(in)
			if tt.problem == "" {
				if err != nil || out.MeetingLinkTemplate != strings.TrimSpace(tt.template) {
					t.Fatalf("saved %q: %+v, %v", tt.template, out, err)
				}
				again, _ := ta.Admin.Admin.Settings()
				if again.MeetingLinkTemplate != strings.TrimSpace(tt.template) ||
					again.SuggestedMeetingLink != app.SuggestedMeetingLinkTemplate {
					t.Errorf("read back %+v", again)
				}
				return
			}
			e := wantKind(t, err, app.Invalid)
			if !strings.Contains(e.Fields["meetingLinkTemplate"], tt.problem) {
				t.Errorf("field message %q, want it to say %q", e.Fields["meetingLinkTemplate"], tt.problem)
			}
			if after := ta.counts(t); after != counts {
				t.Errorf("a refused template wrote: %+v -> %+v", counts, after)
			}
			if again, _ := ta.Admin.Admin.Settings(); again.MeetingLinkTemplate != before.MeetingLinkTemplate {
				t.Errorf("the template became %q", again.MeetingLinkTemplate)
			}
		})
	}
}

func TestVideoVisitBookingMakesALink(t *testing.T) {
	sc := newScheduleClinic(t)
	desk := sc.desk

	// No template yet: a video visit cannot be booked, and nothing is written.
	before := sc.counts(t)
	_, err := desk.Book(app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.lee.ID, TypeID: videoVisitType,
		Start: tomorrow + "T10:00"})
	e := wantKind(t, err, app.Invalid)
	if !strings.Contains(e.Fields["typeId"], "Settings") {
		t.Errorf("fields %v", e.Fields)
	}
	if after := sc.counts(t); after != before {
		t.Errorf("a refused booking wrote: %+v -> %+v", before, after)
	}

	setMeetingTemplate(t, sc.testApp, testMeetingTemplate)
	first := bookVideo(t, sc.testApp, sc.ana, tomorrow+"T10:00")
	second := bookVideo(t, sc.testApp, sc.ben, tomorrow+"T10:30")
	if !first.Virtual || roomOf(t, first.MeetingLink) == roomOf(t, second.MeetingLink) {
		t.Fatalf("two bookings share a room: %q, %q", first.MeetingLink, second.MeetingLink)
	}
	if a := sc.lastAudit(t); a.Action != "appointment.book" || !strings.Contains(a.Detail, "video visit") {
		t.Errorf("audit %+v", a)
	}
	inPerson := sc.book(t, sc.ana.ID, sc.lee.ID, tomorrow+"T11:00", "")
	if inPerson.Virtual || inPerson.MeetingLink != "" {
		t.Errorf("a consultation got a link: %+v", inPerson)
	}

	// A clinic's own type made virtual books with a link too.
	own, err := sc.Admin.Schedule.SaveType(app.AppointmentType{Name: "Video follow-up", Minutes: 10, Colour: "#0088cc",
		Virtual: true})
	if err != nil || !own.Virtual {
		t.Fatalf("own virtual type %+v, %v", own, err)
	}
	res, err := desk.Book(app.AppointmentInput{PatientID: sc.ben.ID, ClinicianID: sc.lee.ID, TypeID: own.ID,
		Start: tomorrow + "T12:00"})
	if err != nil || !res.Appointments[0].Virtual {
		t.Fatalf("booked the clinic's own video type: %+v, %v", res, err)
	}
	roomOf(t, res.Appointments[0].MeetingLink)

	// A series: a room for each visit.
	res, err = desk.Book(app.AppointmentInput{PatientID: sc.ben.ID, ClinicianID: sc.lee.ID, TypeID: videoVisitType,
		Start: tomorrow + "T14:00", Recurrence: app.Recurrence{Every: "week", Count: 3}})
	if err != nil {
		t.Fatal(err)
	}
	rooms := map[string]bool{}
	for _, a := range res.Appointments {
		rooms[roomOf(t, a.MeetingLink)] = true
	}
	if len(rooms) != 3 {
		t.Errorf("a series of 3 has %d rooms", len(rooms))
	}

	// The day list shows it.
	day, err := desk.Day(tomorrow, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range day.Appointments {
		found = found || (a.ID == first.ID && a.MeetingLink == first.MeetingLink && a.Virtual)
	}
	if !found {
		t.Errorf("the day list has no link for %s", first.ID)
	}
	letter, err := desk.AppointmentLetter(first.ID)
	if err != nil || !letter.Virtual || letter.MeetingLink != first.MeetingLink || letter.Name == "" ||
		letter.Start != first.Start {
		t.Errorf("reminder letter %+v, %v", letter, err)
	}
	if a := sc.lastAudit(t); a.Action != "appointment.letter" || a.PatientID != sc.ana.ID {
		t.Errorf("audit %+v", a)
	}

	// Moved, it keeps the link the patient was given.
	moved, err := desk.Move(app.MoveInput{ID: first.ID, Start: tomorrow + "T15:00", End: tomorrow + "T15:15",
		Version: first.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got := moved.Appointments[0]; got.MeetingLink != first.MeetingLink {
		t.Errorf("moved, the link became %q (was %q)", got.MeetingLink, first.MeetingLink)
	}

	// A new link: a new room, the old one kept in the revision.
	before = sc.counts(t)
	if _, err := desk.NewMeetingLink(first.ID, first.Version); err == nil {
		t.Errorf("a new link from an old version was made")
	}
	if after := sc.counts(t); after != before {
		t.Errorf("a refused new link wrote: %+v -> %+v", before, after)
	}
	renewed, err := desk.NewMeetingLink(first.ID, moved.Appointments[0].Version)
	if err != nil {
		t.Fatal(err)
	}
	if roomOf(t, renewed.MeetingLink) == roomOf(t, first.MeetingLink) {
		t.Errorf("the new link has the old room")
	}
	if revs := sc.revisions(t, first.ID); len(revs) != 2 || revs[0].Appointment.MeetingLink != first.MeetingLink ||
		revs[0].Reason != "new meeting link" {
		t.Errorf("revisions %+v", revs)
	}
	if a := sc.lastAudit(t); a.Action != "appointment.link" || a.PatientID != sc.ana.ID {
		t.Errorf("audit %+v", a)
	}
	if _, err := desk.NewMeetingLink(inPerson.ID, inPerson.Version); err == nil {
		t.Errorf("a visit at the clinic got a link")
	}

	// Made a visit at the clinic, it loses the link (kept in its revision);
	// made a video visit again, it gets a new room.
	res, err = desk.Reschedule(app.RescheduleInput{ID: first.ID, Start: tomorrow + "T15:00", TypeID: consultationType,
		Version: renewed.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Appointments[0]; got.MeetingLink != "" || got.Virtual {
		t.Errorf("at the clinic now, still %+v", got)
	}
	if revs := sc.revisions(t, first.ID); revs[0].Appointment.MeetingLink != renewed.MeetingLink {
		t.Errorf("the dropped link was not kept: %+v", revs[0])
	}
	res, err = desk.Reschedule(app.RescheduleInput{ID: first.ID, Start: tomorrow + "T15:00", TypeID: videoVisitType,
		Version: res.Appointments[0].Version})
	if err != nil {
		t.Fatal(err)
	}
	if again := res.Appointments[0]; roomOf(t, again.MeetingLink) == roomOf(t, renewed.MeetingLink) {
		t.Errorf("made a video visit again, it has the old room %q", again.MeetingLink)
	}
}

func TestVideoVisitAsksConsentOnce(t *testing.T) {
	ta := newTestApp(t)
	setMeetingTemplate(t, ta, testMeetingTemplate)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	video := bookVideo(t, ta, p, today+"T10:00")

	// No consent: the visit does not start, and nothing is written.
	before := ta.counts(t)
	_, err := chart.OpenEncounter(p.ID, video.ID)
	e := wantKind(t, err, app.Invalid)
	if e.Fields["consent"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("a refused video visit wrote: %+v -> %+v", before, after)
	}

	for _, bad := range []app.ConsentInput{{Method: ""}, {Method: "email"}, {Method: "verbal", Note: strings.Repeat("x", 501)}} {
		_, err := chart.RecordTelehealthConsent(p.ID, bad)
		wantKind(t, err, app.Invalid)
	}
	consents, err := chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "verbal", Note: " by phone "})
	if err != nil {
		t.Fatal(err)
	}
	c := consents.Current
	if c == nil || c.Method != "verbal" || c.Note != "by phone" || c.RecordedByName != ta.Clinician.User.FullName ||
		c.RecordedAt == "" || len(consents.All) != 1 {
		t.Fatalf("consent %+v", consents)
	}
	if a := ta.lastAudit(t); a.Action != "consent.record" || a.PatientID != p.ID {
		t.Errorf("audit %+v", a)
	}
	// Once: recording again is refused.
	_, err = chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "written"})
	wantKind(t, err, app.Conflict)

	visit, err := chart.OpenEncounter(p.ID, video.ID)
	if err != nil {
		t.Fatal(err)
	}
	if visit.Class != "VR" || visit.MeetingLink != video.MeetingLink {
		t.Errorf("video visit opened as %q with link %q", visit.Class, visit.MeetingLink)
	}
	if a := ta.lastAudit(t); a.Action != "encounter.open" || !strings.Contains(a.Detail, "video visit") {
		t.Errorf("audit %+v", a)
	}
	// The next video visit asks nothing.
	next := bookVideo(t, ta, p, today+"T16:00")
	if v, err := chart.OpenEncounter(p.ID, next.ID); err != nil || v.Class != "VR" {
		t.Errorf("second video visit: %+v, %v", v, err)
	}
	// A visit at the clinic and a walk-in are ambulatory.
	inPerson := ta.book(t, p.ID, ta.Clinician.User.ID, today+"T11:00", "")
	if v, err := chart.OpenEncounter(p.ID, inPerson.ID); err != nil || v.Class != "AMB" || v.MeetingLink != "" {
		t.Errorf("visit at the clinic: %+v, %v", v, err)
	}
	if v, err := chart.OpenEncounter(p.ID, ""); err != nil || v.Class != "AMB" {
		t.Errorf("walk-in: %+v, %v", v, err)
	}
	list, err := chart.Encounters(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	for _, l := range list {
		classes[l.Class]++
	}
	if classes["VR"] != 2 || classes["AMB"] != 2 {
		t.Errorf("encounter list classes %v", classes)
	}
}

func TestRetractTelehealthConsent(t *testing.T) {
	ta := newTestApp(t)
	setMeetingTemplate(t, ta, testMeetingTemplate)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	consents, err := chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "written", Note: "form in the paper file"})
	if err != nil {
		t.Fatal(err)
	}
	c := *consents.Current

	for _, tt := range []struct {
		name    string
		reason  string
		version int
		kind    app.Kind
	}{
		{"no reason", "  ", c.Version, app.Invalid},
		{"an old version", "patient withdrew", c.Version + 1, app.Conflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			_, err := chart.RetractTelehealthConsent(c.ID, tt.reason, tt.version)
			e := wantKind(t, err, tt.kind)
			if tt.kind == app.Invalid && e.Fields["reason"] == "" {
				t.Errorf("fields %v", e.Fields)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused retraction wrote: %+v -> %+v", before, after)
			}
		})
	}

	revisionsBefore := countRevisions(t, ta)
	out, err := chart.RetractTelehealthConsent(c.ID, "patient withdrew consent", c.Version)
	if err != nil {
		t.Fatal(err)
	}
	if out.Current != nil || len(out.All) != 1 || out.All[0].Status != "retracted" ||
		out.All[0].RetractReason != "patient withdrew consent" || out.All[0].RetractedBy != ta.Clinician.User.FullName {
		t.Fatalf("after retraction %+v", out)
	}
	if kept := countRevisions(t, ta) - revisionsBefore; kept != 1 {
		t.Errorf("the retraction kept %d revisions, want the consent as recorded", kept)
	}
	if _, err := chart.RetractTelehealthConsent(c.ID, "again", out.All[0].Version); err == nil {
		t.Errorf("retracted twice")
	}
	// Retracted, the next video visit asks again.
	video := bookVideo(t, ta, p, today+"T10:00")
	_, err = chart.OpenEncounter(p.ID, video.ID)
	if e := wantKind(t, err, app.Invalid); e.Fields["consent"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	// A consent recorded anew holds.
	if _, err := chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "verbal"}); err != nil {
		t.Fatal(err)
	}
	if v, err := chart.OpenEncounter(p.ID, video.ID); err != nil || v.Class != "VR" {
		t.Errorf("after consent anew: %+v, %v", v, err)
	}
}

// A merged chart's consent follows the person to the surviving chart.
func TestTelehealthConsentFollowsAMerge(t *testing.T) {
	ta := newTestApp(t)
	survivor := ta.register(t, samplePatient())
	duplicate, err := registerAnyway(ta.FrontDesk.Patients, samplePatient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Clinician.Chart.RecordTelehealthConsent(duplicate.ID, app.ConsentInput{Method: "verbal"}); err != nil {
		t.Fatal(err)
	}
	survivor, _ = ta.FrontDesk.Patients.Open(survivor.ID)
	duplicate, _ = ta.FrontDesk.Patients.Open(duplicate.ID)
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	got, err := ta.Clinician.Chart.TelehealthConsent(survivor.ID)
	if err != nil || got.Current == nil || got.Current.PatientID != survivor.ID {
		t.Errorf("survivor's consent %+v, %v", got, err)
	}
}

// The whole-clinic export writes a video visit's Encounter with class VR
// and a visit at the clinic's with AMB, and the external validator finds
// nothing wrong.
func TestExportVideoVisitIsVirtual(t *testing.T) {
	ta := newTestApp(t)
	setMeetingTemplate(t, ta, testMeetingTemplate)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "verbal"}); err != nil {
		t.Fatal(err)
	}
	video, err := chart.OpenEncounter(p.ID, bookVideo(t, ta, p, today+"T10:00").ID)
	if err != nil {
		t.Fatal(err)
	}
	walkIn, err := chart.OpenEncounter(p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := ta.ExportAll(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	encounters := byFolioID(ndjsonLines(t, filepath.Join(dir, "Encounter.ndjson")))
	for _, tt := range []struct {
		id, class, display string
	}{{video.ID, "VR", "virtual"}, {walkIn.ID, "AMB", "ambulatory"}} {
		e := encounters[tt.id]
		if get(e, "class", "code") != tt.class || get(e, "class", "display") != tt.display ||
			get(e, "class", "system") != "http://terminology.hl7.org/CodeSystem/v3-ActCode" {
			t.Errorf("encounter %s: class %v, want %s", tt.id, get(e, "class"), tt.class)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if report, ok := validateFHIR(t, files...); !ok {
		t.Fatalf("the external validator refused the export:\n%s", report)
	}
}
