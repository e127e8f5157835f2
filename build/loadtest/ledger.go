package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"folio/app"
)

// ledger is every write the host acknowledged (answered 200), as last
// acknowledged: after the day, each must be found so in the database. A
// write that failed leaves its record "uncertain" (the host may or may
// not have kept it): that record is then only looked for, not compared,
// and the failure is already counted as an error.
type ledger struct {
	mu            sync.Mutex
	registrations map[string]app.PatientInput // patient id → as registered
	appointments  map[string]*ackAppointment  // appointment id → as last acknowledged
	vitals        []ackItem
	medications   []ackItem
	notes         map[string]*ackNote // encounter id → its note as last saved
}

type ackAppointment struct {
	Start, Status string
	Version       int
	Uncertain     bool
}

// ackItem is a row added to a patient's list (vitals, a medication).
type ackItem struct{ PatientID, ID string }

type ackNote struct {
	PatientID string
	Text      app.NoteText
	Signed    bool
	Uncertain bool
}

func newLedger() *ledger {
	return &ledger{registrations: map[string]app.PatientInput{}, appointments: map[string]*ackAppointment{},
		notes: map[string]*ackNote{}}
}

func (l *ledger) registered(p app.Patient, in app.PatientInput) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.registrations[p.ID] = in
}

// appointment files an appointment's acknowledged state (booked, moved,
// advanced).
func (l *ledger) appointment(a app.Appointment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appointments[a.ID] = &ackAppointment{Start: a.Start, Status: a.Status, Version: a.Version}
}

// appointmentFailed marks a known appointment whose change was not
// acknowledged.
func (l *ledger) appointmentFailed(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.appointments[id]; a != nil {
		a.Uncertain = true
	}
}

func (l *ledger) vitalsRecorded(v app.VitalsSet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.vitals = append(l.vitals, ackItem{v.PatientID, v.ID})
}

func (l *ledger) medicationAdded(patientID string, m app.Medication) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.medications = append(l.medications, ackItem{patientID, m.ID})
}

func (l *ledger) noteSaved(e app.Encounter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.notes[e.ID] = &ackNote{PatientID: e.PatientID, Text: e.Note.NoteText, Signed: e.Status == "signed"}
}

func (l *ledger) noteFailed(encounterID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.notes[encounterID]; n != nil {
		n.Uncertain = true
	}
}

// Writes counts the acknowledged writes by kind, for the report.
type Writes struct {
	Registrations int `json:"registrations"`
	Appointments  int `json:"appointments"`
	Vitals        int `json:"vitals"`
	Medications   int `json:"medications"`
	Notes         int `json:"notes"`
	SignedNotes   int `json:"signedNotes"`
}

func (l *ledger) counts() Writes {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := Writes{Registrations: len(l.registrations), Appointments: len(l.appointments), Vitals: len(l.vitals),
		Medications: len(l.medications), Notes: len(l.notes)}
	for _, n := range l.notes {
		if n.Signed {
			w.SignedNotes++
		}
	}
	return w
}

// verify reads every acknowledged write back through the host's API (a
// host started again on the same folder, so what it finds is what reached
// the disk): desk reads demographics and the schedule, clinician the
// charts. It answers what is missing or different, one line each.
func (l *ledger) verify(ctx context.Context, desk, clinician *client) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lost []string
	for id, in := range l.registrations {
		var p app.Patient
		if err := desk.call(ctx, &p, "Patients", "Open", id); err != nil {
			lost = append(lost, fmt.Sprintf("registration %s (%s, %s): %v", id, in.FamilyName, in.GivenNames, err))
			continue
		}
		if p.FamilyName != in.FamilyName || p.GivenNames != in.GivenNames || p.BirthDate != in.BirthDate {
			lost = append(lost, fmt.Sprintf("registration %s: registered %s, %s %s; found %s, %s %s",
				id, in.FamilyName, in.GivenNames, in.BirthDate, p.FamilyName, p.GivenNames, p.BirthDate))
		}
	}
	for id, want := range l.appointments {
		var a app.Appointment
		if err := desk.call(ctx, &a, "Schedule", "Appointment", id); err != nil {
			lost = append(lost, fmt.Sprintf("appointment %s: %v", id, err))
			continue
		}
		if !want.Uncertain && (a.Start != want.Start || a.Status != want.Status || a.Version != want.Version) {
			lost = append(lost, fmt.Sprintf("appointment %s: acknowledged %s %s v%d; found %s %s v%d",
				id, want.Start, want.Status, want.Version, a.Start, a.Status, a.Version))
		}
	}
	if err := verifyItems(ctx, clinician, "vitals", l.vitals, &lost, func(patientID string) ([]string, error) {
		var sets []app.VitalsSet
		err := clinician.call(ctx, &sets, "Chart", "Vitals", patientID, 500)
		ids := make([]string, len(sets))
		for i, v := range sets {
			ids[i] = v.ID
		}
		return ids, err
	}); err != nil {
		return lost, err
	}
	if err := verifyItems(ctx, clinician, "medication", l.medications, &lost, func(patientID string) ([]string, error) {
		var meds []app.Medication
		err := clinician.call(ctx, &meds, "Chart", "Medications", patientID)
		ids := make([]string, len(meds))
		for i, m := range meds {
			ids[i] = m.ID
		}
		return ids, err
	}); err != nil {
		return lost, err
	}
	for id, want := range l.notes {
		var e app.Encounter
		if err := clinician.call(ctx, &e, "Chart", "Encounter", id); err != nil {
			lost = append(lost, fmt.Sprintf("note of encounter %s: %v", id, err))
			continue
		}
		if want.Uncertain {
			continue
		}
		if e.Note.NoteText != want.Text {
			lost = append(lost, fmt.Sprintf("note of encounter %s: the last acknowledged save (%d characters) is not what is stored (%d characters)",
				id, noteLength(want.Text), noteLength(e.Note.NoteText)))
		}
		if want.Signed && e.Status != "signed" {
			lost = append(lost, fmt.Sprintf("note of encounter %s: signed, but found %s", id, e.Status))
		}
	}
	slices.Sort(lost)
	return lost, nil
}

// verifyItems looks for each acknowledged row in its patient's list, read
// once per patient.
func verifyItems(ctx context.Context, c *client, what string, items []ackItem, lost *[]string,
	list func(patientID string) ([]string, error)) error {
	byPatient := map[string][]string{}
	for _, it := range items {
		byPatient[it.PatientID] = append(byPatient[it.PatientID], it.ID)
	}
	for patientID, want := range byPatient {
		have, err := list(patientID)
		if err != nil {
			*lost = append(*lost, fmt.Sprintf("%s of patient %s: %v", what, patientID, err))
			continue
		}
		for _, id := range want {
			if !slices.Contains(have, id) {
				*lost = append(*lost, fmt.Sprintf("%s %s of patient %s: not found", what, id, patientID))
			}
		}
	}
	return ctx.Err()
}

func noteLength(n app.NoteText) int {
	return len(n.Subjective) + len(n.Objective) + len(n.Assessment) + len(n.Plan)
}
