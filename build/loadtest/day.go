package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"folio/app"
)

// The clinic day: each virtual user is a person at a workstation doing
// what the UI does for each action, call for call (frontend/src/lib/api.ts
// and the stores that use it), with a person's pauses between.
//
// No two people touch the same record at once, as in a clinic that runs
// well: an appointment is checked in by one desk (the one that booked it,
// or by its id's share), moved only by the desk that booked it, and taken
// on (in room, with clinician, done) by its own clinician once it has
// arrived; each clinician charts walk-ins from a share of the charted
// patients of its own. So every error is the host's, not a conflict the
// script made.

// world is what every virtual user shares: the clinic's clinicians and
// appointment types, the names people search for, and the ledger.
type world struct {
	today      string // YYYY-MM-DD, the host's (same machine) local date
	clinicians []app.Clinician
	types      []app.AppointmentType
	names      []string // family names of the clinic's patients, to search for
	ledger     *ledger
	stats      *stats
	desks      int

	mu      sync.Mutex
	bookers map[string]int // appointment id → the desk that booked it this run
}

// owner is the desk that checks an appointment in.
func (w *world) owner(appointmentID string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d, ok := w.bookers[appointmentID]; ok {
		return d
	}
	h := fnv.New32a()
	h.Write([]byte(appointmentID))
	return int(h.Sum32() % uint32(w.desks))
}

func (w *world) booked(appointmentID string, desk int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bookers[appointmentID] = desk
}

// person is what both kinds of virtual user have: a workstation, a seeded
// random source for their choices and pauses, and the day's end.
type person struct {
	c   *client
	r   *rand.Rand
	w   *world
	end time.Time
}

// pause waits like a person between steps (min to max), and says whether
// the day still goes on.
func (p *person) pause(shortest, longest time.Duration) bool {
	d := shortest + time.Duration(p.r.Int64N(int64(longest-shortest)+1))
	if until := time.Until(p.end); d > until {
		time.Sleep(max(until, 0))
		return false
	}
	time.Sleep(d)
	return time.Now().Before(p.end)
}

func (p *person) dayOver() bool { return !time.Now().Before(p.end) }

// typeAhead types text into a search-as-you-type box: one call per
// keystroke, sent as the key is pressed (the UI does not wait for the
// previous answer), at a typist's pace. It answers the last keystroke's
// result.
func typeAhead[T any](ctx context.Context, p *person, text string, search func(prefix string, out *T) error) T {
	var wg sync.WaitGroup
	var last T
	keys := []rune(text)
	for i := range keys {
		prefix := string(keys[:i+1])
		wg.Add(1)
		lastKey := i == len(keys)-1
		go func() {
			defer wg.Done()
			var out T
			if search(prefix, &out) == nil && lastKey {
				last = out
			}
		}()
		if !lastKey {
			time.Sleep(time.Duration(90+p.r.IntN(160)) * time.Millisecond)
		}
	}
	wg.Wait()
	return last
}

// ---- the front desk ----

type desk struct {
	person
	index int
	mine  []string // appointments this desk booked, still booked as far as it knows
	seen  []app.PatientHit
}

func (d *desk) run(ctx context.Context) {
	// Each desk starts with a booking it then moves (a patient on the
	// phone asking for another time), so that even a short run makes
	// every kind of schedule write; then the day's mix.
	for _, task := range []func(context.Context){d.book, d.move} {
		if !d.pause(2*time.Second, 10*time.Second) {
			return
		}
		task(ctx)
	}
	for d.pause(2*time.Second, 10*time.Second) {
		switch n := d.r.IntN(100); {
		case n < 40:
			d.findPatient(ctx)
		case n < 55:
			d.register(ctx)
		case n < 72:
			d.book(ctx)
		case n < 80:
			d.move(ctx)
		case n < 94:
			d.checkIn(ctx)
		default:
			d.printLists(ctx)
		}
	}
}

// search types a name, as the patient spells it, into the patient search.
func (d *desk) search(ctx context.Context, name string) []app.PatientHit {
	hits := typeAhead(ctx, &d.person, name, func(prefix string, out *[]app.PatientHit) error {
		return d.c.call(ctx, out, "Patients", "Search", prefix, 20)
	})
	d.seen = append(d.seen, hits...)
	if len(d.seen) > 200 {
		d.seen = d.seen[len(d.seen)-200:]
	}
	return hits
}

