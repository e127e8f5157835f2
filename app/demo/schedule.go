package demo

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"sort"
	"time"

	"folio/app"
	"folio/db"
)

// demoClinicians are the clinic's doctors when a demo has appointments:
// Dr. Lee of the demo accounts and these, all with Dr. Lee's password.
var demoClinicians = []app.NewUser{
	{Username: "drokafor", FullName: "Dr. Ngozi Okafor"},
	{Username: "drnguyen", FullName: "Dr. Minh Nguyen"},
	{Username: "drgarcia", FullName: "Dr. Elena García"},
	{Username: "drsmith", FullName: "Dr. Hannah Smith"},
	{Username: "drkim", FullName: "Dr. Daniel Kim"},
	{Username: "drbrown", FullName: "Dr. Marcus Brown"},
	{Username: "drcohen", FullName: "Dr. Rachel Cohen"},
	{Username: "drsilva", FullName: "Dr. Paulo Silva"},
	{Username: "drobrien", FullName: "Dr. Siobhan O'Brien"},
}

const demoClinicianPassword = "demo-clinician-pass"

// ScheduleFrame is what a generated schedule is made of: the clinic's
// patients (MRN 1 to Patients), clinicians (user names), appointment types
// and the day it is generated around.
type ScheduleFrame struct {
	Today      time.Time
	Patients   int
	Clinicians []string
	Types      []app.AppointmentType
}

// Appointments yields n synthetic appointments, the same for the same frame
// and seed: weekdays 08:00–12:00 and 13:00–17:00, each clinician's day
// mostly full: from Today four weeks on, then back in time from Today
// until n are made, so even a small demo shows this week busy.
// Past ones are mostly done, some missed or cancelled; today's and later
// ones are booked, a few cancelled.
func Appointments(n int, seed int64, f ScheduleFrame) iter.Seq[app.ImportedAppointment] {
	return func(yield func(app.ImportedAppointment) bool) {
		if len(f.Clinicians) == 0 || len(f.Types) == 0 || f.Patients == 0 {
			return
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0x5851f42d4c957f2d))
		today := time.Date(f.Today.Year(), f.Today.Month(), f.Today.Day(), 0, 0, 0, 0, time.UTC)
		made := 0
		for i := 0; made < n; i++ {
			day := demoDay(today, i)
			if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				continue
			}
			for _, clinician := range f.Clinicians {
				for _, block := range [][2]int{{8 * 60, 12 * 60}, {13 * 60, 17 * 60}} {
					for t := block[0]; made < n; {
						ty := pickType(r, f.Types)
						if t+ty.Minutes > block[1] {
							break
						}
						start, end := day.Add(time.Duration(t)*time.Minute), day.Add(time.Duration(t+ty.Minutes)*time.Minute)
						t += ty.Minutes
						if r.IntN(100) < 12 { // a free slot
							continue
						}
						in := app.ImportedAppointment{
							PatientMRN: app.MRN(int64(1 + r.IntN(f.Patients))), ClinicianUsername: clinician, TypeName: ty.Name,
							Start: start.Format("2006-01-02T15:04"), End: end.Format("2006-01-02T15:04"),
						}
						in.Status, in.Reason = outcome(r, day.Before(today))
						made++
						if !yield(in) {
							return
						}
					}
				}
			}
		}
	}
}

// demoDay is the i-th day filled: Today and the next 27 days, then the
// days before Today, latest first.
func demoDay(today time.Time, i int) time.Time {
	const ahead = 28
	if i < ahead {
		return today.AddDate(0, 0, i)
	}
	return today.AddDate(0, 0, ahead-1-i)
}

// everyday is the type most visits are.
const everyday = "Consultation"

// pickType chooses the first type more often than the others: a clinic's
// day is mostly ordinary consultations.
func pickType(r *rand.Rand, types []app.AppointmentType) app.AppointmentType {
	if r.IntN(100) < 60 {
		return types[0]
	}
	return types[r.IntN(len(types))]
}

func outcome(r *rand.Rand, past bool) (status, reason string) {
	x := r.IntN(100)
	switch {
	case past && x < 5:
		return db.StatusNoShow, "Did not attend, no call"
	case past && x < 12:
		return db.StatusCancelled, []string{"Patient called to cancel", "Clinician unavailable", "Feeling better"}[x%3]
	case past:
		return db.StatusDone, ""
	case x < 4:
		return db.StatusCancelled, "Patient called to cancel"
	default:
		return db.StatusBooked, ""
	}
}

// minClinicians is how many clinicians a demo with appointments has.
const minClinicians = 10

// generateSchedule adds demo clinicians up to minClinicians and fills their
// calendars with opts.Appointments appointments among all the clinic's patients.
func generateSchedule(ctx context.Context, a *app.App, admin string, opts Options, res *Result) error {
	frame := ScheduleFrame{Today: opts.Today}
	if frame.Today.IsZero() {
		frame.Today = time.Now()
	}
	var types []db.AppointmentType
	var clinicians []db.User
	read := func() error {
		return a.DB().View(ctx, func(tx *db.Tx) (err error) {
			if frame.Patients, err = tx.CountPatients(); err != nil {
				return err
			}
			if types, err = tx.AppointmentTypes(); err != nil {
				return err
			}
			clinicians, err = tx.Clinicians()
			return err
		})
	}
	if err := read(); err != nil {
		return err
	}
	for _, c := range demoClinicians {
		if len(clinicians) >= minClinicians {
			break
		}
		taken := false
		for _, u := range clinicians {
			taken = taken || u.Username == c.Username
		}
		if taken {
			continue
		}
		c.Role, c.Password = app.RoleClinician, demoClinicianPassword
		if _, err := a.AddUserAs(admin, c); err != nil {
			return fmt.Errorf("add demo clinician %s: %w", c.Username, err)
		}
		res.Accounts = append(res.Accounts, Account{c.Username, c.Password, c.Role})
		clinicians = append(clinicians, db.User{Username: c.Username})
	}
	if err := read(); err != nil {
		return err
	}
	for _, u := range clinicians {
		frame.Clinicians = append(frame.Clinicians, u.Username)
	}
	for _, t := range types {
		// Video visits are booked with a link from the clinic's template,
		// which a demo clinic does not choose for itself.
		if t.Active && !t.Virtual {
			frame.Types = append(frame.Types, app.AppointmentType{ID: t.ID, Name: t.Name, Minutes: t.Minutes})
		}
	}
	// pickType favours the first: the everyday consultation, if there is one.
	sort.SliceStable(frame.Types, func(i, j int) bool {
		return frame.Types[i].Name == everyday && frame.Types[j].Name != everyday
	})
	if frame.Patients == 0 {
		return fmt.Errorf("the clinic has no patients to book appointments for")
	}
	var err error
	res.Appointments, err = a.ImportAppointments(admin, Appointments(opts.Appointments, opts.Seed, frame))
	return err
}
