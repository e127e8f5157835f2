package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"folio/app"
	"folio/db"
)

// Reads run in read transactions and their audit entries are written in
// groups (look, app/groupaudit): these tests hold them to what act gave,
// one entry for every read answered, in one chain.

// chartReads are the reads the chart screen sends together when it opens.
func chartReads(c *caller, patientID string) map[string]func() error {
	return map[string]func() error{
		"Patients.Open":                func() error { _, err := c.Patients.Open(patientID); return err },
		"Patients.History":             func() error { _, err := c.Patients.History(patientID); return err },
		"Schedule.PatientAppointments": func() error { _, err := c.Schedule.PatientAppointments(patientID); return err },
		"Chart.Summary":                func() error { _, err := c.Chart.Summary(patientID); return err },
		"Chart.Problems":               func() error { _, err := c.Chart.Problems(patientID); return err },
		"Chart.Allergies":              func() error { _, err := c.Chart.Allergies(patientID); return err },
		"Chart.Encounters":             func() error { _, err := c.Chart.Encounters(patientID); return err },
		"Chart.Medications":            func() error { _, err := c.Chart.Medications(patientID); return err },
		"Chart.LabOrders":              func() error { _, err := c.Chart.LabOrders(patientID); return err },
		"Chart.LabResults":             func() error { _, err := c.Chart.LabResults(patientID); return err },
		"Chart.Immunizations":          func() error { _, err := c.Chart.Immunizations(patientID); return err },
		"Chart.Documents":              func() error { _, err := c.Chart.Documents(patientID); return err },
		"Chart.ImportSources":          func() error { _, err := c.Chart.ImportSources(patientID); return err },
		"Chart.Imports":                func() error { _, err := c.Chart.Imports(patientID); return err },
		"Chart.Vitals":                 func() error { _, err := c.Chart.Vitals(patientID, 10); return err },
	}
}

// readKey names one reader's reads of one patient in the trail.
type readKey struct{ username, patientID string }

// TestConcurrentReadsAreEachAudited: three clinicians open charts at once,
// each sending the chart screen's fifteen reads together, while the front
// desk registers patients. Every read answered has its entry, no more; the
// chain verifies; the registrations are all there.
func TestConcurrentReadsAreEachAudited(t *testing.T) {
	ta := newTestApp(t)
	var patients []app.Patient
	for i := range 4 {
		in := samplePatient()
		in.GivenNames = fmt.Sprintf("Ana %c", 'A'+i)
		patients = append(patients, ta.register(t, in))
	}
	ta.addUser(t, "drokafor", app.RoleClinician, "clinician-password-2")
	ta.addUser(t, "drnguyen", app.RoleClinician, "clinician-password-3")
	clinicians := []*caller{ta.Clinician,
		ta.signIn(t, "drokafor", "clinician-password-2", "room-3"),
		ta.signIn(t, "drnguyen", "clinician-password-3", "room-4")}
	before := ta.audit(t)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answered = map[readKey]int{}
	)
	for k, c := range clinicians {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 6 {
				p := patients[(k+round)%len(patients)]
				var screen sync.WaitGroup
				for name, read := range chartReads(c, p.ID) {
					screen.Add(1)
					go func() {
						defer screen.Done()
						if err := read(); err != nil {
							t.Errorf("%s by %s: %v", name, c.User.Username, err)
							return
						}
						mu.Lock()
						answered[readKey{c.User.Username, p.ID}]++
						mu.Unlock()
					}()
				}
				screen.Wait()
			}
		}()
	}
	const registrations = 5
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range registrations {
			in := samplePatient()
			in.FamilyName = fmt.Sprintf("Concurrent%c", 'a'+i)
			if _, err := registerAnyway(ta.FrontDesk.Patients, in); err != nil {
				t.Errorf("register while charts open: %v", err)
			}
		}
	}()
	wg.Wait()

	entries := ta.audit(t)
	inTrail := map[readKey]int{}
	registered := 0
	for _, e := range entries[:len(entries)-len(before)] {
		if e.Action == "patient.register" {
			registered++
			continue
		}
		inTrail[readKey{e.Username, e.PatientID}]++
	}
	if len(answered) == 0 {
		t.Fatal("no read was answered")
	}
	for key, n := range answered {
		if inTrail[key] != n {
			t.Errorf("%s read %s's chart %d times and the trail has %d entries of it", key.username, key.patientID, n, inTrail[key])
		}
	}
	for key, n := range inTrail {
		if answered[key] == 0 {
			t.Errorf("%d entries of %s reading %s, who read nothing of it", n, key.username, key.patientID)
		}
	}
	if registered != registrations {
		t.Errorf("%d registrations in the trail, want %d", registered, registrations)
	}
	check, err := ta.Admin.Admin.VerifyAudit()
	if err != nil || !check.OK {
		t.Errorf("the audit trail does not verify: %+v, %v", check, err)
	}
}

// TestClosingWhileReadingLosesNoEntry: Folio closes while screens read.
// Each read is answered with its data only if its entry was written: after
// opening again, every read answered has its entry, and the trail
// verifies. Reads after the close are refused in words.
func TestClosingWhileReadingLosesNoEntry(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	before := len(ta.audit(t))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answered int
		started  sync.WaitGroup
	)
	readers := []*caller{ta.Clinician, ta.FrontDesk}
	started.Add(len(readers) * 4)
	for _, c := range readers {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					_, err := c.Patients.Open(p.ID)
					if i == 0 {
						started.Done()
					}
					if err != nil {
						var e *app.Error
						if !errors.As(err, &e) || e.Message == "" {
							t.Errorf("a read refused at closing: %v", err)
						}
						return
					}
					mu.Lock()
					answered++
					mu.Unlock()
				}
			}()
		}
	}
	started.Wait()
	if err := ta.App.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	reopened := openTestApp(t, ta.Dir, ta.Clock)
	opens := 0
	entries := reopened.audit(t)
	for _, e := range entries[:len(entries)-before] {
		if e.Action == "patient.open" && e.PatientID == p.ID {
			opens++
		}
	}
	if opens != answered {
		t.Errorf("%d reads answered, %d in the trail after opening again", answered, opens)
	}
	report, err := reopened.DB().CheckAudit(context.Background())
	if err != nil || report.Problem != "" {
		t.Errorf("the trail after closing mid-read: %v %+v", err, report.Problems)
	}
}

// TestReadsSeeTheirOwnWrites: a read's snapshot begins after the caller's
// last write was answered, though it runs on another connection.
func TestReadsSeeTheirOwnWrites(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	for i := range 5 {
		in := samplePatient()
		in.Phone = fmt.Sprintf("555-201-33%02d", i)
		got, err := ta.FrontDesk.Patients.Open(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		corrected, err := ta.FrontDesk.Patients.Correct(p.ID, in, "new phone", got.Version)
		if err != nil {
			t.Fatal(err)
		}
		read, err := ta.FrontDesk.Patients.Open(p.ID)
		if err != nil || read.Version != corrected.Version || read.Phone != corrected.Phone {
			t.Fatalf("read after correction %d: version %d phone %q, want %d %q (%v)", i, read.Version, read.Phone,
				corrected.Version, corrected.Phone, err)
		}
	}
	var n int
	ta.DB().View(context.Background(), func(tx *db.Tx) error {
		all, err := tx.Audit(db.AuditFilter{Action: "patient.open", PatientID: p.ID, Limit: 100})
		n = len(all)
		return err
	})
	if n != 10 {
		t.Errorf("%d patient.open entries, want 10", n)
	}
}