// findPatient searches for a patient by name and opens their page: the
// patient, their history of corrections and their appointments.
func (d *desk) findPatient(ctx context.Context) {
	name := d.w.names[d.r.IntN(len(d.w.names))]
	hits := d.search(ctx, name)
	if len(hits) == 0 || !d.pause(time.Second, 3*time.Second) {
		return
	}
	d.openPatient(ctx, hits[d.r.IntN(len(hits))].ID)
}

func (d *desk) openPatient(ctx context.Context, id string) {
	parallel(
		func() { d.c.call(ctx, nil, "Patients", "Open", id) },
		func() { d.c.call(ctx, nil, "Patients", "History", id) },
		func() { d.c.call(ctx, nil, "Schedule", "PatientAppointments", id) },
	)
}

var givenNames = []string{"Amara", "Bilal", "Chloé", "Dmitri", "Eilidh", "Farah", "Gustavo", "Hana", "Ivo", "Jun",
	"Kofi", "Lena", "Mateo", "Noor", "Oskar", "Priya", "Quentin", "Rosa", "Sione", "Tariq", "Uma", "Viktor", "Wen", "Yara"}

// register searches first (is the patient already here?), fills the form
// (the duplicate check runs as the name and birth date are in), registers.
func (d *desk) register(ctx context.Context) {
	family := d.w.names[d.r.IntN(len(d.w.names))]
	given := givenNames[d.r.IntN(len(givenNames))]
	d.search(ctx, family)
	birth := time.Date(1930+d.r.IntN(94), time.Month(1+d.r.IntN(12)), 1+d.r.IntN(28), 0, 0, 0, 0, time.UTC)
	in := app.PatientInput{FamilyName: family, GivenNames: given, BirthDate: birth.Format("2006-01-02"),
		Sex: []string{"female", "male"}[d.r.IntN(2)], Phone: fmt.Sprintf("555-%04d", d.r.IntN(10000)),
		AddressLine: fmt.Sprintf("%d Load Street", 1+d.r.IntN(999)), City: "Testville", Language: "English"}
	if !d.pause(5*time.Second, 20*time.Second) { // typing the form
		return
	}
	var likely []app.DuplicateMatch
	d.c.call(ctx, &likely, "Patients", "LikelyDuplicates", in)
	if !d.pause(2*time.Second, 8*time.Second) {
		return
	}
	var p app.Patient
	register := func() error { return d.c.call(ctx, &p, "Patients", "Register", in) }
	if len(likely) > 0 {
		// The load's names, birth dates and phones repeat by chance: the
		// desk looks at the charts shown and says this is someone else.
		var ids []string
		for _, m := range likely {
			ids = append(ids, m.Patient.ID)
		}
		register = func() error { return d.c.call(ctx, &p, "Patients", "RegisterDifferentPerson", in, ids) }
	}
	if err := register(); err != nil {
		return
	}
	d.w.ledger.registered(p, in)
	d.seen = append(d.seen, app.PatientHit{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames})
	d.openPatient(ctx, p.ID)
}

// book finds the patient, looks at a clinician's week and books a slot.
func (d *desk) book(ctx context.Context) {
	if len(d.seen) == 0 {
		d.findPatient(ctx)
		if len(d.seen) == 0 {
			return
		}
	}
	patient := d.seen[d.r.IntN(len(d.seen))]
	clinician := d.w.clinicians[d.r.IntN(len(d.w.clinicians))]
	d.c.call(ctx, nil, "Schedule", "Week", d.w.today, clinician.ID)
	if !d.pause(2*time.Second, 6*time.Second) {
		return
	}
	ty := d.w.types[d.r.IntN(len(d.w.types))]
	in := app.AppointmentInput{PatientID: patient.ID, ClinicianID: clinician.ID, TypeID: ty.ID,
		Start: d.slot(), Note: "booked by the load test"}
	var s app.Scheduled
	if err := d.c.call(ctx, &s, "Schedule", "Book", in); err != nil || len(s.Appointments) == 0 {
		return
	}
	a := s.Appointments[0]
	d.w.ledger.appointment(a)
	d.w.booked(a.ID, d.index)
	d.mine = append(d.mine, a.ID)
}

