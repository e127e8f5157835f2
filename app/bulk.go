package app

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"

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
			for i := range batch {
				// validate tidies the form in place: what is stored is what passed.
				if err := batch[i].validate(o.now); err != nil {
					return refusedPatient(batch[i], err)
				}
			}
			// One reservation for the batch: a statement per patient on the
			// counter would make FTS5 flush its index for every row.
			first, err := o.NextSequence("mrn", len(batch))
			if err != nil {
				return err
			}
			for i, in := range batch {
				if _, err := o.insertPatient(in, MRN(first+int64(i))); err != nil {
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
