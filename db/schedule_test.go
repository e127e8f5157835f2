package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// scheduleDB is a chart with an admin, a clinician and two patients.
type scheduleDB struct {
	*DB
	admin, clinician User
	ana, ben         Patient
	n                int
}

func newScheduleDB(t *testing.T) *scheduleDB {
	d := openTestDB(t)
	admin := addTestUser(t, d, "admin", "admin")
	return &scheduleDB{DB: d, admin: admin, clinician: addTestUser(t, d, "drlee", "clinician"),
		ana: addTestPatient(t, d, admin, 1, "Rivera", "Ana"), ben: addTestPatient(t, d, admin, 2, "Okoro", "Ben")}
}

const consultation = "00000000-0000-7000-8000-000000000001" // seeded by 0002_schedule.sql

// add stores an appointment of p from start to end with the given status.
func (s *scheduleDB) add(t *testing.T, p Patient, start, end, status string) Appointment {
	t.Helper()
	s.n++
	a := Appointment{ID: fmt.Sprintf("a-%03d", s.n), PatientID: p.ID, ClinicianID: s.clinician.ID, TypeID: consultation,
		Start: start, End: end, Status: status, Version: 1, CreatedAt: testTime, CreatedBy: s.admin.ID,
		UpdatedAt: testTime, UpdatedBy: s.admin.ID}
	mustUpdate(t, s.DB, func(tx *Tx) error { return tx.InsertAppointment(a) })
	return a
}