// slot is a quarter hour in opening hours, today or in the next days.
func (d *desk) slot() string {
	day, _ := time.Parse("2006-01-02", d.w.today)
	day = day.AddDate(0, 0, d.r.IntN(8))
	minutes := 8*60 + 15*d.r.IntN(36)
	return day.Add(time.Duration(minutes) * time.Minute).Format("2006-01-02T15:04")
}

// move opens one of this desk's bookings and moves it to another time.
func (d *desk) move(ctx context.Context) {
	if len(d.mine) == 0 {
		d.book(ctx)
		return
	}
	id := d.mine[d.r.IntN(len(d.mine))]
	var a app.Appointment
	if err := d.c.call(ctx, &a, "Schedule", "Appointment", id); err != nil {
		return
	}
	if a.Status != "booked" || !d.pause(time.Second, 4*time.Second) {
		return
	}
	// The calendar's drag keeps the appointment's length: a move names
	// both ends.
	const layout = "2006-01-02T15:04"
	oldStart, err1 := time.Parse(layout, a.Start)
	oldEnd, err2 := time.Parse(layout, a.End)
	start := d.slot()
	newStart, err3 := time.Parse(layout, start)
	if err1 != nil || err2 != nil || err3 != nil {
		d.w.stats.problem(fmt.Sprintf("appointment %s has times %q to %q that do not read", id, a.Start, a.End))
		return
	}
	end := newStart.Add(oldEnd.Sub(oldStart)).Format(layout)
	var s app.Scheduled
	err := d.c.call(ctx, &s, "Schedule", "Move", app.MoveInput{ID: id, Start: start, End: end, Version: a.Version, Scope: "one"})
	if err != nil || len(s.Appointments) == 0 {
		d.w.ledger.appointmentFailed(id)
		return
	}
	d.w.ledger.appointment(s.Appointments[0])
}

// checkIn looks at today's board and marks a booked patient arrived.
func (d *desk) checkIn(ctx context.Context) {
	var b app.Board
	if err := d.c.call(ctx, &b, "Schedule", "Board", d.w.today); err != nil {
		return
	}
	var waiting []app.BoardCard
	for _, col := range b.Columns {
		if col.Status != "booked" {
			continue
		}
		for _, card := range col.Cards {
			if d.w.owner(card.ID) == d.index && d.w.isOurs(card.ClinicianID) {
				waiting = append(waiting, card)
			}
		}
	}
	if len(waiting) == 0 || !d.pause(time.Second, 3*time.Second) {
		return
	}
	card := waiting[d.r.IntN(min(len(waiting), 4))] // the patient at the desk is one of the next few
	var a app.Appointment
	if err := d.c.call(ctx, &a, "Schedule", "Advance", card.ID, "arrived", card.Version); err != nil {
		d.w.ledger.appointmentFailed(card.ID)
		return
	}
	d.w.ledger.appointment(a)
	d.forget(card.ID)
}

func (d *desk) forget(id string) {
	for i, m := range d.mine {
		if m == id {
			d.mine = append(d.mine[:i], d.mine[i+1:]...)
			return
		}
	}
}

// printLists prints the day: the whole clinic's day, one clinician's day
// list as CSV, and the call list.
func (d *desk) printLists(ctx context.Context) {
	clinician := d.w.clinicians[d.r.IntN(len(d.w.clinicians))]
	d.c.call(ctx, nil, "Schedule", "Day", d.w.today, "")
	d.c.call(ctx, nil, "Schedule", "DayListCSV", d.w.today, clinician.ID)
	d.c.call(ctx, nil, "Schedule", "CallListCSV")
}

// isOurs says whether a clinician is one of the day's virtual clinicians
// (only theirs are checked in: nobody takes the others' patients on).
func (w *world) isOurs(clinicianID string) bool {
	for _, c := range w.clinicians {
		if c.ID == clinicianID {
			return true
		}
	}
	return false
}

// ---- the clinicians ----

type clinician struct {
	person
	me      app.Clinician
	walkIns []string // patient ids of charted patients this clinician sees as walk-ins
}

