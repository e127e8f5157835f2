package app_test

import (
	"testing"

	"folio/app"
)

// A new clinic starts with Folio's starter templates, each with blanks to
// fill, as its own: changed and retired like any other.
func TestNewClinicHasStarterTemplates(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	templates, err := chart.Templates()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]app.NoteTemplate{}
	for _, tpl := range templates {
		byName[tpl.Name] = tpl
	}
	for _, name := range []string{"SOAP follow-up", "Annual physical", "Acute visit", "Hypertension follow-up",
		"Diabetes follow-up", "Well-child visit", "Telehealth visit"} {
		tpl, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("no starter template %q in %d templates", name, len(templates))
		case !tpl.Active || tpl.Version != 1:
			t.Errorf("%s: active %v, version %d; want active at version 1", name, tpl.Active, tpl.Version)
		}
	}

	// Signing a note straight from a starter template is refused: its
	// blanks ask to be filled.
	_, e := openVisit(t, ta)
	acute := byName["Acute visit"]
	e, err = chart.SaveDraft(e.ID, acute.NoteText, e.Note.DraftVersion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.SignNote(e.ID, e.Version); kindOf(err) != app.Invalid {
		t.Errorf("sign the acute template as it is: %v, want its blanks refused", err)
	}

	// The clinic's own: retired and changed as any template.
	acute.Active = false
	acute.Plan = "Rest and fluids.\nReturn if worse."
	saved, err := chart.SaveTemplate(acute)
	if err != nil || saved.Version != 2 || saved.Active {
		t.Fatalf("retire the starter: %+v, %v", saved, err)
	}
}
