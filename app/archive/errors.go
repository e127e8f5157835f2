package archive

import (
	"errors"
	"fmt"
)

// Kind says why an archive was refused, so the caller can tell the user
// what to do: ask for the file again, ask for the passphrase, update Folio.
type Kind string

const (
	NotFolio        Kind = "not_folio"        // not an archive Folio made (or its names are unsafe)
	Damaged         Kind = "damaged"          // incomplete, or a file differs from the manifest
	BadSignature    Kind = "bad_signature"    // the manifest is not signed by the key it names
	NeedsPassphrase Kind = "needs_passphrase" // encrypted, and no passphrase was given
	WrongPassphrase Kind = "wrong_passphrase" // encrypted with another passphrase
	NewerVersion    Kind = "newer_version"    // made by a newer Folio
	TooLarge        Kind = "too_large"        // over a size limit
	Invalid         Kind = "invalid"          // Pack was given something it cannot pack
)

// Error is an archive refused, in words for the person at the PC.
// Verification is what was found, when the manifest could be read: which
// files differ, and who the archive says sent it.
type Error struct {
	Kind         Kind
	Message      string
	Verification *Verification
	cause        error
}

func (e *Error) Error() string { return e.Message }

// Unwrap gives the underlying cause, for the log.
func (e *Error) Unwrap() error { return e.cause }

// KindOf is the kind of an archive error, or "" for any other error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func refuse(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), cause: cause}
}

// The refusals Open gives most often, worded once.
func notFolio(cause error) *Error {
	return refuse(NotFolio, cause, "This file is not an archive made by Folio, so it was not opened.")
}

func damaged(cause error) *Error {
	return refuse(Damaged, cause, "This archive is damaged or incomplete, so it was not opened. Ask the sender to send it again.")
}

func tooLarge(what string, limit int64) *Error {
	return refuse(TooLarge, nil, "%s is larger than Folio accepts (%d MiB), so it was not opened.", what, limit>>20)
}