var noteWords = strings.Fields("patient reports intermittent headache for three days worse in the morning no fever " +
	"no visual change sleeps poorly works night shifts blood pressure reviewed advised fluids and rest " +
	"follow up in two weeks if not better examined chest clear heart sounds normal abdomen soft non tender")

var drugNames = []string{"amoxicillin", "lisinopril", "metformin", "atorvastatin", "ibuprofen", "warfarin",
	"simvastatin", "clarithromycin", "sertraline", "omeprazole", "amlodipine", "ciprofloxacin"}

func (c *clinician) run(ctx context.Context) {
	for c.pause(3*time.Second, 12*time.Second) {
		c.visit(ctx)
	}
}

// visit is one patient: from the day list (a patient who has arrived) or
// a walk-in, the chart opened, vitals, a note typed and saved as it is
// typed, perhaps a prescription, the note signed.
func (c *clinician) visit(ctx context.Context) {
	var day app.Calendar
	if err := c.c.call(ctx, &day, "Schedule", "Day", c.w.today, c.me.ID); err != nil {
		return
	}
	var appt *app.Appointment
	for i := range day.Appointments {
		if day.Appointments[i].Status == "arrived" {
			appt = &day.Appointments[i]
			break
		}
	}
	patientID := ""
	switch {
	case appt != nil:
		patientID = appt.PatientID
	case len(c.walkIns) > 0:
		patientID = c.walkIns[c.r.IntN(len(c.walkIns))]
	default:
		return
	}
	c.openChart(ctx, patientID)
	if appt != nil {
		for _, status := range []string{"in_room", "with_clinician"} {
			if !c.advance(ctx, appt, status) {
				return
			}
		}
	}
	appointmentID := ""
	if appt != nil {
		appointmentID = appt.ID
	}
	var enc app.Encounter
	if err := c.c.call(ctx, &enc, "Chart", "OpenEncounter", patientID, appointmentID); err != nil {
		return
	}
	if enc.Status != "open" {
		return // a visit already signed (a walk-in's earlier one is not reopened)
	}
	if !c.pause(3*time.Second, 10*time.Second) {
		return
	}
	c.recordVitals(ctx, patientID, enc.ID)
	enc, ok := c.writeNote(ctx, enc)
	if !ok {
		return
	}
	if c.r.IntN(100) < 60 {
		c.prescribe(ctx, patientID)
	}
	if c.dayOver() {
		return
	}
	var signed app.Encounter
	if err := c.c.call(ctx, &signed, "Chart", "SignNote", enc.ID, enc.Version); err != nil {
		c.w.ledger.noteFailed(enc.ID)
		return
	}
	c.w.ledger.noteSaved(signed)
	if appt != nil {
		c.advance(ctx, appt, "done")
	}
}

// openChart makes every read the chart screen makes when it opens, at
// once as the browser sends them (PatientChart.svelte, the chart store,
// its panels).
func (c *clinician) openChart(ctx context.Context, id string) {
	reads := [][2]string{
		{"Patients", "Open"}, {"Patients", "History"}, {"Schedule", "PatientAppointments"},
		{"Chart", "Summary"}, {"Chart", "Problems"}, {"Chart", "Allergies"}, {"Chart", "Encounters"},
		{"Chart", "Medications"}, {"Chart", "LabOrders"}, {"Chart", "LabResults"}, {"Chart", "Immunizations"},
		{"Chart", "Documents"}, {"Chart", "ImportSources"}, {"Chart", "Imports"},
	}
	fns := []func(){func() { c.c.call(ctx, nil, "Chart", "Vitals", id, 10) }}
	for _, r := range reads {
		fns = append(fns, func() { c.c.call(ctx, nil, r[0], r[1], id) })
	}
	parallel(fns...)
}

// advance moves the clinician's own patient along the board.
func (c *clinician) advance(ctx context.Context, appt *app.Appointment, status string) bool {
	var a app.Appointment
	if err := c.c.call(ctx, &a, "Schedule", "Advance", appt.ID, status, appt.Version); err != nil {
		c.w.ledger.appointmentFailed(appt.ID)
		return false
	}
	c.w.ledger.appointment(a)
	*appt = a
	return true
}

