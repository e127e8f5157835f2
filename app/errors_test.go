package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"folio/app"
)

func TestAsError(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	tests := []struct {
		name   string
		err    error
		kind   app.Kind
		logged bool
	}{
		{"app error", &app.Error{Kind: app.NotFound, Message: "No such chart."}, app.NotFound, false},
		{"wrapped app error", fmt.Errorf("open chart: %w", &app.Error{Kind: app.Conflict, Message: "Changed."}), app.Conflict, false},
		{"internal", errors.New(`SQL logic error: no such table: patients (/home/clinic/folio.db)`), app.Internal, true},
	}
	for _, tt := range tests {
		logged.Reset()
		e := app.AsError(tt.err, log)
		if e.Kind != tt.kind || e.Message == "" {
			t.Errorf("%s: AsError = %+v", tt.name, e)
		}
		if tt.kind == app.Internal && (strings.Contains(e.Message, "SQL") || strings.Contains(e.Message, "folio.db")) {
			t.Errorf("%s: the user sees %q", tt.name, e.Message)
		}
		if got := strings.Contains(logged.String(), "no such table"); got != tt.logged {
			t.Errorf("%s: logged %q", tt.name, logged.String())
		}
	}
	if e := app.AsError(errors.New("x"), nil); e.Kind != app.Internal {
		t.Errorf("without a log: %+v", e)
	}
}

// TestFormatError: the desktop window rejects a call's promise with this
// JSON, which the UI parses.
func TestFormatError(t *testing.T) {
	ta := newFreshApp(t)
	tests := []struct {
		err  error
		want string
	}{
		{&app.Error{Kind: app.Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"sex": "Choose one."}},
			`{"kind":"invalid","message":"Please correct the marked field.","fields":{"sex":"Choose one."}}`},
		{&app.Error{Kind: app.Locked, Message: "Locked."}, `{"kind":"locked","message":"Locked."}`},
	}
	for _, tt := range tests {
		if got := ta.FormatError(tt.err); got != tt.want {
			t.Errorf("FormatError = %v, want %s", got, tt.want)
		}
	}
	var e app.Error
	if err := json.Unmarshal([]byte(ta.FormatError(errors.New("disk I/O error")).(string)), &e); err != nil || e.Kind != app.Internal ||
		strings.Contains(e.Message, "disk") {
		t.Errorf("internal error formatted as %+v, %v", e, err)
	}
}

// TestDiskError: the PC's own troubles (a full disk, a read-only folder)
// are told in words the user can act on, never as "Something went wrong
// inside Folio". The real ones, on a real full and read-only disk, are in
// package main's tests (they need root to mount one).
func TestDiskError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		says string // "" when it is no disk error
	}{
		{"no space", fmt.Errorf("write export: %w", &fs.PathError{Op: "write", Path: "/srv/folio/exports/x.ndjson", Err: syscall.ENOSPC}),
			"The disk is full, so nothing was saved in /srv/folio/exports. Free some space"},
		{"quota", &fs.PathError{Op: "write", Path: "/home/ana/folio/folio.db-wal", Err: syscall.EDQUOT}, "The disk is full"},
		{"read-only disk", fmt.Errorf("open lock: %w", &fs.PathError{Op: "open", Path: "/mnt/usb/folio/folio.lock", Err: syscall.EROFS}),
			"The folder /mnt/usb/folio is read-only: Folio cannot save anything there, and nothing was saved. Ask your admin"},
		{"not this user's", &fs.PathError{Op: "open", Path: "/srv/folio/folio.db", Err: syscall.EACCES},
			"Folio may not use /srv/folio/folio.db: it is read-only, or belongs to another user"},
		{"something else", errors.New("SQL logic error"), ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app.DiskError(tt.err)
			if tt.says == "" {
				if e != nil {
					t.Errorf("DiskError = %+v, want nil", e)
				}
				return
			}
			if e == nil || !strings.Contains(e.Message, tt.says) {
				t.Fatalf("DiskError = %+v, want a message saying %q", e, tt.says)
			}
			if got := app.AsError(tt.err, nil); got.Message != e.Message {
				t.Errorf("AsError says %q", got.Message)
			}
		})
	}
}
