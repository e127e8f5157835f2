package app

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// Merging two charts of one person is an admin's work: one chart survives,
// the other's records move to it, and the merged chart is kept, marked
// merged, with its MRN still finding the survivor.

// MergeSide is one of the two charts on the merge screen.
type MergeSide struct {
	Patient      Patient `json:"patient"`
	Appointments int     `json:"appointments"` // how many the chart has (the duplicate's move)
	// MergedMRNs are the MRNs of charts merged into this one before.
	MergedMRNs []string `json:"mergedMrns"`
}

// MergePreview is the merge screen: both charts side by side.
type MergePreview struct {
	Survivor  MergeSide `json:"survivor"`
	Duplicate MergeSide `json:"duplicate"`
}

// MergeRecord is one merge, as reviewed afterwards.
type MergeRecord struct {
	ID                int64  `json:"id"`
	SurvivorID        string `json:"survivorId"`
	SurvivorMRN       string `json:"survivorMrn"`
	SurvivorName      string `json:"survivorName"` // "Family, Given" as the chart reads now
	DuplicateID       string `json:"duplicateId"`
	DuplicateMRN      string `json:"duplicateMrn"`
	DuplicateName     string `json:"duplicateName"` // as the merged chart read when merged
	MergedAt          string `json:"mergedAt"`      // RFC 3339
	MergedBy          string `json:"mergedBy"`      // user name
	Reason            string `json:"reason"`
	AppointmentsMoved int    `json:"appointmentsMoved"`
}

const maxMergeReason = 500

// maxMergesListed bounds the merge review list.
const maxMergesListed = 1000