func (c *clinician) recordVitals(ctx context.Context, patientID, encounterID string) {
	f := func(lo, hi int) *float64 { v := float64(lo + c.r.IntN(hi-lo+1)); return &v }
	temp := 36.0 + float64(c.r.IntN(20))/10
	in := app.VitalsInput{EncounterID: encounterID, Systolic: f(100, 160), Diastolic: f(60, 95), Pulse: f(55, 100),
		RespRate: f(12, 20), Temperature: &temp, TemperatureUnit: "C", SpO2: f(94, 100), Weight: f(50, 110), WeightUnit: "kg"}
	var v app.VitalsSet
	if err := c.c.call(ctx, &v, "Chart", "RecordVitals", patientID, in); err != nil {
		return
	}
	c.w.ledger.vitalsRecorded(v)
	c.c.call(ctx, nil, "Chart", "Vitals", patientID, 10) // the list shows the new set
}

// writeNote types the note for a while; the UI saves what is typed 2 s
// after the last save while typing goes on. It answers the encounter as
// last saved.
func (c *clinician) writeNote(ctx context.Context, enc app.Encounter) (app.Encounter, bool) {
	note := enc.Note.NoteText
	sections := []*string{&note.Subjective, &note.Objective, &note.Assessment, &note.Plan}
	// Typed in bursts between talking to the patient: 10 to 40 s of it.
	typing := time.Duration(10+c.r.IntN(31)) * time.Second
	stop := time.Now().Add(typing)
	for time.Now().Before(stop) {
		if !c.pause(2*time.Second, 2*time.Second) {
			return enc, false
		}
		// About 2 s of typing: a few words into the section being written.
		s := sections[min(int(4*(1-time.Until(stop).Seconds()/typing.Seconds())), 3)]
		for range 2 + c.r.IntN(4) {
			*s += noteWords[c.r.IntN(len(noteWords))] + " "
		}
		var saved app.Encounter
		if err := c.c.call(ctx, &saved, "Chart", "SaveDraft", enc.ID, note, enc.Note.DraftVersion); err != nil {
			c.w.ledger.noteFailed(enc.ID)
			return enc, false
		}
		c.w.ledger.noteSaved(saved)
		enc = saved
	}
	return enc, true
}

// prescribe looks a drug up as it is typed, checks it against the
// patient's medications and allergies, continues past any alert with a
// reason, prints the prescription and shows the new list.
func (c *clinician) prescribe(ctx context.Context, patientID string) {
	name := drugNames[c.r.IntN(len(drugNames))]
	drugs := typeAhead(ctx, &c.person, name[:4+c.r.IntN(3)], func(prefix string, out *[]app.Drug) error {
		return c.c.call(ctx, out, "Chart", "SearchDrugs", prefix, 10)
	})
	if len(drugs) == 0 || !c.pause(time.Second, 4*time.Second) {
		return
	}
	drug := drugs[0]
	in := app.MedicationInput{Drug: drug.Name, RxNorm: drug.RxNorm, Dose: "1 tablet", Route: "oral",
		Frequency: "once a day", Quantity: "30 tablets", Refills: c.r.IntN(3)}
	var check app.MedicationCheck
	if err := c.c.call(ctx, &check, "Chart", "CheckMedication", patientID, in); err != nil {
		return
	}
	var overrides []app.Override
	for _, a := range check.Alerts {
		overrides = append(overrides, app.Override{AlertKey: a.Key, Reason: "benefit outweighs the risk; will monitor"})
	}
	if !c.pause(2*time.Second, 6*time.Second) {
		return
	}
	if overrides == nil {
		overrides = []app.Override{}
	}
	var m app.Medication
	if err := c.c.call(ctx, &m, "Chart", "AddMedication", patientID, in, overrides); err != nil {
		return
	}
	c.w.ledger.medicationAdded(patientID, m)
	parallel(
		func() { c.c.call(ctx, nil, "Chart", "Prescription", m.ID) },
		func() { c.c.call(ctx, nil, "Chart", "Medications", patientID) },
	)
}

// parallel runs the calls at once and waits for them all, as the UI's
// Promise.all does.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
}
