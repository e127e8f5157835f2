package app

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"folio/db"
)

// Folio's starter templates: a new clinic starts with them, as its own
// templates that its clinicians change or retire like any other. A clinic
// set up before them keeps what it has (its templates screen offers
// starter examples while it has none).

//go:embed starter_templates.json
var starterTemplatesJSON []byte

// starterTemplates reads the embedded starter templates.
func starterTemplates() ([]NoteTemplate, error) {
	var file struct {
		Templates []NoteTemplate `json:"templates"`
	}
	if err := json.Unmarshal(starterTemplatesJSON, &file); err != nil {
		return nil, fmt.Errorf("read the starter templates: %w", err)
	}
	return file.Templates, nil
}

// installStarterTemplates saves the starter templates as the clinic's,
// by the first admin at setup.
func (o *op) installStarterTemplates() error {
	list, err := starterTemplates()
	if err != nil {
		return err
	}
	for _, t := range list {
		_, err := o.SaveNoteTemplate(db.NoteTemplate{ID: newID(), Name: t.Name, Subjective: t.Subjective,
			Objective: t.Objective, Assessment: t.Assessment, Plan: t.Plan, Active: true,
			UpdatedAt: o.now, UpdatedBy: o.actor.userID})
		if err != nil {
			return fmt.Errorf("install starter template %q: %w", t.Name, err)
		}
	}
	return nil
}
