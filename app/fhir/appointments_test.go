package fhir

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// withAppointments gives rec a booking in each of Folio's statuses, with
// two clinicians, one of whom also signs a visit.
func withAppointments(rec Record) Record {
	lee := Author{ID: "u-lee", Name: "Dr. Jordan Lee", LicenceNumber: "GMC 7654321"}
	kaur := Author{ID: "u-kaur", Name: "Dr. Priya Kaur"}
	at := func(id, status, start, end string, who Author) Appointment {
		return Appointment{ID: id, Status: status, Start: start, End: end, Type: "Consultation", Clinician: who}
	}
	rec.Appointments = []Appointment{
		at("a-booked", "booked", "2026-03-20T09:00:00-05:00", "2026-03-20T09:15:00-05:00", lee),
		at("a-arrived", "arrived", "2026-03-10T09:00:00-05:00", "2026-03-10T09:30:00-05:00", lee),
		at("a-room", "in_room", "2026-03-10T10:00:00-05:00", "2026-03-10T10:15:00-05:00", kaur),
		at("a-with", "with_clinician", "2026-03-10T11:00:00-05:00", "2026-03-10T11:15:00-05:00", kaur),
		at("a-done", "done", "2026-03-02T09:15:00Z", "2026-03-02T09:45:00Z", lee),
		at("a-missed", "no_show", "2026-02-02T08:00:00Z", "2026-02-02T08:15:00Z", lee),
		at("a-cancelled", "cancelled", "2026-01-12T14:00:00Z", "2026-01-12T14:30:00Z", kaur),
	}
	rec.Appointments[0].Note = "Bring the glucose diary."
	rec.Appointments[5].Reason = "Did not attend, no call"
	rec.Appointments[6].Reason = "Patient called to cancel"
	rec.Appointments[6].Type = "" // a type since deleted: no type at all
	return rec
}

func TestAppointmentsAsFHIR(t *testing.T) {
	rec := withAppointments(fullRecord())
	resources, err := Resources(rec)
	if err != nil {
		t.Fatal(err)
	}
	appointments := map[string]map[string]any{}
	practitioners := 0
	for _, r := range resources {
		var v map[string]any
		if err := json.Unmarshal(r.JSON, &v); err != nil {
			t.Fatal(err)
		}
		switch r.Type {
		case "Appointment":
			appointments[v["identifier"].([]any)[0].(map[string]any)["value"].(string)] = v
		case "Practitioner":
			practitioners++
		}
	}
	// The summary's author and the two clinicians, each once.
	if practitioners != 3 {
		t.Errorf("%d practitioners, want 3", practitioners)
	}
	patient := "Patient/" + resourceID("patient", rec.Patient.ID)
	tests := []struct {
		id, status, reason string
		clinician          Author
	}{
		{"a-booked", "booked", "", rec.Appointments[0].Clinician},
		{"a-arrived", "arrived", "", rec.Appointments[1].Clinician},
		{"a-room", "checked-in", "", rec.Appointments[2].Clinician},
		{"a-with", "checked-in", "", rec.Appointments[3].Clinician},
		{"a-done", "fulfilled", "", rec.Appointments[4].Clinician},
		{"a-missed", "noshow", "Did not attend, no call", rec.Appointments[5].Clinician},
		{"a-cancelled", "cancelled", "Patient called to cancel", rec.Appointments[6].Clinician},
	}
	if len(appointments) != len(tests) {
		t.Fatalf("%d appointments, want %d", len(appointments), len(tests))
	}
	for i, tt := range tests {
		a := appointments["urn:uuid:"+tt.id]
		src := rec.Appointments[i]
		if a == nil || a["status"] != tt.status || a["start"] != src.Start || a["end"] != src.End {
			t.Errorf("%s: %v", tt.id, a)
			continue
		}
		reason, _ := a["cancelationReason"].(map[string]any)
		if got, _ := reason["text"].(string); got != tt.reason {
			t.Errorf("%s: cancelation reason %q, want %q", tt.id, got, tt.reason)
		}
		parts := a["participant"].([]any)
		first, second := parts[0].(map[string]any), parts[1].(map[string]any)
		if len(parts) != 2 || first["actor"].(map[string]any)["reference"] != patient || first["status"] != "accepted" ||
			second["actor"].(map[string]any)["reference"] != "Practitioner/"+resourceID("user", tt.clinician.ID) ||
			second["actor"].(map[string]any)["display"] != tt.clinician.Name ||
			second["type"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] != "PPRF" {
			t.Errorf("%s: participants %v", tt.id, parts)
		}
		kind, _ := a["appointmentType"].(map[string]any)
		service, _ := a["serviceType"].([]any)
		if src.Type == "" {
			if kind != nil || service != nil {
				t.Errorf("%s: a type without a name: %v %v", tt.id, kind, service)
			}
		} else if kind["text"] != src.Type || service[0].(map[string]any)["text"] != src.Type {
			t.Errorf("%s: type %v, service %v", tt.id, kind, service)
		}
	}
	if c := appointments["urn:uuid:a-booked"]["comment"]; c != "Bring the glucose diary." {
		t.Errorf("comment %v", c)
	}
}

func TestAppointmentRefusedWhenItCannotBeSaid(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Appointment)
		want string
	}{
		{"a status FHIR has no word for", func(a *Appointment) { a.Status = "lost" }, "unknown status"},
		{"a start without its zone", func(a *Appointment) { a.Start = "2026-03-20T09:00" }, "start"},
		{"no end", func(a *Appointment) { a.End = "" }, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := withAppointments(fullRecord())
			tt.edit(&rec.Appointments[0])
			if _, err := Resources(rec); err == nil || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "a-booked") {
				t.Errorf("err = %v, want it to say %q of a-booked", err, tt.want)
			}
		})
	}
}

// TestAddPractitionersWritesEachOnce: the clinic's roster first, and a
// clinician the charts name later is not written again.
func TestAddPractitionersWritesEachOnce(t *testing.T) {
	var practitioners bytes.Buffer
	bulk := NewNDJSON(func(resourceType string) (io.Writer, error) {
		if resourceType == "Practitioner" {
			return &practitioners, nil
		}
		return io.Discard, nil
	})
	roster := []Author{{ID: "u-lee", Name: "Dr. Jordan Lee"}, {ID: "u-kaur", Name: "Dr. Priya Kaur"},
		{ID: "u-idle", Name: "Dr. Never Booked"}, {ID: "u-lee", Name: "Dr. Jordan Lee"}}
	if err := bulk.AddPractitioners(roster); err != nil {
		t.Fatal(err)
	}
	rec := withAppointments(withVisits(fullRecord()))
	rec.Author = Author{}
	if err := bulk.Add(rec); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(practitioners.String()), "\n")
	if len(lines) != 3 || bulk.Counts()["Practitioner"] != 3 || !strings.Contains(lines[2], "Dr. Never Booked") {
		t.Errorf("practitioners:\n%s", practitioners.String())
	}
}
