package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// TestWriteOncePerRequestID: a write made with a request id records the
// id in its own transaction, so that the same id sent again by the same
// person, in any session and after any restart, makes nothing; its answer
// is kept when serve mode stores it. A call that wrote nothing records
// nothing, and another person's id is theirs.
func TestWriteOncePerRequestID(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	dr := ta.Clinician.Session
	allergy := app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives"}
	addAllergy := func(s *app.Session, id string, in app.AllergyInput) (*app.Session, error) {
		handle := s.ForCall(app.Call{Name: "Chart/AddAllergy", RequestID: id})
		_, err := ta.callerAt(handle).Chart.AddAllergy(p.ID, in)
		return handle, err
	}
	allergies := func() int {
		list, err := ta.Clinician.Chart.Allergies(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Allergies)
	}
	kept := func(s *app.Session, id string) (app.KeptAnswer, bool) {
		k, ok, err := ta.KeptAnswer(s, id)
		if err != nil {
			t.Fatal(err)
		}
		return k, ok
	}

	first, err := addAllergy(dr, "req-1", allergy)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := kept(dr, "req-1"); !ok || k.Call != "Chart/AddAllergy" || k.Status != 0 {
		t.Fatalf("kept after the write, before its answer: %+v %v", k, ok)
	}
	// Sent again (a new call with the same id, as after a restart): the
	// write is not made again; no answer was kept, so the repeat is told so.
	_, err = addAllergy(dr, "req-1", allergy)
	if !errors.Is(err, app.ErrAlreadyMade) {
		t.Fatalf("the same id again: err = %v, want ErrAlreadyMade", err)
	}
	if n := allergies(); n != 1 {
		t.Fatalf("%d allergies, want 1", n)
	}

	// The answer, once stored, is what a repeat gets, in another session of
	// the same person too.
	if err := ta.KeepAnswer(first, 200, []byte(`{"id":"a-1"}`)); err != nil {
		t.Fatal(err)
	}
	other := ta.newCaller("room-3")
	if _, err := other.Auth.Login(clinicianUsername, clinicianPassword); err != nil {
		t.Fatal(err)
	}
	if k, ok := kept(other.Session, "req-1"); !ok || k.Status != 200 || string(k.Body) != `{"id":"a-1"}` {
		t.Errorf("kept: %+v %v", k, ok)
	}

	tests := []struct {
		name   string
		in     app.AllergyInput
		answer []byte
		// wantKept: a row for the id, and wantStatus its answer's status.
		wantKept   bool
		wantStatus int
	}{
		{"a refused form writes nothing and records nothing", app.AllergyInput{SubstanceKind: "drug_class"}, []byte(`{}`), false, 0},
		{"an answer too large is not kept", app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food"},
			[]byte(`"` + strings.Repeat("x", 300<<10) + `"`), true, 0},
		{"a small answer is kept", app.AllergyInput{Substance: "Latex", SubstanceKind: "environment"}, []byte(`{}`), true, 201},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "req-t" + string(rune('a'+i))
			handle, _ := addAllergy(dr, id, tt.in)
			if err := ta.KeepAnswer(handle, 201, tt.answer); err != nil {
				t.Fatal(err)
			}
			k, ok := kept(dr, id)
			if ok != tt.wantKept || k.Status != tt.wantStatus {
				t.Errorf("kept %+v %v, want kept %v with status %d", k, ok, tt.wantKept, tt.wantStatus)
			}
		})
	}

	// Another person's request ids are theirs: the same id makes their write.
	desk := ta.FrontDesk.Session.ForCall(app.Call{Name: "Patients/Register", RequestID: "req-1"})
	in := samplePatient()
	in.FamilyName = "Okafor"
	if _, err := registerAnyway(ta.callerAt(desk).Patients, in); err != nil {
		t.Errorf("another person's write with the same id: %v", err)
	}
	if c := ta.counts(t); c.Patients != 2 {
		t.Errorf("%d patients, want 2", c.Patients)
	}
}

// TestRequestIDsLeaveTheCheckClean: the request ids are not part of the
// record: recording them with writes, storing answers and pruning them a
// day later leave `folio check` (the audit of rows and the schema) clean.
func TestRequestIDsLeaveTheCheckClean(t *testing.T) {
	ta := newTestApp(t)
	register := func(id, family string) {
		t.Helper()
		handle := ta.FrontDesk.Session.ForCall(app.Call{Name: "Patients/Register", RequestID: id})
		in := samplePatient()
		in.FamilyName = family
		if _, err := registerAnyway(ta.callerAt(handle).Patients, in); err != nil {
			t.Fatal(err)
		}
		if err := ta.KeepAnswer(handle, 200, []byte(`{"familyName":"`+family+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	register("req-1", "Rivera")
	ta.Clock.Advance(25 * time.Hour)
	if _, err := ta.FrontDesk.Auth.Unlock(frontDeskPassword); err != nil {
		t.Fatal(err)
	}
	register("req-2", "Okafor") // prunes req-1
	if _, ok, err := ta.KeptAnswer(ta.FrontDesk.Session, "req-1"); ok || err != nil {
		t.Errorf("req-1 kept after a day: %v, %v", ok, err)
	}
	c, err := ta.CheckAudit()
	if err != nil || len(c.Problems) > 0 {
		t.Fatalf("check = %+v, %v", c.Problems, err)
	}
}
