package app_test

import (
	"strings"
	"testing"

	"folio/app"
)

// clinicWithContact gives the test clinic an address and phone and the
// clinician a licence number, as the admin would.
func (ta *testApp) clinicWithContact(t *testing.T) {
	t.Helper()
	s, err := ta.Admin.Admin.Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.ClinicAddress, s.ClinicPhone = "1 River Road\nSpringfield, IL 62701", "555-010-2000"
	if _, err := ta.Admin.Admin.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.SetLicenceNumber(ta.Clinician.User.ID, " IL-036-123456 "); err != nil {
		t.Fatal(err)
	}
}

func TestPrescription(t *testing.T) {
	ta := newTestApp(t)
	ta.clinicWithContact(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	ta.addMed(t, p.ID, "warfarin")
	in := sampleMedication("ibuprofen")
	in.Dose, in.Frequency, in.Quantity, in.Refills = "400 mg", "three times a day", "21 tablets", 0
	check, err := chart.CheckMedication(p.ID, in)
	alerts := check.Alerts
	if err != nil || len(alerts) == 0 {
		t.Fatalf("alerts %v, %v; want the warfarin-NSAID one", alerts, err)
	}
	m, err := chart.AddMedication(p.ID, in, []app.Override{{AlertKey: alerts[0].Key, Reason: "3 days only, INR checked"}})
	if err != nil {
		t.Fatal(err)
	}

	// Another clinician prints it: the prescriber stays the one who wrote it.
	ta.addUser(t, "drkim", app.RoleClinician, "kim-password-12")
	other := ta.signIn(t, "drkim", "kim-password-12", "room-3")
	rx, err := other.Chart.Prescription(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := app.Prescription{
		Clinic:     app.ClinicContact{Name: clinicName, Address: "1 River Road\nSpringfield, IL 62701", Phone: "555-010-2000"},
		Prescriber: app.Prescriber{Name: "Dr. Jordan Lee", LicenceNumber: "IL-036-123456"},
		Patient: app.PrescriptionPatient{Name: "Ana Sofia Rivera", MRN: p.MRN, BirthDate: "1984-06-21",
			Address: "12 Maple St\nSpringfield, IL 62704"},
		QuantityInWords: "twenty-one",
		PrintedBy:       "Test drkim",
	}
	if rx.Clinic != want.Clinic || rx.Prescriber != want.Prescriber || rx.Patient != want.Patient ||
		rx.QuantityInWords != want.QuantityInWords || rx.PrintedBy != want.PrintedBy || rx.PrintedAt == "" {
		t.Errorf("prescription\n got %+v\nwant %+v", rx, want)
	}
	if rx.Medication.Drug != "ibuprofen" || rx.Medication.Dose != "400 mg" || len(rx.Medication.Overrides) != 1 ||
		rx.Medication.Overrides[0].ByName != "Dr. Jordan Lee" {
		t.Errorf("medication on the prescription: %+v", rx.Medication)
	}
	e := ta.lastAudit(t)
	if e.Action != "prescription.print" || e.PatientID != p.ID || e.Username != "drkim" ||
		!strings.Contains(e.Detail, "ibuprofen 400 mg") || e.Record != "medication/"+m.ID {
		t.Errorf("print audit entry: %+v", e.AuditEntry)
	}
}

func TestPrescriptionRefusals(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	elsewhere, err := chart.AddMedication(p.ID, app.MedicationInput{Drug: "metformin", Source: "elsewhere"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopped := ta.addMed(t, p.ID, "amlodipine")
	if _, err := chart.StopMedication(stopped.ID, "ankle swelling", "", stopped.Version); err != nil {
		t.Fatal(err)
	}
	retracted := ta.addMed(t, p.ID, "lisinopril")
	if _, err := chart.RetractMedication(retracted.ID, "wrong patient", retracted.Version); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id string
		kind     app.Kind
		says     string
	}{
		{"prescribed elsewhere", elsewhere.ID, app.Conflict, "prescribed elsewhere"},
		{"stopped", stopped.ID, app.Conflict, "renew it"},
		{"entered in error", retracted.ID, app.Conflict, "entered in error"},
		{"no such medication", "nope", app.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			_, err := chart.Prescription(tc.id)
			e := wantKind(t, err, tc.kind)
			if e != nil && !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q, want it to say %q", e.Message, tc.says)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused print wrote: %+v -> %+v", before, after)
			}
		})
	}
	// The front desk sees no prescriptions.
	_, err = ta.FrontDesk.Chart.Prescription(stopped.ID)
	wantKind(t, err, app.Forbidden)
}

