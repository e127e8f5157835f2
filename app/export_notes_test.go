package app_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// notesClinic is a chart with every state a visit note takes, diagnoses,
// and documents: what a whole-clinic export must carry for a clinic to
// leave Folio without losing its notes.
type notesClinic struct {
	patient                app.Patient
	signed, draft, retract app.Encounter
	diagnosed              []app.Problem
	pdf                    []byte
	letter, retracted      app.Document
}

func newNotesClinic(t *testing.T, ta *testApp) notesClinic {
	t.Helper()
	c := ta.Clinician.Chart
	must := func(err error) {
		t.Helper()
		if err != nil {
			var e *app.Error
			if errors.As(err, &e) {
				t.Fatalf("%v %v", err, e.Fields)
			}
			t.Fatal(err)
		}
	}
	var nc notesClinic
	var err error
	nc.patient, nc.signed = openVisit(t, ta)
	id := nc.patient.ID
	for _, code := range []string{"I10", "E11.9"} {
		nc.signed, err = c.AddDiagnosis(nc.signed.ID, app.DiagnosisInput{Code: code})
		must(err)
	}
	// A diagnosis removed from the draft is no diagnosis of the visit.
	nc.signed, err = c.AddDiagnosis(nc.signed.ID, app.DiagnosisInput{Code: "J06.9"})
	must(err)
	removed := nc.signed.Diagnoses[2]
	nc.signed, err = c.RemoveDiagnosis(removed.ID, "not this visit", removed.Version)
	must(err)
	problems, err := c.Problems(id)
	must(err)
	for _, code := range []string{"I10", "E11.9"} {
		for _, p := range problems {
			if p.Code == code {
				nc.diagnosed = append(nc.diagnosed, p)
			}
		}
	}
	nc.signed, err = c.SaveDraft(nc.signed.ID, app.NoteText{Subjective: "Headaches for two weeks.",
		Objective: "BP 162/98, fundi normal.", Assessment: "Hypertension, poorly controlled.",
		Plan: "Increase lisinopril to 20 mg.\nReview in 2 weeks."}, nc.signed.Note.DraftVersion)
	must(err)
	nc.signed, err = c.SignNote(nc.signed.ID, nc.signed.Version)
	must(err)
	nc.signed, err = c.AddAddendum(nc.signed.ID, "Potassium came back normal.")
	must(err)

	nc.draft, err = c.OpenEncounter(id, "")
	must(err)
	nc.draft, err = c.SaveDraft(nc.draft.ID, app.NoteText{Subjective: "Cough since Monday."}, nc.draft.Note.DraftVersion)
	must(err)

	nc.retract, err = c.OpenEncounter(id, "")
	must(err)
	nc.retract, err = c.SaveDraft(nc.retract.ID, app.NoteText{Assessment: "Meant for another chart."}, nc.retract.Note.DraftVersion)
	must(err)
	nc.retract, err = c.SignNote(nc.retract.ID, nc.retract.Version)
	must(err)
	nc.retract, err = c.RetractNote(nc.retract.ID, "written in the wrong chart", nc.retract.Version)
	must(err)

	nc.pdf = minimalPDF(42)
	nc.letter, err = c.AddDocument(id, app.DocumentInput{Title: "Cardiology letter", Kind: "referral_letter",
		DocumentDate: "2026-03-01", FileName: "letter.pdf", Data: b64(nc.pdf), EncounterID: nc.signed.ID})
	must(err)
	nc.retracted, err = c.AddDocument(id, app.DocumentInput{Title: "Wound, day 3", Kind: "image",
		DocumentDate: "2026-03-09", FileName: "wound.png", Data: b64(pngBytes(t))})
	must(err)
	nc.retracted, err = c.RetractDocument(nc.retracted.ID, "another patient's photo", nc.retracted.Version)
	must(err)
	return nc
}

// byFolioID indexes resources by the Folio id their identifier carries.
func byFolioID(lines []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range lines {
		ids, _ := r["identifier"].([]any)
		for _, id := range ids {
			if v, _ := id.(map[string]any)["value"].(string); strings.HasPrefix(v, "urn:uuid:") {
				out[strings.TrimPrefix(v, "urn:uuid:")] = r
			}
		}
	}
	return out
}