func TestAppointmentsAreNeverDeleted(t *testing.T) {
	s := newScheduleDB(t)
	a := s.add(t, s.ana, "2026-03-10T09:00", "2026-03-10T09:15", StatusBooked)
	conn := rawConn(t, s.Path())
	for _, tc := range []struct{ name, sql, want string }{
		{"delete", `DELETE FROM appointments WHERE id = 'a-001'`, "never deleted"},
		{"update without revision", `UPDATE appointments SET status = 'cancelled' WHERE id = 'a-001'`, "without a kept revision"},
		{"delete a type", `DELETE FROM appointment_types WHERE id = '` + consultation + `'`, "retired, not deleted"},
		{"end before start", `INSERT INTO appointments (id, patient_id, clinician_id, type_id, starts_at, ends_at, created_at, created_by, updated_at, updated_by)
			VALUES ('x', 'p-1', 'u-drlee', '` + consultation + `', '2026-03-10T10:00', '2026-03-10T09:00', '', 'u-admin', '', 'u-admin')`, "CHECK"},
		{"unknown status", `INSERT INTO appointments (id, patient_id, clinician_id, type_id, starts_at, ends_at, status, created_at, created_by, updated_at, updated_by)
			VALUES ('x', 'p-1', 'u-drlee', '` + consultation + `', '2026-03-10T09:00', '2026-03-10T10:00', 'lost', '', 'u-admin', '', 'u-admin')`, "CHECK"},
		{"bad colour", `UPDATE appointment_types SET colour = 'blue'`, "CHECK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := conn.Exec(tc.sql)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("unknown patient", func(t *testing.T) {
		b := a
		b.ID, b.PatientID = "orphan", "p-404"
		err := s.Update(context.Background(), func(tx *Tx) error { return tx.InsertAppointment(b) })
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v", err)
		}
	})
	err := s.View(context.Background(), func(tx *Tx) error {
		got, err := tx.AppointmentByID(a.ID)
		if err != nil || got.Status != StatusBooked || got.Version != 1 {
			t.Errorf("after refused changes: %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpdateAppointmentKeepsRevision(t *testing.T) {
	s := newScheduleDB(t)
	a := s.add(t, s.ana, "2026-03-10T09:00", "2026-03-10T09:15", StatusBooked)
	next := a
	next.Status, next.ArrivedAt, next.UpdatedAt = StatusArrived, testTime, testTime.Add(1)
	var saved Appointment
	mustUpdate(t, s.DB, func(tx *Tx) (err error) {
		saved, err = tx.UpdateAppointment(next, "arrived")
		return err
	})
	if saved.Version != 2 || saved.Status != StatusArrived {
		t.Errorf("saved %+v", saved)
	}
	// A stale version is refused and nothing is kept.
	err := s.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.UpdateAppointment(next, "again")
		return err
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	err = s.View(context.Background(), func(tx *Tx) error {
		got, err := tx.AppointmentByID(a.ID)
		if err != nil {
			return err
		}
		if got.Version != 2 || !got.ArrivedAt.Equal(testTime) || !got.InRoomAt.IsZero() {
			t.Errorf("stored %+v", got)
		}
		revs, err := tx.AppointmentRevisions(a.ID)
		if err != nil {
			return err
		}
		if len(revs) != 1 || revs[0].Appointment.Status != StatusBooked || revs[0].Appointment.Version != 1 ||
			revs[0].Reason != "arrived" || revs[0].ChangedBy != "admin" || !revs[0].Appointment.ArrivedAt.IsZero() {
			t.Errorf("revisions %+v", revs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAppointmentQueries(t *testing.T) {
	s := newScheduleDB(t)
	s.add(t, s.ana, "2026-03-09T08:00", "2026-03-09T08:15", StatusDone)      // a-001
	s.add(t, s.ana, "2026-03-10T09:00", "2026-03-10T10:00", StatusBooked)    // a-002
	s.add(t, s.ben, "2026-03-10T09:30", "2026-03-10T09:45", StatusCancelled) // a-003
	s.add(t, s.ben, "2026-03-10T09:45", "2026-03-10T10:15", StatusNoShow)    // a-004
	s.add(t, s.ben, "2026-03-10T02:00", "2026-03-10T09:10", StatusBooked)    // a-005, long
	s.add(t, s.ana, "2026-03-16T00:00", "2026-03-16T00:15", StatusBooked)    // a-006
	ids := func(rows []AppointmentRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	err := s.View(context.Background(), func(tx *Tx) error {
		week, err := tx.AppointmentsBetween("2026-03-09", "2026-03-16", "")
		if err != nil {
			return err
		}
		if got := ids(week); !slices.Equal(got, []string{"a-001", "a-005", "a-002", "a-004"}) {
			t.Errorf("week %v", got)
		}
		if week[0].PatientFamilyName != "Rivera" || week[0].PatientMRN != "0000001" || week[0].ClinicianName != "Test drlee" ||
			week[0].TypeName != "Consultation" || week[0].TypeColour != "#3b82f6" {
			t.Errorf("joined row %+v", week[0])
		}
		mine, err := tx.AppointmentsBetween("2026-03-09", "2026-03-16", s.clinician.ID)
		if err != nil || !slices.Equal(ids(mine), ids(week)) {
			t.Errorf("clinician's week %v, %v", ids(mine), err)
		}
		none, err := tx.AppointmentsBetween("2026-03-09", "2026-03-16", s.admin.ID)
		if err != nil || len(none) != 0 {
			t.Errorf("another's week %v, %v", ids(none), err)
		}
		// 09:00–09:30 meets the long 02:00–09:10 and a-002; not the cancelled
		// or missed ones, nor itself.
		busy, err := tx.Overlapping(s.clinician.ID, "", "2026-03-10T09:00", "2026-03-10T09:30", []string{"a-002"}, 5)
		if err != nil || !slices.Equal(ids(busy), []string{"a-005"}) {
			t.Errorf("overlapping %v, %v", ids(busy), err)
		}
		busy, err = tx.Overlapping("", s.ana.ID, "2026-03-10T10:00", "2026-03-10T10:30", nil, 5)
		if err != nil || len(busy) != 0 {
			t.Errorf("back to back overlaps: %v, %v", ids(busy), err)
		}
		list, err := tx.PatientAppointments(s.ben.ID)
		if err != nil || !slices.Equal(ids(list), []string{"a-004", "a-003", "a-005"}) {
			t.Errorf("Ben's appointments %v, %v", ids(list), err)
		}
		// Ben's no-show has no later live appointment: his cancelled one is earlier.
		calls, err := tx.NoShowsToRebook("2026-01-01", "2026-03-11", 10)
		if err != nil || !slices.Equal(ids(calls), []string{"a-004"}) {
			t.Errorf("call list %v, %v", ids(calls), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.add(t, s.ben, "2026-03-20T09:00", "2026-03-20T09:15", StatusBooked)
	err = s.View(context.Background(), func(tx *Tx) error {
		calls, err := tx.NoShowsToRebook("2026-01-01", "2026-03-11", 10)
		if err != nil || len(calls) != 0 {
			t.Errorf("rebooked no-show still listed: %v, %v", ids(calls), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScheduleSetupTables(t *testing.T) {
	s := newScheduleDB(t)
	mustUpdate(t, s.DB, func(tx *Tx) error {
		if err := tx.SetClinicHours([]OpeningHours{{1, "08:00", "17:00"}, {2, "08:00", "12:00"}}); err != nil {
			return err
		}
		if err := tx.SetClinicHours([]OpeningHours{{3, "09:00", "17:00"}}); err != nil {
			return err
		}
		return tx.SetAvailability(s.clinician.ID, []AvailabilityBlock{{Weekday: 1, Starts: "08:00", Ends: "12:00"}})
	})
	err := s.View(context.Background(), func(tx *Tx) error {
		hours, err := tx.ClinicHours()
		if err != nil || len(hours) != 1 || hours[0] != (OpeningHours{3, "09:00", "17:00"}) {
			t.Errorf("hours %+v, %v", hours, err)
		}
		blocks, err := tx.Availability("")
		if err != nil || len(blocks) != 1 || blocks[0].ClinicianID != s.clinician.ID {
			t.Errorf("availability %+v, %v", blocks, err)
		}
		types, err := tx.AppointmentTypes()
		if err != nil || len(types) != 5 { // schema 2's four and schema 29's Video visit
			t.Errorf("seeded types %+v, %v", types, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx *Tx) error {
		return tx.InsertAppointmentType(AppointmentType{ID: "t2", Name: "CONSULTATION", Minutes: 10, Colour: "#000000",
			Active: true, CreatedAt: testTime, UpdatedAt: testTime})
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a type name taken in another case: %v", err)
	}
	err = s.Update(context.Background(), func(tx *Tx) error {
		return tx.SetClinicHours([]OpeningHours{{1, "17:00", "08:00"}})
	})
	if err == nil {
		t.Error("closing before opening was stored")
	}
}

// TestScheduleMigrationKeepsCharts opens a clinic written at schema 1 with
// the schedule's migration: its users and patients stay, and can be booked.
func TestScheduleMigrationKeepsCharts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	admin := addTestUser(t, old, "admin", "admin")
	clinician := addTestUser(t, old, "drlee", "clinician")
	// The patient as schema 1 stores one: later steps add columns.
	p := Patient{ID: "p-1", MRN: "0000001", FamilyName: "Rivera", GivenNames: "Ana"}
	mustUpdate(t, old, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO patients (id, mrn, family_name, given_names, birth_date, sex, sort_key,
			created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, '1980-03-04', 'female', 'rivera ana', '', ?, '', ?)`,
			p.ID, p.MRN, p.FamilyName, p.GivenNames, admin.ID, admin.ID)
		return err
	})
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := &scheduleDB{DB: d, admin: admin, clinician: clinician, ana: p}
	a := s.add(t, p, "2026-03-10T09:00", "2026-03-10T09:15", StatusBooked)
	err = d.View(ctx, func(tx *Tx) error {
		got, err := tx.AppointmentRowByID(a.ID)
		if err != nil || got.PatientFamilyName != "Rivera" || got.ClinicianName != "Test drlee" {
			t.Errorf("booked on a migrated chart: %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCalendarQueryPlans keeps the calendar's queries on their indexes: a
// week of the whole clinic is a range of the table's time order, and no
// other table is read for a line.
func TestCalendarQueryPlans(t *testing.T) {
	s := newScheduleDB(t)
	for _, tc := range []struct {
		name        string
		selectFrom  string
		clinicianID string
		want        []string
	}{
		{"whole clinic", appointmentRowFrom, "", []string{"SEARCH a USING PRIMARY KEY (starts_at>? AND starts_at<?)"}},
		{"one clinician", appointmentRowFrom, "c",
			[]string{"SEARCH a USING INDEX appointments_clinician_start (clinician_id=? AND starts_at>? AND starts_at<?)"}},
		{"week entries, whole clinic", calendarEntryFrom, "", []string{"SEARCH a USING PRIMARY KEY (starts_at>? AND starts_at<?)"}},
		{"week entries, one clinician", calendarEntryFrom, "c",
			[]string{"SEARCH a USING INDEX appointments_clinician_start (clinician_id=? AND starts_at>? AND starts_at<?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			where, args := calendarRange("a", "b", tc.clinicianID)
			plan := queryPlan(t, s.DB, tc.selectFrom+where, args...)
			if !slices.Equal(plan, tc.want) {
				t.Errorf("plan\n %q\nwant\n %q", plan, tc.want)
			}
		})
	}
}

// TestCallListQueryPlan keeps the call list one run of its own table in
// time order (each page read is a page fetched: a reader's cache is seldom
// warm).
func TestCallListQueryPlan(t *testing.T) {
	s := newScheduleDB(t)
	plan := queryPlan(t, s.DB, noShowsToRebook, "a", "b", 500)
	want := []string{
		"SEARCH a USING PRIMARY KEY (starts_at>? AND starts_at<?)",
		"USE TEMP B-TREE FOR LAST TERM OF ORDER BY",
	}
	if !slices.Equal(plan, want) {
		t.Errorf("plan\n %q\nwant\n %q", plan, want)
	}
}

// TestCallListFollowsAppointments plays random days of booking, moving,
// cancelling, missing, undoing a no-show, correcting patients and moving
// appointments to another chart, and after each change compares the kept
// call list with its definition (the view call_list_due) read afresh.
func TestCallListFollowsAppointments(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := newScheduleDB(t)
			rng := rand.New(rand.NewSource(seed))
			patients := []Patient{s.ana, s.ben}
			for i := 3; i <= 5; i++ {
				patients = append(patients, addTestPatient(t, s.DB, s.admin, i, fmt.Sprintf("Family%d", i), "Given"))
			}
			var booked []Appointment
			slot := func() (string, string) {
				// Few slots, so that times tie and patients share days.
				day, hour := 1+rng.Intn(6), 9+rng.Intn(3)
				return fmt.Sprintf("2026-03-%02dT%02d:00", day, hour), fmt.Sprintf("2026-03-%02dT%02d:30", day, hour)
			}
			statuses := []string{StatusBooked, StatusArrived, StatusDone, StatusNoShow, StatusCancelled}
			for step := 0; step < 120; step++ {
				op := rng.Intn(10)
				switch {
				case op < 4 || len(booked) == 0:
					start, end := slot()
					status := StatusBooked
					if rng.Intn(4) == 0 {
						status = statuses[rng.Intn(len(statuses))] // as an import enters them
					}
					booked = append(booked, s.add(t, patients[rng.Intn(len(patients))], start, end, status))
				case op < 8:
					i := rng.Intn(len(booked))
					a := booked[i]
					if rng.Intn(2) == 0 {
						a.Status = statuses[rng.Intn(len(statuses))]
					} else {
						a.Start, a.End = slot()
					}
					mustUpdate(t, s.DB, func(tx *Tx) (err error) {
						booked[i], err = tx.UpdateAppointment(a, "test")
						return err
					})
				case op < 9:
					p := patients[rng.Intn(len(patients))]
					p.Phone = fmt.Sprintf("555-%04d", step)
					mustUpdate(t, s.DB, func(tx *Tx) (err error) {
						p, err = tx.UpdatePatient(p, "test")
						return err
					})
					for j := range patients {
						if patients[j].ID == p.ID {
							patients[j] = p
						}
					}
				default:
					i := rng.Intn(len(booked))
					a, to := booked[i], patients[rng.Intn(len(patients))]
					mustUpdate(t, s.DB, func(tx *Tx) error {
						if err := tx.keepRevision("appointment", a.ID, a.Version, a, s.admin.ID, testTime, "merged"); err != nil {
							return err
						}
						_, err := tx.exec(`UPDATE appointments SET patient_id = ?, version = version + 1 WHERE id = ?`, to.ID, a.ID)
						return err
					})
					booked[i].PatientID = to.ID
					booked[i].Version++
				}
				kept, due := callListRows(t, s.DB, "call_list"), callListRows(t, s.DB, "call_list_due")
				if !slices.Equal(kept, due) {
					t.Fatalf("step %d: call_list\n %q\nthe no-shows to rebook\n %q", step, kept, due)
				}
			}
		})
	}
}

// callListRows reads every row of table (call_list or the view
// call_list_due) as text, in one order.
func callListRows(t *testing.T, d *DB, table string) []string {
	t.Helper()
	var out []string
	err := d.View(context.Background(), func(tx *Tx) error {
		rows, err := tx.appointmentRows(table, `SELECT `+callListColumns+` FROM `+table+` a ORDER BY a.starts_at, a.id`)
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%+v", r))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseOptionalTime(t *testing.T) {
	for _, at := range []time.Time{testTime, testTime.Add(123456789 * time.Microsecond), {}} {
		if got := parseOptionalTime(optionalTime(at)); !got.Equal(at) {
			t.Errorf("%v read back as %v", at, got)
		}
	}
}

// TestAppointmentCardFollowsPatient checks the triggers that keep each
// appointment's copy of its patient's card current.
func TestAppointmentCardFollowsPatient(t *testing.T) {
	s := newScheduleDB(t)
	a := s.add(t, s.ana, "2026-03-10T09:00", "2026-03-10T09:15", StatusBooked)
	card := func() AppointmentRow {
		t.Helper()
		var r AppointmentRow
		err := s.View(context.Background(), func(tx *Tx) (err error) {
			r, err = tx.AppointmentRowByID(a.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := card(); r.PatientFamilyName != "Rivera" || r.PatientGivenNames != "Ana" || r.PatientMRN != s.ana.MRN ||
		r.PatientBirthDate != "1980-03-04" || r.PatientPhone != "555-201-3344" {
		t.Fatalf("card when booked: %+v", r)
	}
	// A correction of the patient's details reaches the appointment, which
	// keeps no revision for it: it did not change.
	corrected := s.ana
	corrected.FamilyName, corrected.Phone, corrected.UpdatedAt = "Rivera-Lopez", "555-999-0000", testTime.Add(time.Hour)
	mustUpdate(t, s.DB, func(tx *Tx) error {
		_, err := tx.UpdatePatient(corrected, "married")
		return err
	})
	if r := card(); r.PatientFamilyName != "Rivera-Lopez" || r.PatientPhone != "555-999-0000" || r.Version != 1 {
		t.Errorf("card after a correction: %+v", r)
	}
	// Moved to another chart (as a merge does), the card is the new patient's.
	mustUpdate(t, s.DB, func(tx *Tx) error {
		if err := tx.keepRevision("appointment", a.ID, 1, a, s.admin.ID, testTime, "merged"); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE appointments SET patient_id = ?, version = 2 WHERE id = ?`, s.ben.ID, a.ID)
		return err
	})
	if r := card(); r.PatientID != s.ben.ID || r.PatientFamilyName != "Okoro" || r.PatientMRN != s.ben.MRN {
		t.Errorf("card after a move: %+v", r)
	}
}
