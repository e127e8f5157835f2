package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"

	"folio/db"
)

// Kind says what went wrong in terms the UI and the HTTP face act on.
type Kind string

const (
	Invalid         Kind = "invalid"         // the input is wrong; Fields says where
	NotFound        Kind = "not_found"       // no such record
	Conflict        Kind = "conflict"        // the record changed meanwhile, or already exists
	Forbidden       Kind = "forbidden"       // this person may not do this
	Unauthenticated Kind = "unauthenticated" // nobody is signed in, or the password is wrong
	Locked          Kind = "locked"          // the screen is locked: the password is needed again
	Busy            Kind = "busy"            // too many tries from one place: wait, then try again
	Internal        Kind = "internal"        // Folio's fault, or the PC's (see DiskError); details are in the log
)

// Error is the one error type the UI sees: a kind, a sentence a receptionist
// understands, and for forms the message of each wrong field.
type Error struct {
	Kind    Kind              `json:"kind"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Alerts are the interaction and allergy alerts that refused a
	// medication (kind conflict): each needs an override with a reason.
	Alerts []Alert `json:"alerts,omitempty"`
	// Duplicates are the charts that refused a registration (kind
	// conflict) as likely the same person: see RegisterDifferentPerson.
	Duplicates []DuplicateMatch `json:"duplicates,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// fieldErrors collects a form's wrong fields; err() is nil when there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, message string) {
	if _, ok := f[field]; !ok {
		f[field] = message
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "Please correct the marked field."
	if len(f) > 1 {
		msg = fmt.Sprintf("Please correct the %d marked fields.", len(f))
	}
	return &Error{Kind: Invalid, Message: msg, Fields: f}
}

// AsError turns any error into the UI's shape. An error that is not already
// an *Error is Folio's own fault: it is logged in full and shown as a plain
// apology, never as SQL or a stack.
func AsError(err error, log *slog.Logger) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e := DiskError(err); e != nil {
		if log != nil {
			log.Error("could not write", "err", err)
		}
		return e
	}
	if log != nil {
		log.Error("internal error", "err", err)
	}
	return &Error{Kind: Internal, Message: "Something went wrong inside Folio; nothing was changed. If it happens again, tell your admin."}
}

// FormatError is the desktop window's error formatter: the bound method's
// promise is rejected with this JSON, which the UI's client parses.
func (a *App) FormatError(err error) any {
	b, _ := json.Marshal(AsError(err, a.log))
	return string(b)
}

// DiskError says in users' words that a write failed because the disk is
// full or the folder is read-only, and what to do about it; it is nil for
// any other error. Neither is Folio's fault, and both are for the person
// at the PC (or their admin) to fix, so they must not read as "Something
// went wrong inside Folio". The folder is named when the error says which.
func DiskError(err error) *Error {
	if err == nil {
		return nil
	}
	where := ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		where = filepath.Dir(pe.Path)
		if abs, err := filepath.Abs(where); err == nil {
			where = abs // "." or "clinic" names no folder a person can find
		}
	}
	switch {
	case db.DiskFull(err):
		msg := "The disk is full, so nothing was saved"
		if where != "" {
			msg += " in " + where
		}
		return &Error{Kind: Internal, Message: msg + ". Free some space on it (move or delete old files and backups, " +
			"empty the trash), or ask your admin to; then try again."}
	case db.ReadOnly(err):
		folder := "The folder Folio saves to"
		if where != "" {
			folder = "The folder " + where
		}
		return &Error{Kind: Internal, Message: folder + " is read-only: Folio cannot save anything there, and nothing was saved. " +
			"Ask your admin to make it writable for Folio (or to move Folio's data to a disk that is); then try again."}
	case errors.Is(err, fs.ErrPermission) && pe != nil:
		return &Error{Kind: Internal, Message: "Folio may not use " + pe.Path + ": it is read-only, or belongs to another " +
			"user of this PC, so nothing was saved. Ask your admin to give your user access to it; then try again."}
	}
	return nil
}
