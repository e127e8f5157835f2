package app

import (
	"strings"
	"time"

	"folio/db"
)

// AppointmentLetter is a patient's reminder of one appointment, printed by
// the desk from the appointment: the clinic heading it, where it goes, when
// and with whom the visit is, and for a video visit its link with how to
// join.
type AppointmentLetter struct {
	Clinic        ClinicContact `json:"clinic"`
	Date          string        `json:"date"` // YYYY-MM-DD, the day it is printed
	PatientID     string        `json:"patientId"`
	MRN           string        `json:"mrn"`
	Name          string        `json:"name"`    // "Ana Sofia Rivera"
	Address       []string      `json:"address"` // lines; none when the chart has no address
	Start         string        `json:"start"`   // YYYY-MM-DDTHH:MM, local
	Minutes       int           `json:"minutes"`
	ClinicianName string        `json:"clinicianName"`
	TypeName      string        `json:"typeName"`
	Virtual       bool          `json:"virtual"`
	MeetingLink   string        `json:"meetingLink"`
}

// AppointmentLetter makes the reminder letter of an appointment still to
// happen. Reading it (to print it) is audited as the patient's data leaving
// the screen.
func (s *Schedule) AppointmentLetter(id string) (AppointmentLetter, error) {
	var out AppointmentLetter
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		r, err := o.AppointmentRowByID(id)
		if err != nil {
			return err
		}
		if r.Status != db.StatusBooked && r.Status != db.StatusArrived {
			return errorf(Invalid, "This appointment is %s; a reminder is for one still to come.", statusWords[r.Status])
		}
		p, err := o.PatientByID(r.PatientID)
		if err != nil {
			return err
		}
		out = AppointmentLetter{Date: o.now.In(time.Local).Format(dateLayout), PatientID: p.ID, MRN: p.MRN,
			Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyName), Address: addressLines(p), Start: r.Start,
			Minutes: wallMinutes(r.Start, r.End), ClinicianName: r.ClinicianName, TypeName: r.TypeName,
			Virtual: r.TypeVirtual, MeetingLink: r.MeetingLink}
		if out.Clinic.Name, _, err = o.Setting(settingClinicName); err != nil {
			return err
		}
		if out.Clinic.Address, out.Clinic.Phone, err = o.clinicContact(); err != nil {
			return err
		}
		return o.audit("appointment.letter", r.PatientID, "appointment/"+r.ID, r.Start+": reminder letter")
	})
	return answer(out, err)
}