// get walks a decoded JSON value: a string is a key, an int an index.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestExportAllCarriesNotesAndDocuments(t *testing.T) {
	ta := newTestApp(t)
	nc := newNotesClinic(t, ta)
	ta.register(t, samplePatient()) // a chart with nothing on it
	dir := filepath.Join(t.TempDir(), "export")
	counts, err := ta.ExportAll(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	encounters := byFolioID(ndjsonLines(t, filepath.Join(dir, "Encounter.ndjson")))
	references := byFolioID(ndjsonLines(t, filepath.Join(dir, "DocumentReference.ndjson")))
	if len(encounters) != 3 || counts.Resources["Encounter"] != 3 {
		t.Errorf("%d encounters, counted %d", len(encounters), counts.Resources["Encounter"])
	}
	// Three notes and two documents.
	if len(references) != 5 || counts.Resources["DocumentReference"] != 5 || counts.DocumentFiles != 2 {
		t.Errorf("%d document references, counted %d, %d files", len(references), counts.Resources["DocumentReference"],
			counts.DocumentFiles)
	}

	for _, tt := range []struct {
		visit  app.Encounter
		status string
	}{{nc.signed, "finished"}, {nc.draft, "in-progress"}, {nc.retract, "entered-in-error"}} {
		e := encounters[tt.visit.ID]
		if get(e, "status") != tt.status || get(e, "class", "code") != "AMB" ||
			get(e, "period", "start") != tt.visit.StartedAt ||
			!strings.HasPrefix(get(e, "participant", 0, "individual", "reference").(string), "Practitioner/") {
			t.Errorf("encounter of the %s visit: %v", tt.status, e)
		}
	}
	// The visit's two diagnoses in force, primary first; the removed one is not there.
	diagnoses, _ := get(encounters[nc.signed.ID], "diagnosis").([]any)
	conditions := byFolioID(ndjsonLines(t, filepath.Join(dir, "Condition.ndjson")))
	if len(diagnoses) != 2 {
		t.Fatalf("diagnoses %v", diagnoses)
	}
	for i, p := range nc.diagnosed {
		want := "Condition/" + get(conditions[p.ID], "id").(string)
		if get(diagnoses[i], "condition", "reference") != want || get(diagnoses[i], "rank") != float64(i+1) {
			t.Errorf("diagnosis %d: %v, want %s", i, diagnoses[i], want)
		}
	}

	// The notes, by the visit their context names.
	notes := map[string]any{}
	for _, d := range references {
		if get(d, "type", "coding", 0, "code") == "11506-3" {
			notes[get(d, "context", "encounter", 0, "reference").(string)] = d
		}
	}
	for _, tt := range []struct {
		name              string
		visit             app.Encounter
		status, docStatus string
		says              []string
	}{
		{"signed", nc.signed, "current", "final", []string{"Subjective\nHeadaches for two weeks.\n",
			"Objective\nBP 162/98, fundi normal.\n", "Assessment\nHypertension, poorly controlled.\n",
			"Plan\nIncrease lisinopril to 20 mg.\nReview in 2 weeks.\n", "by Dr. Jordan Lee\nPotassium came back normal.\n"}},
		{"draft", nc.draft, "current", "preliminary", []string{"draft, not signed", "Subjective\nCough since Monday.\n"}},
		{"retracted", nc.retract, "entered-in-error", "final", []string{"Assessment\nMeant for another chart.\n",
			"Retracted as entered in error", "Reason: written in the wrong chart\n"}},
	} {
		d := notes["Encounter/"+get(encounters[tt.visit.ID], "id").(string)]
		if get(d, "status") != tt.status || get(d, "docStatus") != tt.docStatus || get(d, "type", "coding", 0, "code") != "11506-3" ||
			get(d, "category", 0, "coding", 0, "code") != "clinical-note" ||
			get(d, "context", "encounter", 0, "reference") != "Encounter/"+get(encounters[tt.visit.ID], "id").(string) {
			t.Errorf("%s note: %v", tt.name, d)
			continue
		}
		if tt.docStatus == "final" && get(d, "date") != tt.visit.Note.SignedAt {
			t.Errorf("%s note dated %v, signed %s", tt.name, get(d, "date"), tt.visit.Note.SignedAt)
		}
		att := get(d, "content", 0, "attachment")
		text, err := base64.StdEncoding.DecodeString(get(att, "data").(string))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(text)
		if get(att, "contentType") != "text/plain; charset=utf-8" || get(att, "size") != float64(len(text)) ||
			get(att, "hash") != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s note attachment %v", tt.name, att)
		}
		for _, w := range tt.says {
			if !strings.Contains(string(text), w) {
				t.Errorf("%s note does not say %q:\n%s", tt.name, w, text)
			}
		}
	}

	letter := references[nc.letter.ID]
	att := get(letter, "content", 0, "attachment")
	sum := sha1.Sum(nc.pdf)
	if get(letter, "status") != "current" || get(letter, "type", "coding", 0, "code") != "57133-1" ||
		get(att, "contentType") != "application/pdf" || get(att, "title") != "Cardiology letter" ||
		get(att, "size") != float64(len(nc.pdf)) || get(att, "hash") != base64.StdEncoding.EncodeToString(sum[:]) ||
		get(att, "url") != "documents/"+nc.letter.ID+".pdf" || get(att, "data") != nil ||
		get(letter, "context", "encounter", 0, "reference") != "Encounter/"+get(encounters[nc.signed.ID], "id").(string) {
		t.Errorf("letter %v", letter)
	}
	if file, err := os.ReadFile(filepath.Join(dir, get(att, "url").(string))); err != nil || !bytes.Equal(file, nc.pdf) {
		t.Errorf("the letter's file beside the export: %v, %d bytes, want the %d attached", err, len(file), len(nc.pdf))
	}
	photo := references[nc.retracted.ID]
	photoURL, _ := get(photo, "content", 0, "attachment", "url").(string)
	if get(photo, "status") != "entered-in-error" || !strings.Contains(get(photo, "description").(string), "another patient's photo") {
		t.Errorf("retracted document %v", photo)
	}
	if _, err := os.Stat(filepath.Join(dir, photoURL)); err != nil || !strings.HasSuffix(photoURL, ".png") {
		t.Errorf("the retracted document's file %q: %v", photoURL, err)
	}

	var summary struct {
		Output []struct {
			Type  string `json:"type"`
			Count int    `json:"count"`
		} `json:"output"`
		Folio struct {
			Included string `json:"included"`
		} `json:"folio"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "export.json"))
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	listed := map[string]int{}
	for _, o := range summary.Output {
		listed[o.Type] = o.Count
	}
	if listed["Encounter"] != 3 || listed["DocumentReference"] != 5 ||
		strings.Contains(summary.Folio.Included, "visit notes and documents are not") {
		t.Errorf("export.json: %s", data)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("left %s behind", e.Name())
		}
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if report, ok := validateFHIR(t, files...); !ok {
		t.Fatalf("the external validator refused the export:\n%s", report)
	}
}

// A document whose file no longer matches its checksum stops the export,
// naming the document; nothing of the export is left.
func TestExportAllStopsAtADamagedDocument(t *testing.T) {
	ta := newTestApp(t)
	nc := newNotesClinic(t, ta)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	flipped := bytes.Clone(nc.pdf)
	flipped[len(flipped)/2] ^= 0xFF
	if _, err := raw.Exec(`DROP TRIGGER document_contents_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE document_contents SET data = ? WHERE document_id = ?`, flipped, nc.letter.ID); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	_, err = ta.ExportAll(context.Background(), dir, nil)
	e := wantKind(t, err, app.Internal)
	if !strings.Contains(e.Message, "Cardiology letter") || !strings.Contains(e.Message, nc.letter.ID) ||
		!strings.Contains(e.Message, nc.patient.MRN) || !strings.Contains(e.Message, "damaged") {
		t.Errorf("message %q does not name the document", e.Message)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("a stopped export left %v", names)
	}
	if a := ta.lastAudit(t); a.Action != "document.damaged" || a.Record != "document/"+nc.letter.ID {
		t.Errorf("audit %+v", a)
	}
}

// validateFHIR runs frontend/scripts/fhir-validate.mjs, a validator Folio
// did not write, on files (see app/fhir/validate_test.go).
func validateFHIR(t *testing.T, files ...string) (string, bool) {
	t.Helper()
	frontend, err := filepath.Abs(filepath.Join("..", "frontend"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the FHIR validator needs Node.js, which is not installed: run `make deps-test`")
	}
	if _, err := os.Stat(filepath.Join(frontend, "node_modules", "@medplum", "core", "package.json")); err != nil {
		t.Fatal("the FHIR validator needs the frontend's packages (@medplum/core): run `npm ci` in frontend/ or `make deps-test`")
	}
	cmd := exec.Command(node, append([]string{filepath.Join(frontend, "scripts", "fhir-validate.mjs")}, files...)...)
	cmd.Dir = frontend
	out, err := cmd.CombinedOutput()
	if _, failed := err.(*exec.ExitError); err != nil && !failed {
		t.Fatalf("run the FHIR validator: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
	return string(out), err == nil
}

// TestExportAllCarriesAppointmentsAndEveryClinician: every booking leaves
// as a FHIR Appointment (its status in FHIR's words, the patient and the
// clinician, the times with the clinic's offset, the visit type, why it
// was cancelled or missed), and every clinician as a Practitioner,
// disabled or never booked, not only those a chart names; the set passes
// the external validator.
func TestExportAllCarriesAppointmentsAndEveryClinician(t *testing.T) {
	ta := newTestApp(t)
	// A clinic six hours east of UTC: 15:00 on its clock.
	ta.Clock.Set(testStart.In(time.FixedZone("UTC+6", 6*3600)))
	kaur := ta.addUser(t, "drkaur", app.RoleClinician, "kaur-password-1")
	idle := ta.addUser(t, "dridle", app.RoleClinician, "idle-password-1")
	gone := ta.addUser(t, "drgone", app.RoleClinician, "gone-password-1")
	ta.addUser(t, "desk2", app.RoleFrontDesk, "desk2-password-1") // no clinician: no Practitioner
	patient := ta.register(t, samplePatient())
	book := func(clinician app.User, start string) app.Appointment {
		t.Helper()
		res, err := ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: patient.ID, ClinicianID: clinician.ID,
			TypeID: consultationType, Start: start, Note: "booked at " + start})
		if err != nil {
			t.Fatalf("book %s: %v", start, err)
		}
		return res.Appointments[0]
	}
	must := func(a app.Appointment, err error) app.Appointment {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	missed := book(kaur, "2026-03-10T08:00")
	must(ta.FrontDesk.Schedule.NoShow(missed.ID, "Did not attend, no call", missed.Version))
	seen := book(ta.Clinician.User, "2026-03-10T09:00")
	for _, step := range []string{"arrived", "in_room", "with_clinician", "done"} {
		seen = must(ta.FrontDesk.Schedule.Advance(seen.ID, step, seen.Version))
	}
	called := book(gone, "2026-03-10T10:00")
	if _, err := ta.FrontDesk.Schedule.Cancel(called.ID, "Patient called to cancel", "", called.Version); err != nil {
		t.Fatal(err)
	}
	later := book(kaur, "2026-03-12T14:00")
	if _, err := ta.Admin.Admin.SetUserActive(gone.ID, false); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "export")
	counts, err := ta.ExportAll(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	practitioners := byFolioID(ndjsonLines(t, filepath.Join(dir, "Practitioner.ndjson")))
	clinicians := []app.User{ta.Clinician.User, kaur, idle, gone}
	if len(practitioners) != len(clinicians) || counts.Resources["Practitioner"] != len(clinicians) {
		t.Errorf("%d practitioners, counted %d; want the %d clinicians", len(practitioners),
			counts.Resources["Practitioner"], len(clinicians))
	}
	for _, c := range clinicians {
		if p := practitioners[c.ID]; get(p, "name", 0, "text") != c.FullName {
			t.Errorf("clinician %s: practitioner %v", c.Username, p)
		}
	}
	appointments := byFolioID(ndjsonLines(t, filepath.Join(dir, "Appointment.ndjson")))
	if len(appointments) != 4 || counts.Resources["Appointment"] != 4 {
		t.Fatalf("%d appointments, counted %d", len(appointments), counts.Resources["Appointment"])
	}
	patientRef := "Patient/" + get(ndjsonLines(t, filepath.Join(dir, "Patient.ndjson"))[0], "id").(string)
	tests := []struct {
		name       string
		a          app.Appointment
		clinician  app.User
		status     string
		start, end string
		reason     any
	}{
		{"missed", missed, kaur, "noshow", "2026-03-10T08:00:00+06:00", "2026-03-10T08:15:00+06:00", "Did not attend, no call"},
		{"seen", seen, ta.Clinician.User, "fulfilled", "2026-03-10T09:00:00+06:00", "2026-03-10T09:15:00+06:00", nil},
		{"cancelled", called, gone, "cancelled", "2026-03-10T10:00:00+06:00", "2026-03-10T10:15:00+06:00", "Patient called to cancel"},
		{"booked", later, kaur, "booked", "2026-03-12T14:00:00+06:00", "2026-03-12T14:15:00+06:00", nil},
	}
	for _, tt := range tests {
		a := appointments[tt.a.ID]
		if get(a, "status") != tt.status || get(a, "start") != tt.start || get(a, "end") != tt.end ||
			get(a, "cancelationReason", "text") != tt.reason || get(a, "appointmentType", "text") != "Consultation" ||
			get(a, "serviceType", 0, "text") != "Consultation" || get(a, "comment") != "booked at "+tt.a.Start {
			t.Errorf("%s: %v", tt.name, a)
		}
		practitioner := "Practitioner/" + get(practitioners[tt.clinician.ID], "id").(string)
		if get(a, "participant", 0, "actor", "reference") != patientRef ||
			get(a, "participant", 1, "actor", "reference") != practitioner ||
			get(a, "participant", 1, "actor", "display") != tt.clinician.FullName {
			t.Errorf("%s: participants %v", tt.name, get(a, "participant"))
		}
	}

	data, _ := os.ReadFile(filepath.Join(dir, "export.json"))
	if !strings.Contains(string(data), `"type": "Appointment"`) || !strings.Contains(string(data), "appointments (Appointment") {
		t.Errorf("export.json: %s", data)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if report, ok := validateFHIR(t, files...); !ok {
		t.Fatalf("the external validator refused the export:\n%s", report)
	}
}