// MergePreview shows the two charts an admin is about to merge. Each is
// named by its id or its MRN (an admin has no patient search). Both must be
// charts in use, and different. Reading them is audited on each patient.
func (s *Patients) MergePreview(survivorID, duplicateID string) (MergePreview, error) {
	var out MergePreview
	err := s.app.look(s.session, permMerge, func(o *op) error {
		fields := fieldErrors{}
		survivorID, duplicateID = strings.TrimSpace(survivorID), strings.TrimSpace(duplicateID)
		if survivorID == "" {
			fields.add("survivorId", "Choose the chart that stays.")
		}
		if duplicateID == "" {
			fields.add("duplicateId", "Choose the chart to merge into it.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		survivor, err := o.patientByIDOrMRN(survivorID)
		if err != nil {
			return err
		}
		duplicate, err := o.patientByIDOrMRN(duplicateID)
		if err != nil {
			return err
		}
		if err := o.checkMergeable(survivor, duplicate); err != nil {
			return err
		}
		preview := MergePreview{}
		for _, side := range []struct {
			p   db.Patient
			out *MergeSide
		}{{survivor, &preview.Survivor}, {duplicate, &preview.Duplicate}} {
			if *side.out, err = o.mergeSide(side.p); err != nil {
				return err
			}
		}
		for _, p := range []db.Patient{survivor, duplicate} {
			err := o.audit("patient.merge_preview", p.ID, "patient/"+p.ID,
				fmt.Sprintf("MRN %s into MRN %s", duplicate.MRN, survivor.MRN))
			if err != nil {
				return err
			}
		}
		out = preview
		return nil
	})
	return answer(out, err)
}

// patientByIDOrMRN reads the patient named by id or, failing that, by MRN.
func (o *op) patientByIDOrMRN(idOrMRN string) (db.Patient, error) {
	p, err := o.PatientByID(idOrMRN)
	if errors.Is(err, db.ErrNotFound) {
		p, err = o.PatientByMRN(idOrMRN)
	}
	if errors.Is(err, db.ErrNotFound) {
		return db.Patient{}, errorf(NotFound, "No chart has the id or MRN %q.", idOrMRN)
	}
	return p, err
}

func (o *op) mergeSide(p db.Patient) (MergeSide, error) {
	view, err := o.viewPatient(p)
	if err != nil {
		return MergeSide{}, err
	}
	n, err := o.CountPatientAppointments(p.ID)
	if err != nil {
		return MergeSide{}, err
	}
	mrns, err := o.MergedMRNs(p.ID)
	if err != nil {
		return MergeSide{}, err
	}
	if mrns == nil {
		mrns = []string{}
	}
	return MergeSide{Patient: view, Appointments: n, MergedMRNs: mrns}, nil
}

// checkMergeable refuses merging a chart into itself, and merging charts
// either of which is merged already.
func (o *op) checkMergeable(survivor, duplicate db.Patient) error {
	if survivor.ID == duplicate.ID {
		return &Error{Kind: Invalid, Message: "A chart cannot be merged into itself.",
			Fields: map[string]string{"duplicateId": "Choose a different chart from the one that stays."}}
	}
	for _, p := range []db.Patient{survivor, duplicate} {
		if p.Merged() {
			return o.mergedError(p)
		}
	}
	return nil
}

// Merge merges the chart duplicateID into survivorID: the survivor keeps
// its MRN and demographics and takes the duplicate's appointments; the
// duplicate is kept whole, marked merged, and no longer listed by search or
// the duplicate check, while its MRN finds the survivor and opening it
// opens the survivor. The versions are those the admin saw on the merge
// screen: if either chart changed since, nothing is merged. Audited on both
// patients.
func (s *Patients) Merge(survivorID, duplicateID, reason string, survivorVersion, duplicateVersion int) (MergeRecord, error) {
	var out MergeRecord
	err := s.app.act(s.session, permMerge, func(o *op) error {
		reason = strings.TrimSpace(reason)
		fields := fieldErrors{}
		switch {
		case reason == "":
			fields.add("reason", "Say why these two charts are the same person.")
		case utf8.RuneCountInString(reason) > maxMergeReason:
			fields.add("reason", fmt.Sprintf("The reason can have at most %d characters.", maxMergeReason))
		}
		if err := fields.err(); err != nil {
			return err
		}
		survivor, err := o.PatientByID(survivorID)
		if err != nil {
			return err
		}
		duplicate, err := o.PatientByID(duplicateID)
		if err != nil {
			return err
		}
		if err := o.checkMergeable(survivor, duplicate); err != nil {
			return err
		}
		if survivor.Version != survivorVersion || duplicate.Version != duplicateVersion {
			return errorf(Conflict, "One of the charts was changed meanwhile. Look at both again before merging.")
		}
		m, err := o.MergePatients(survivor, duplicate, o.actor.userID, o.now, reason)
		if err != nil {
			return err
		}
		out = MergeRecord{ID: m.ID, SurvivorID: survivor.ID, SurvivorMRN: survivor.MRN, SurvivorName: displayName(survivor),
			DuplicateID: duplicate.ID, DuplicateMRN: duplicate.MRN, DuplicateName: displayName(duplicate),
			MergedAt: o.now.Format(time.RFC3339), MergedBy: o.actor.username, Reason: reason,
			AppointmentsMoved: m.AppointmentsMoved}
		err = o.audit("patient.merge", survivor.ID, "patient/"+survivor.ID, fmt.Sprintf(
			"merged MRN %s into this chart; %d appointments moved; reason: %s", duplicate.MRN, m.AppointmentsMoved, reason))
		if err != nil {
			return err
		}
		return o.audit("patient.merge", duplicate.ID, "patient/"+duplicate.ID,
			fmt.Sprintf("merged into MRN %s; reason: %s", survivor.MRN, reason))
	})
	return out, err
}

// Merges lists the merges done, newest first, for review.
func (s *Patients) Merges() ([]MergeRecord, error) {
	out := []MergeRecord{}
	err := s.app.look(s.session, permMerge, func(o *op) error {
		merges, err := o.Merges(maxMergesListed)
		if err != nil {
			return err
		}
		for _, m := range merges {
			out = append(out, MergeRecord{ID: m.ID, SurvivorID: m.SurvivorID, SurvivorMRN: m.SurvivorMRN,
				SurvivorName: m.SurvivorName, DuplicateID: m.DuplicateID, DuplicateMRN: m.DuplicateMRN,
				DuplicateName: m.DuplicateName, MergedAt: m.MergedAt.Format(time.RFC3339), MergedBy: m.MergedByName,
				Reason: m.Reason, AppointmentsMoved: m.AppointmentsMoved})
		}
		return o.audit("patient.merges", "", "", fmt.Sprintf("%d merges listed", len(out)))
	})
	return answer(out, err)
}

// displayName is a patient's name as lists show it.
func displayName(p db.Patient) string { return p.FamilyName + ", " + p.GivenNames }