func TestPrescriptionQuantityInWords(t *testing.T) {
	ta := newTestApp(t)
	for _, tc := range []struct{ quantity, words string }{
		{"30 tablets", "thirty"},
		{"1 inhaler", "one"},
		{"100", "one hundred"},
		{"112 capsules", "one hundred and twelve"},
		{"1000 mL", "one thousand"},
		{"2050 mL", "two thousand and fifty"},
		{"one box", ""},
		{"", ""},
	} {
		t.Run(tc.quantity, func(t *testing.T) {
			in := sampleMedication("levothyroxine")
			in.Quantity = tc.quantity
			q := ta.register(t, samplePatient()) // a chart of its own: the same drug twice raises an alert
			m, err := ta.Clinician.Chart.AddMedication(q.ID, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			rx, err := ta.Clinician.Chart.Prescription(m.ID)
			if err != nil || rx.QuantityInWords != tc.words {
				t.Errorf("quantity %q in words: %q, %v; want %q", tc.quantity, rx.QuantityInWords, err, tc.words)
			}
		})
	}
}

func TestMedicationHistory(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	first := ta.addMed(t, p.ID, "amlodipine")
	renewed, err := chart.RenewMedication(first.ID,
		app.MedicationInput{Dose: "10 mg", Route: "oral", Frequency: "once a day", Quantity: "30", Refills: 2}, first.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.StopMedication(renewed.ID, "ankle swelling", "", renewed.Version); err != nil {
		t.Fatal(err)
	}
	// The same course from either end.
	for _, id := range []string{first.ID, renewed.ID} {
		h, err := chart.MedicationHistory(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Course) != 2 || h.Course[0].ID != first.ID || h.Course[1].ID != renewed.ID {
			t.Fatalf("course %+v, want the first and its renewal", h.Course)
		}
		if h.Course[1].Status != "stopped" || h.Course[1].UpdatedByName != "Dr. Jordan Lee" {
			t.Errorf("renewal as it stands: %+v", h.Course[1])
		}
		var got []string
		for _, e := range h.Events {
			got = append(got, e.What+": "+e.Reason)
			if e.By != "Dr. Jordan Lee" || e.At == "" {
				t.Errorf("event %+v: who or when missing", e)
			}
		}
		want := []string{"prescribed: ", "stopped: Renewed", "renewed: ", "stopped: ankle swelling"}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("events\n got %q\nwant %q", got, want)
		}
		last := h.Events[len(h.Events)-1]
		if !hasChange(last.Changes, "stop reason", "", "ankle swelling") || !hasChange(last.Changes, "status", "active", "stopped") {
			t.Errorf("stop changes %+v", last.Changes)
		}
		if e := ta.lastAudit(t); e.Action != "medication.history" || e.PatientID != p.ID || e.Record != "medication/"+id {
			t.Errorf("history audit entry %+v", e.AuditEntry)
		}
	}

	// A retraction is its own event; a medication alone is a course of one.
	other := ta.addMed(t, p.ID, "metformin")
	if _, err := chart.RetractMedication(other.ID, "wrong patient", other.Version); err != nil {
		t.Fatal(err)
	}
	h, err := chart.MedicationHistory(other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Course) != 1 || len(h.Events) != 2 || h.Events[1].What != "retracted as entered in error" ||
		h.Events[1].Reason != "wrong patient" {
		t.Errorf("retracted history %+v", h)
	}
	_, err = chart.MedicationHistory("nope")
	wantKind(t, err, app.NotFound)

	// The list names who stopped each.
	list, err := chart.Medications(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.CreatedByName != "Dr. Jordan Lee" || m.UpdatedByName != "Dr. Jordan Lee" {
			t.Errorf("%s: names %q, %q", m.Drug, m.CreatedByName, m.UpdatedByName)
		}
	}
}

func hasChange(changes []app.FieldChange, field, before, after string) bool {
	for _, c := range changes {
		if c.Field == field && c.Before == before && c.After == after {
			return true
		}
	}
	return false
}

func TestClinicContactAndLicence(t *testing.T) {
	ta := newTestApp(t)
	ta.clinicWithContact(t)
	s, err := ta.Admin.Admin.Settings()
	if err != nil || s.ClinicAddress != "1 River Road\nSpringfield, IL 62701" || s.ClinicPhone != "555-010-2000" {
		t.Fatalf("settings %+v, %v", s, err)
	}
	users, err := ta.Admin.Admin.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.ID == ta.Clinician.User.ID && u.LicenceNumber != "IL-036-123456" {
			t.Errorf("licence %q, want it trimmed", u.LicenceNumber)
		}
	}
	if e := ta.lastAudit(t); e.Action != "user.licence" || !strings.Contains(e.Detail, "IL-036-123456") {
		t.Errorf("licence audit entry %+v", e.AuditEntry)
	}

	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"long address", func() error {
			in := s
			in.ClinicAddress = strings.Repeat("a", 301)
			_, err := ta.Admin.Admin.SaveSettings(in)
			return err
		}, "clinicAddress"},
		{"long phone", func() error {
			in := s
			in.ClinicPhone = strings.Repeat("5", 51)
			_, err := ta.Admin.Admin.SaveSettings(in)
			return err
		}, "clinicPhone"},
		{"long licence", func() error {
			_, err := ta.Admin.Admin.SetLicenceNumber(ta.Clinician.User.ID, strings.Repeat("L", 51))
			return err
		}, "licenceNumber"},
		{"long licence for a new user", func() error {
			_, err := ta.Admin.Admin.AddUser(app.NewUser{Username: "drnew", FullName: "Dr New", Role: app.RoleClinician,
				Password: "new-password-12", LicenceNumber: strings.Repeat("L", 51)})
			return err
		}, "licenceNumber"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			e := wantKind(t, tc.call(), app.Invalid)
			if e != nil && e.Fields[tc.field] == "" {
				t.Errorf("fields %v, want %s", e.Fields, tc.field)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("refused, yet written: %+v -> %+v", before, after)
			}
		})
	}
	u, err := ta.Admin.Admin.AddUser(app.NewUser{Username: "drnew", FullName: "Dr New", Role: app.RoleClinician,
		Password: "new-password-12", LicenceNumber: "MD 998877"})
	if err != nil || u.LicenceNumber != "MD 998877" {
		t.Errorf("new user with a licence: %+v, %v", u, err)
	}
	if s2, _ := ta.Admin.Admin.Settings(); s2 != s {
		t.Errorf("refused saves changed the settings to %+v", s2)
	}
}
