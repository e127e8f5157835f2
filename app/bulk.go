package app

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"folio/db"
)

// bulkBatch is how many patients one transaction of a bulk load writes:
// large enough to be fast, small enough that a crash loses little work.
const bulkBatch = 5000

// RegisterPatients registers many patients as the named user, for command-
// line loads such as `folio demo`. Each batch is one transaction with one
// audit entry naming its MRN range. Every patient is validated first.
func (a *App) RegisterPatients(username string, patients iter.Seq[PatientInput]) (int, error) {
	who, err := a.actorNamed(username)
	if err != nil {
		return 0, err
	}
	total := 0
	batch := make([]PatientInput, 0, bulkBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := a.actAs(who, func(o *op) error {
			o.bulk = true
			photos := make([]photo, len(batch))
			for i := range batch {
				// check tidies the form in place: what is stored is what passed.
				ph, fields := batch[i].check(o.now)
				if err := o.checkPrimaryClinician(fields, batch[i].PrimaryClinicianID); err != nil {
					return err
				}
				if err := fields.err(); err != nil {
					return refusedPatient(batch[i], err)
				}
				photos[i] = ph
			}
			// One reservation for the batch: a statement per patient on the
			// counter would make FTS5 flush its index for every row.
			first, err := o.NextSequence("mrn", len(batch))
			if err != nil {
				return err
			}
			for i, in := range batch {
				if _, err := o.insertPatient(in, photos[i], MRN(first+int64(i))); err != nil {
					return err
				}
			}
			return o.audit("patient.register.bulk", "", "", fmt.Sprintf("%d patients, MRN %s to %s",
				len(batch), MRN(first), MRN(first+int64(len(batch))-1)))
		})
		if err != nil {
			return err
		}
		total += len(batch)
		batch = batch[:0]
		return nil
	}
	for in := range patients {
		batch = append(batch, in)
		if len(batch) == bulkBatch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	err = flush() // before reading total, which the last batch adds to
	return total, err
}

// AddUserAs creates an account on behalf of the named admin, for
// command-line setup.
func (a *App) AddUserAs(username string, n NewUser) (User, error) {
	fields := fieldErrors{}
	n.validate(fields)
	if err := fields.err(); err != nil {
		return User{}, err
	}
	who, err := a.actorNamed(username)
	if err != nil {
		return User{}, err
	}
	u, err := n.build(a.now())
	if err != nil {
		return User{}, a.userError(err)
	}
	err = a.actAs(who, func(o *op) error {
		if err := o.InsertUser(u); err != nil {
			return err
		}
		return o.audit("user.add", "", "user/"+u.ID, fmt.Sprintf("%s (%s)", u.Username, u.Role))
	})
	return userView(u, a.now()), err
}

func (a *App) actorNamed(username string) (actor, error) {
	var u db.User
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		u, err = tx.UserByName(username)
		return err
	})
	if err != nil {
		return actor{}, fmt.Errorf("user %q: %w", username, a.userError(err))
	}
	return actor{userID: u.ID, username: u.Username, role: u.Role, workstation: a.hostname + " (command line)"}, nil
}

// FirstAdmin names the earliest active admin, who command-line loads act as.
func (a *App) FirstAdmin() (string, error) {
	var first *db.User
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		users, err := tx.Users()
		for i, u := range users {
			if u.Role == RoleAdmin && u.Active && (first == nil || u.CreatedAt.Before(first.CreatedAt)) {
				first = &users[i]
			}
		}
		return err
	})
	if err != nil || first == nil {
		return "", err
	}
	return first.Username, nil
}

// refusedPatient names the patient that failed validation and its wrong
// fields in the message, for a terminal that shows only the message.
func refusedPatient(in PatientInput, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	msg := fmt.Sprintf("Patient %s %s was not registered, nor the rest of its batch:", in.GivenNames, in.FamilyName)
	for _, field := range slices.Sorted(maps.Keys(e.Fields)) {
		msg += fmt.Sprintf(" %s: %s", field, e.Fields[field])
	}
	return &Error{Kind: e.Kind, Message: msg}
}

// ImportedAppointment is one appointment of a bulk load, naming its
// patient, clinician and type as people do: by MRN, user name and type name.
type ImportedAppointment struct {
	PatientMRN        string
	ClinicianUsername string
	TypeName          string
	Start, End        string // YYYY-MM-DDTHH:MM, local
	Status            string // any status; the check-in times of the steps reached are set from Start and End
	Reason, Note      string
}

