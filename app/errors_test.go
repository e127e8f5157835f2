package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
