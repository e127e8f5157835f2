package fhir

import "fmt"

// Appointments, as a whole-clinic export writes them: each booking a FHIR
// R4 Appointment with the patient and the clinician as its participants,
// the visit type as its type, and why it was cancelled or missed.

type outAppointmentParticipant struct {
	Type   []outConcept  `json:"type,omitempty"`
	Actor  *outReference `json:"actor,omitempty"`
	Status string        `json:"status"`
}

type outAppointment struct {
	ResourceType      string                      `json:"resourceType"`
	ID                string                      `json:"id"`
	Identifier        []outIdentifier             `json:"identifier,omitempty"`
	Status            string                      `json:"status"`
	CancelationReason *outConcept                 `json:"cancelationReason,omitempty"`
	ServiceType       []outConcept                `json:"serviceType,omitempty"`
	AppointmentType   *outConcept                 `json:"appointmentType,omitempty"`
	Start             string                      `json:"start"`
	End               string                      `json:"end"`
	Comment           string                      `json:"comment,omitempty"`
	Participant       []outAppointmentParticipant `json:"participant"`
}

// appointmentStatuses are FHIR's for Folio's. The patient in the room and
// with the clinician are both checked in: the visit has begun, and only
// its end makes the appointment fulfilled.
var appointmentStatuses = map[string]string{
	"booked":         "booked",
	"arrived":        "arrived",
	"in_room":        "checked-in",
	"with_clinician": "checked-in",
	"done":           "fulfilled",
	"no_show":        "noshow",
	"cancelled":      "cancelled",
}

// AppointmentStatus is FHIR's status of an appointment in Folio's status,
// or "" for a status Folio does not have.
func AppointmentStatus(status string) string { return appointmentStatuses[status] }

func (m *mapper) appointment(a *Appointment) (outAppointment, error) {
	status := AppointmentStatus(a.Status)
	if status == "" {
		return outAppointment{}, fmt.Errorf("appointment %s: unknown status %q", a.ID, a.Status)
	}
	start, err := instant(a.Start)
	if err != nil {
		return outAppointment{}, fmt.Errorf("appointment %s start: %w", a.ID, err)
	}
	end, err := instant(a.End)
	if err != nil {
		return outAppointment{}, fmt.Errorf("appointment %s end: %w", a.ID, err)
	}
	out := outAppointment{ResourceType: "Appointment", ID: resourceID("appointment", a.ID),
		Identifier: folioIdentifier(a.ID), Status: status, Start: start, End: end, Comment: a.Note,
		Participant: []outAppointmentParticipant{{Actor: &outReference{Reference: m.subject.Reference}, Status: "accepted"}}}
	if a.Type != "" {
		// The clinic names its own visit types: they leave as words, the
		// kind of visit (appointmentType) and the service booked alike.
		out.AppointmentType = &outConcept{Text: a.Type}
		out.ServiceType = []outConcept{{Text: a.Type}}
	}
	// FHIR gives a reason to cancelled and missed appointments only.
	if a.Reason != "" && (status == "cancelled" || status == "noshow") {
		out.CancelationReason = &outConcept{Text: a.Reason}
	}
	if ref := m.personRef(a.Clinician); ref != nil {
		out.Participant = append(out.Participant, outAppointmentParticipant{Type: participantPrimary, Actor: ref,
			Status: "accepted"})
	}
	return out, nil
}