// ImportAppointments stores many appointments as the named user, for
// command-line loads such as `folio demo --appointments`. Each batch is one
// transaction with one audit entry naming its dates. Every appointment is
// checked as a booking is, but not against the others, clinic hours or
// availability: an import keeps what happened.
func (a *App) ImportAppointments(username string, appts iter.Seq[ImportedAppointment]) (int, error) {
	who, err := a.actorNamed(username)
	if err != nil {
		return 0, err
	}
	im := appointmentImport{clinicians: map[string]string{}, types: map[string]string{}}
	total := 0
	batch := make([]ImportedAppointment, 0, bulkBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := a.actAs(who, func(o *op) error {
			first, last := batch[0].Start, batch[0].Start
			for _, in := range batch {
				row, err := im.row(o, in)
				if err != nil {
					return err
				}
				if err := o.InsertAppointment(row); err != nil {
					return err
				}
				first, last = min(first, in.Start), max(last, in.Start)
			}
			return o.audit("appointment.import", "", "", fmt.Sprintf("%d appointments, %s to %s", len(batch), first, last))
		})
		if err != nil {
			return err
		}
		total += len(batch)
		batch = batch[:0]
		return nil
	}
	for in := range appts {
		batch = append(batch, in)
		if len(batch) == bulkBatch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	err = flush() // before reading total, which the last batch adds to
	return total, err
}

// appointmentImport remembers the clinicians and types an import has
// looked up: a load names the same few over and over.
type appointmentImport struct {
	clinicians map[string]string // user name → id
	types      map[string]string // folded name → id
}

// row checks one imported appointment and makes its stored form.
func (im *appointmentImport) row(o *op, in ImportedAppointment) (db.Appointment, error) {
	fields := fieldErrors{}
	patientID, err := o.PatientIDByMRN(in.PatientMRN)
	if err != nil {
		fields.add("patientMrn", "No patient has this MRN.")
	}
	clinicianID, ok := im.clinicians[in.ClinicianUsername]
	if !ok {
		if u, err := o.UserByName(in.ClinicianUsername); err == nil && u.Role == RoleClinician {
			clinicianID, im.clinicians[in.ClinicianUsername] = u.ID, u.ID
		} else {
			fields.add("clinicianUsername", "No clinician has this user name.")
		}
	}
	typeID, ok := im.types[db.Fold(in.TypeName)]
	if !ok {
		types, err := o.AppointmentTypes()
		if err != nil {
			return db.Appointment{}, err
		}
		for _, t := range types {
			im.types[db.Fold(t.Name)] = t.ID
		}
		if typeID, ok = im.types[db.Fold(in.TypeName)]; !ok {
			fields.add("typeName", "No appointment type has this name.")
		}
	}
	sl := checkSlot(fields, "start", "end", in.Start, in.End, 0)
	if stepIndex(in.Status) < 0 && in.Status != db.StatusNoShow && in.Status != db.StatusCancelled {
		fields.add("status", "Unknown status.")
	}
	checkText(fields, "reason", &in.Reason, false, maxReasonLength, "")
	checkText(fields, "note", &in.Note, false, maxNoteLength, "")
	if err := fields.err(); err != nil {
		return db.Appointment{}, refusedAppointment(in, err)
	}
	row := db.Appointment{ID: newID(), PatientID: patientID, ClinicianID: clinicianID, TypeID: typeID,
		Start: in.Start, End: in.End, Status: in.Status, Reason: in.Reason, Note: in.Note, Version: 1,
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	// The steps reached happened at plausible times around the slot, as
	// instants in the clinic's time zone.
	loc := o.now.Location()
	start := time.Date(sl.start.Year(), sl.start.Month(), sl.start.Day(), sl.start.Hour(), sl.start.Minute(), 0, 0, loc)
	end := start.Add(sl.end.Sub(sl.start))
	reached := stepIndex(in.Status)
	for i, at := range []time.Time{start.Add(-5 * time.Minute), start.Add(2 * time.Minute), start.Add(5 * time.Minute), end} {
		if reached > i {
			*stepTime(&row, checkInSteps[i+1]) = at
		}
	}
	return row, nil
}

// refusedAppointment names the appointment that failed its checks.
func refusedAppointment(in ImportedAppointment, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	msg := fmt.Sprintf("The appointment of MRN %q at %q was not imported, nor the rest of its batch:", in.PatientMRN, in.Start)
	for _, field := range slices.Sorted(maps.Keys(e.Fields)) {
		msg += fmt.Sprintf(" %s: %s", field, e.Fields[field])
	}
	return &Error{Kind: e.Kind, Message: msg}
}
