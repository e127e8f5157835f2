package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Appointment statuses, as stored. The first five are the check-in steps in
// order; no-show and cancelled end an appointment that did not happen.
const (
	StatusBooked        = "booked"
	StatusArrived       = "arrived"
	StatusInRoom        = "in_room"
	StatusWithClinician = "with_clinician"
	StatusDone          = "done"
	StatusNoShow        = "no_show"
	StatusCancelled     = "cancelled"
)

// AppointmentType is a kind of visit with its default length and colour.
type AppointmentType struct {
	ID        string
	Name      string
	Minutes   int
	Colour    string // #rrggbb
	Active    bool
	Virtual   bool // a video visit: its appointments get a meeting link (schema 29)
	CreatedAt time.Time
	UpdatedAt time.Time
}

const appointmentTypeColumns = `id, name, minutes, colour, active, created_at, updated_at, virtual`

func scanAppointmentType(row interface{ Scan(...any) error }) (AppointmentType, error) {
	var at AppointmentType
	var created, updated string
	err := row.Scan(&at.ID, &at.Name, &at.Minutes, &at.Colour, &at.Active, &created, &updated, &at.Virtual)
	if errors.Is(err, sql.ErrNoRows) {
		return at, ErrNotFound
	}
	if err != nil {
		return at, fmt.Errorf("read appointment type: %w", err)
	}
	at.CreatedAt, at.UpdatedAt = parseTime(created), parseTime(updated)
	return at, nil
}

// AppointmentTypes lists every type, retired ones too, by name.
func (t *Tx) AppointmentTypes() ([]AppointmentType, error) {
	rows, err := t.query(`SELECT ` + appointmentTypeColumns + ` FROM appointment_types ORDER BY name COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list appointment types: %w", err)
	}
	defer rows.Close()
	var out []AppointmentType
	for rows.Next() {
		at, err := scanAppointmentType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// AppointmentTypeByID reads one type.
func (t *Tx) AppointmentTypeByID(id string) (AppointmentType, error) {
	return scanAppointmentType(t.queryRow(`SELECT `+appointmentTypeColumns+` FROM appointment_types WHERE id = ?`, id))
}

// InsertAppointmentType adds a type; ErrDuplicate if its name is taken.
func (t *Tx) InsertAppointmentType(at AppointmentType) error {
	_, err := t.exec(`INSERT INTO appointment_types (`+appointmentTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		at.ID, at.Name, at.Minutes, at.Colour, at.Active, formatTime(at.CreatedAt), formatTime(at.UpdatedAt), at.Virtual)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert appointment type %s: %w", at.Name, err)
	}
	return nil
}

// UpdateAppointmentType changes a type's name, length, colour, active
// flag and whether it is virtual; ErrDuplicate if the new name is taken.
func (t *Tx) UpdateAppointmentType(at AppointmentType) error {
	res, err := t.exec(`UPDATE appointment_types SET name = ?, minutes = ?, colour = ?, active = ?, virtual = ?,
		updated_at = ? WHERE id = ?`, at.Name, at.Minutes, at.Colour, at.Active, at.Virtual, formatTime(at.UpdatedAt), at.ID)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("update appointment type %s: %w", at.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// OpeningHours are the clinic's hours on one weekday (0 = Sunday), as
// local "HH:MM".
type OpeningHours struct {
	Weekday int
	Opens   string
	Closes  string
}

// ClinicHours lists the open weekdays, Sunday first; none means the hours
// were never set.
func (t *Tx) ClinicHours() ([]OpeningHours, error) {
	rows, err := t.query(`SELECT weekday, opens, closes FROM clinic_hours ORDER BY weekday`)
	if err != nil {
		return nil, fmt.Errorf("read clinic hours: %w", err)
	}
	defer rows.Close()
	var out []OpeningHours
	for rows.Next() {
		var h OpeningHours
		if err := rows.Scan(&h.Weekday, &h.Opens, &h.Closes); err != nil {
			return nil, fmt.Errorf("read clinic hours: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// SetClinicHours replaces the whole week's hours with hours.
func (t *Tx) SetClinicHours(hours []OpeningHours) error {
	if _, err := t.exec(`DELETE FROM clinic_hours`); err != nil {
		return fmt.Errorf("clear clinic hours: %w", err)
	}
	for _, h := range hours {
		if _, err := t.exec(`INSERT INTO clinic_hours (weekday, opens, closes) VALUES (?, ?, ?)`,
			h.Weekday, h.Opens, h.Closes); err != nil {
			return fmt.Errorf("save clinic hours: %w", err)
		}
	}
	return nil
}

// AvailabilityBlock is a stretch of one weekday in a clinician's weekly
// template, as local "HH:MM".
type AvailabilityBlock struct {
	ClinicianID string
	Weekday     int
	Starts      string
	Ends        string
}

// Availability lists a clinician's weekly template, or every clinician's
// when clinicianID is "", by clinician, weekday and time.
func (t *Tx) Availability(clinicianID string) ([]AvailabilityBlock, error) {
	rows, err := t.query(`SELECT clinician_id, weekday, starts, ends FROM clinician_availability
		WHERE ? = '' OR clinician_id = ? ORDER BY clinician_id, weekday, starts`, clinicianID, clinicianID)
	if err != nil {
		return nil, fmt.Errorf("read availability: %w", err)
	}
	defer rows.Close()
	var out []AvailabilityBlock
	for rows.Next() {
		var b AvailabilityBlock
		if err := rows.Scan(&b.ClinicianID, &b.Weekday, &b.Starts, &b.Ends); err != nil {
			return nil, fmt.Errorf("read availability: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetAvailability replaces a clinician's weekly template with blocks.
func (t *Tx) SetAvailability(clinicianID string, blocks []AvailabilityBlock) error {
	if _, err := t.exec(`DELETE FROM clinician_availability WHERE clinician_id = ?`, clinicianID); err != nil {
		return fmt.Errorf("clear availability: %w", err)
	}
	for _, b := range blocks {
		_, err := t.exec(`INSERT INTO clinician_availability (clinician_id, weekday, starts, ends) VALUES (?, ?, ?, ?)`,
			clinicianID, b.Weekday, b.Starts, b.Ends)
		if err != nil {
			return fmt.Errorf("save availability: %w", err)
		}
	}
	return nil
}

// Clinicians lists the active clinicians by name: who can be booked.
func (t *Tx) Clinicians() ([]User, error) {
	rows, err := t.query(`SELECT ` + userColumns + ` FROM users WHERE role = 'clinician' AND active = 1
		ORDER BY full_name COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list clinicians: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Appointment is one booking. Start and End are the clinic's local
// wall-clock time, "YYYY-MM-DDTHH:MM"; the check-in times are zero until
// the step is reached.
type Appointment struct {
	ID              string    `json:"id"`
	PatientID       string    `json:"patientId"`
	ClinicianID     string    `json:"clinicianId"`
	TypeID          string    `json:"typeId"`
	Start           string    `json:"start"`
	End             string    `json:"end"`
	Status          string    `json:"status"`
	ArrivedAt       time.Time `json:"arrivedAt"`
	InRoomAt        time.Time `json:"inRoomAt"`
	WithClinicianAt time.Time `json:"withClinicianAt"`
	DoneAt          time.Time `json:"doneAt"`
	Reason          string    `json:"reason"`
	Note            string    `json:"note"`
	SeriesID        string    `json:"seriesId"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"createdAt"`
	CreatedBy       string    `json:"createdBy"`
	UpdatedAt       time.Time `json:"updatedAt"`
	UpdatedBy       string    `json:"updatedBy"`
	// MeetingLink is the video call's address of a virtual visit, "" for
	// one at the clinic (schema 29).
	MeetingLink string `json:"meetingLink"`
}

const appointmentColumns = `a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
	a.arrived_at, a.in_room_at, a.with_clinician_at, a.done_at, a.reason, a.note, a.series_id, a.version,
	a.created_at, a.created_by, a.updated_at, a.updated_by, a.meeting_link`

// AppointmentRow is an appointment as the calendar and lists show it, with
// its patient, clinician and type. The creation and update fields of its
// Appointment are not read.
type AppointmentRow struct {
	Appointment
	PatientFamilyName string
	PatientGivenNames string
	PatientMRN        string
	PatientBirthDate  string
	PatientPhone      string
	ClinicianName     string
	TypeName          string
	TypeColour        string
	TypeVirtual       bool // a video visit
	// The check-in times as RFC 3339 text in UTC to the second, "" for a
	// step not reached: what the calendar shows, cut from the stored text
	// rather than formatted again, a thousand lines times four.
	ArrivedText, InRoomText, WithClinicianText, DoneText string
}

// appointmentRowFrom reads what a calendar line shows, from the appointment
// row alone: it carries its patient's card (see 0002_schedule.sql), and the
// clinicians' and types' names come from appointmentLabels, a handful of rows
// read once rather than a lookup per line.
const appointmentRowFrom = `SELECT ` + appointmentRowColumns + ` FROM appointments a`

// appointmentRowColumns are what a calendar line reads, from the
// appointments (a).
const appointmentRowColumns = appointmentCardColumns + `, a.meeting_link`

// callListColumns are appointmentRowColumns read from the call list, which
// has the columns of schema 23: a no-show to rebook has no call to join.
const callListColumns = appointmentCardColumns + `, ''`

const appointmentCardColumns = `a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
	a.arrived_at, a.in_room_at, a.with_clinician_at, a.done_at, a.reason, a.note, a.series_id, a.version,
	a.patient_family_name, a.patient_given_names, a.patient_mrn, a.patient_birth_date, a.patient_phone`

// scanAppointment reads appointmentColumns.
func scanAppointment(row scanner) (Appointment, error) {
	var a Appointment
	var arrived, inRoom, withClinician, done, created, updated string
	err := row.Scan(&a.ID, &a.PatientID, &a.ClinicianID, &a.TypeID, &a.Start, &a.End, &a.Status,
		&arrived, &inRoom, &withClinician, &done, &a.Reason, &a.Note, &a.SeriesID, &a.Version,
		&created, &a.CreatedBy, &updated, &a.UpdatedBy, &a.MeetingLink)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read appointment: %w", err)
	}
	a.ArrivedAt, a.InRoomAt = parseOptionalTime(arrived), parseOptionalTime(inRoom)
	a.WithClinicianAt, a.DoneAt = parseOptionalTime(withClinician), parseOptionalTime(done)
	a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
	return a, nil
}

// appointmentLabels are the names an appointment row shows for its
// clinician and type.
type appointmentLabels struct {
	clinicians map[string]string // id → full name
	types      map[string]AppointmentType
}

func (t *Tx) appointmentLabels() (appointmentLabels, error) {
	l := appointmentLabels{clinicians: map[string]string{}, types: map[string]AppointmentType{}}
	rows, err := t.query(`SELECT id, full_name FROM users`)
	if err != nil {
		return l, fmt.Errorf("read clinicians' names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return l, fmt.Errorf("read clinicians' names: %w", err)
		}
		l.clinicians[id] = name
	}
	if err := rows.Err(); err != nil {
		return l, fmt.Errorf("read clinicians' names: %w", err)
	}
	types, err := t.AppointmentTypes()
	for _, at := range types {
		l.types[at.ID] = at
	}
	return l, err
}

// appointmentRowScan is where the rows of appointmentRowFrom are read into:
// one row at a time, the same memory for every row of a list, so that a
// week's thousand lines cost no allocation of their own beyond the
// driver's.
type appointmentRowScan struct {
	labels                               appointmentLabels
	row                                  AppointmentRow
	arrived, inRoom, withClinician, done string
	dest                                 []any
}

func (l appointmentLabels) scanner() *appointmentRowScan {
	s := &appointmentRowScan{labels: l}
	r, a := &s.row, &s.row.Appointment
	s.dest = []any{&a.ID, &a.PatientID, &a.ClinicianID, &a.TypeID, &a.Start, &a.End, &a.Status,
		&s.arrived, &s.inRoom, &s.withClinician, &s.done, &a.Reason, &a.Note, &a.SeriesID, &a.Version,
		&r.PatientFamilyName, &r.PatientGivenNames, &r.PatientMRN, &r.PatientBirthDate, &r.PatientPhone, &a.MeetingLink}
	return s
}

// scan reads row into s.row, which stays valid until the next scan.
func (s *appointmentRowScan) scan(row scanner) (*AppointmentRow, error) {
	err := row.Scan(s.dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read appointment: %w", err)
	}
	r := &s.row
	r.ArrivedAt, r.InRoomAt = parseOptionalTime(s.arrived), parseOptionalTime(s.inRoom)
	r.WithClinicianAt, r.DoneAt = parseOptionalTime(s.withClinician), parseOptionalTime(s.done)
	r.ArrivedText, r.InRoomText = instantText(s.arrived, r.ArrivedAt), instantText(s.inRoom, r.InRoomAt)
	r.WithClinicianText, r.DoneText = instantText(s.withClinician, r.WithClinicianAt), instantText(s.done, r.DoneAt)
	r.ClinicianName = s.labels.clinicians[r.ClinicianID]
	at := s.labels.types[r.TypeID]
	r.TypeName, r.TypeColour, r.TypeVirtual = at.Name, at.Colour, at.Virtual
	return r, nil
}

// eachAppointmentRow runs query, which selects appointmentRowFrom, and
// calls fn with each row in order. The row is reused for the next one: fn
// copies what it keeps.
func (t *Tx) eachAppointmentRow(what, query string, args []any, fn func(*AppointmentRow)) error {
	labels, err := t.appointmentLabels()
	if err != nil {
		return err
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	s := labels.scanner()
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return err
		}
		fn(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list %s: %w", what, err)
	}
	return nil
}

func (t *Tx) appointmentRows(what, query string, args ...any) ([]AppointmentRow, error) {
	var out []AppointmentRow
	err := t.eachAppointmentRow(what, query, args, func(r *AppointmentRow) { out = append(out, *r) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// InsertAppointment books a, with a copy of its patient's card;
// ErrNotFound if there is no such patient.
func (t *Tx) InsertAppointment(a Appointment) error {
	res, err := t.exec(`INSERT INTO appointments (id, patient_id, clinician_id, type_id, starts_at, ends_at, status,
		arrived_at, in_room_at, with_clinician_at, done_at, reason, note, series_id, version,
		created_at, created_by, updated_at, updated_by, meeting_link,
		patient_family_name, patient_given_names, patient_mrn, patient_birth_date, patient_phone)
		SELECT ?, p.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			p.family_name, p.given_names, p.mrn, p.birth_date, p.phone
		FROM patients p WHERE p.id = ?`,
		a.ID, a.ClinicianID, a.TypeID, a.Start, a.End, a.Status,
		optionalTime(a.ArrivedAt), optionalTime(a.InRoomAt), optionalTime(a.WithClinicianAt), optionalTime(a.DoneAt),
		a.Reason, a.Note, a.SeriesID, a.Version, formatTime(a.CreatedAt), a.CreatedBy, formatTime(a.UpdatedAt), a.UpdatedBy,
		a.MeetingLink, a.PatientID)
	if err != nil {
		return fmt.Errorf("insert appointment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("insert appointment of patient %s: %w", a.PatientID, ErrNotFound)
	}
	return nil
}

// AppointmentByID reads one appointment.
func (t *Tx) AppointmentByID(id string) (Appointment, error) {
	return scanAppointment(t.queryRow(`SELECT `+appointmentColumns+` FROM appointments a WHERE a.id = ?`, id))
}

// AppointmentRowByID reads one appointment with its patient, clinician and type.
func (t *Tx) AppointmentRowByID(id string) (AppointmentRow, error) {
	labels, err := t.appointmentLabels()
	if err != nil {
		return AppointmentRow{}, err
	}
	r, err := labels.scanner().scan(t.queryRow(appointmentRowFrom+` WHERE a.id = ?`, id))
	if err != nil {
		return AppointmentRow{}, err
	}
	return *r, nil
}

// UpdateAppointment replaces the appointment with a, keeping the version it
// replaces in revisions. a.Version must be the version the caller read;
// ErrConflict if the row has changed since. The patient, series and
// creation fields never change.
func (t *Tx) UpdateAppointment(a Appointment, reason string) (Appointment, error) {
	old, err := t.AppointmentByID(a.ID)
	if err != nil {
		return Appointment{}, err
	}
	if old.Version != a.Version {
		return Appointment{}, ErrConflict
	}
	if err := t.keepRevision("appointment", old.ID, old.Version, old, a.UpdatedBy, a.UpdatedAt, reason); err != nil {
		return Appointment{}, err
	}
	a.PatientID, a.SeriesID, a.CreatedAt, a.CreatedBy = old.PatientID, old.SeriesID, old.CreatedAt, old.CreatedBy
	a.Version = old.Version + 1
	res, err := t.exec(`UPDATE appointments SET clinician_id = ?, type_id = ?, starts_at = ?, ends_at = ?, status = ?,
		arrived_at = ?, in_room_at = ?, with_clinician_at = ?, done_at = ?, reason = ?, note = ?,
		version = ?, updated_at = ?, updated_by = ?, meeting_link = ?
		WHERE id = ? AND version = ?`,
		a.ClinicianID, a.TypeID, a.Start, a.End, a.Status,
		optionalTime(a.ArrivedAt), optionalTime(a.InRoomAt), optionalTime(a.WithClinicianAt), optionalTime(a.DoneAt),
		a.Reason, a.Note, a.Version, formatTime(a.UpdatedAt), a.UpdatedBy, a.MeetingLink, a.ID, old.Version)
	if err != nil {
		return Appointment{}, fmt.Errorf("update appointment %s: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Appointment{}, ErrConflict
	}
	return a, nil
}

// AppointmentRevision is a replaced version of an appointment.
type AppointmentRevision struct {
	Appointment Appointment
	ChangedAt   time.Time
	ChangedBy   string // user name
	Reason      string
}

// AppointmentRevisions lists the replaced versions of an appointment,
// newest first.
func (t *Tx) AppointmentRevisions(id string) ([]AppointmentRevision, error) {
	rows, err := t.query(`SELECT r.data, r.changed_at, u.username, r.reason
		FROM revisions r JOIN users u ON u.id = r.changed_by
		WHERE r.entity = 'appointment' AND r.entity_id = ? ORDER BY r.version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	var out []AppointmentRevision
	for rows.Next() {
		var r AppointmentRevision
		var data, at string
		if err := rows.Scan(&data, &at, &r.ChangedBy, &r.Reason); err != nil {
			return nil, fmt.Errorf("read revision: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &r.Appointment); err != nil {
			return nil, fmt.Errorf("decode revision: %w", err)
		}
		r.ChangedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AppointmentsBetween lists the appointments starting in [from, to) (local
// "YYYY-MM-DDTHH:MM" or dates), of one clinician or, for clinicianID "",
// the whole clinic, in time order. Cancelled ones are left out: their time
// is free again.
func (t *Tx) AppointmentsBetween(from, to, clinicianID string) ([]AppointmentRow, error) {
	var out []AppointmentRow
	err := t.EachAppointmentBetween(from, to, clinicianID, func(r *AppointmentRow) { out = append(out, *r) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachAppointmentBetween is AppointmentsBetween calling fn with each
// appointment in turn instead of returning a list, for the day's
// calendar and list: a day of the whole clinic is a couple of hundred rows,
// turned straight into what they show. The row fn is given is reused for
// the next: fn copies what it keeps.
func (t *Tx) EachAppointmentBetween(from, to, clinicianID string, fn func(*AppointmentRow)) error {
	where, args := calendarRange(from, to, clinicianID)
	return t.eachAppointmentRow("appointments", appointmentRowFrom+where, args, fn)
}

// calendarRange is the WHERE and ORDER BY of a calendar's span: the
// appointments starting in [from, to), of one clinician or, for
// clinicianID "", the whole clinic, cancelled ones left out, in time order.
// The whole clinic's span is a range of the primary key; one clinician's
// is a range of appointments_clinician_start.
func calendarRange(from, to, clinicianID string) (string, []any) {
	if clinicianID == "" {
		return ` WHERE a.starts_at >= ? AND a.starts_at < ? AND a.status <> 'cancelled'
			ORDER BY a.starts_at, a.id`, []any{from, to}
	}
	return ` WHERE a.clinician_id = ? AND a.starts_at >= ? AND a.starts_at < ? AND a.status <> 'cancelled'
		ORDER BY a.starts_at, a.id`, []any{clinicianID, from, to}
}

// CalendarEntry is an appointment as the week's calendar draws it: a box
// at its time in its clinician's column, titled with the patient's name and
// the type, coloured by the type, with what a drag to move it needs
// (version, series). The rest of the appointment is read by
// AppointmentRowByID when it is opened.
type CalendarEntry struct {
	ID, PatientID, ClinicianID, TypeID string
	Start, End                         string // local "YYYY-MM-DDTHH:MM"
	Status                             string
	SeriesID                           string
	Version                            int
	PatientFamilyName                  string
	PatientGivenNames                  string
	PatientPhone                       string // for the box's tooltip
	TypeName, TypeColour               string
	TypeVirtual                        bool // a video visit (the box says so)
}

// calendarEntryFrom reads a CalendarEntry's columns: half of
// appointmentRowFrom's, for a whole clinic's week of a thousand lines.
const calendarEntryFrom = `SELECT a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
	a.series_id, a.version, a.patient_family_name, a.patient_given_names, a.patient_phone
	FROM appointments a`

// EachCalendarEntryBetween calls fn with each appointment starting in
// [from, to), as AppointmentsBetween chooses them, read as CalendarEntry.
// The entry fn is given is reused for the next: fn copies what it keeps.
func (t *Tx) EachCalendarEntryBetween(from, to, clinicianID string, fn func(*CalendarEntry)) error {
	types, err := t.AppointmentTypes()
	if err != nil {
		return err
	}
	byID := make(map[string]AppointmentType, len(types))
	for _, at := range types {
		byID[at.ID] = at
	}
	where, args := calendarRange(from, to, clinicianID)
	rows, err := t.query(calendarEntryFrom+where, args...)
	if err != nil {
		return fmt.Errorf("list the calendar: %w", err)
	}
	defer rows.Close()
	var e CalendarEntry
	dest := []any{&e.ID, &e.PatientID, &e.ClinicianID, &e.TypeID, &e.Start, &e.End, &e.Status,
		&e.SeriesID, &e.Version, &e.PatientFamilyName, &e.PatientGivenNames, &e.PatientPhone}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read calendar entry: %w", err)
		}
		at := byID[e.TypeID]
		e.TypeName, e.TypeColour, e.TypeVirtual = at.Name, at.Colour, at.Virtual
		fn(&e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list the calendar: %w", err)
	}
	return nil
}

// PatientAppointments lists every appointment of a patient, cancelled ones
// too, newest first.
func (t *Tx) PatientAppointments(patientID string) ([]AppointmentRow, error) {
	return t.appointmentRows("the patient's appointments", appointmentRowFrom+`
		WHERE a.patient_id = ? ORDER BY a.starts_at DESC, a.id`, patientID)
}

// SeriesAppointments lists the appointments of a recurring series in time order.
func (t *Tx) SeriesAppointments(seriesID string) ([]Appointment, error) {
	rows, err := t.query(`SELECT `+appointmentColumns+` FROM appointments a
		WHERE a.series_id = ? AND a.series_id <> '' ORDER BY a.starts_at, a.id`, seriesID)
	if err != nil {
		return nil, fmt.Errorf("list series %s: %w", seriesID, err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// maxAppointmentMinutes bounds an appointment's length, so that an overlap
// search need only look back this far from the slot's start.
const maxAppointmentMinutes = 480

// Overlapping lists up to limit appointments that are still to happen or
// happened (not cancelled, not missed) and overlap [start, end), of the
// clinician or, when clinicianID is "", of the patient, except those in
// exclude.
func (t *Tx) Overlapping(clinicianID, patientID, start, end string, exclude []string, limit int) ([]AppointmentRow, error) {
	earliest, err := time.Parse("2006-01-02T15:04", start)
	if err != nil {
		return nil, fmt.Errorf("overlap search from %q: %w", start, err)
	}
	// Nothing longer than the longest appointment can start before this and
	// still reach start: the bound lets the index answer.
	lookBack := earliest.Add(-maxAppointmentMinutes * time.Minute).Format("2006-01-02T15:04")
	const live = ` AND a.starts_at > ? AND a.starts_at < ? AND a.ends_at > ? AND a.status NOT IN ('cancelled', 'no_show')
		ORDER BY a.starts_at, a.id`
	var found []AppointmentRow
	if clinicianID != "" {
		found, err = t.appointmentRows("overlapping appointments", appointmentRowFrom+` WHERE a.clinician_id = ?`+live,
			clinicianID, lookBack, end, start)
	} else {
		found, err = t.appointmentRows("overlapping appointments", appointmentRowFrom+` WHERE a.patient_id = ?`+live,
			patientID, lookBack, end, start)
	}
	if err != nil {
		return nil, err
	}
	out := found[:0]
	for _, r := range found {
		skip := false
		for _, id := range exclude {
			skip = skip || r.ID == id
		}
		if !skip && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// TimeSpan is a stretch of local wall-clock time, "YYYY-MM-DDTHH:MM".
type TimeSpan struct {
	Start, End string
}

// BusyTimes lists when a clinician is taken between from and to (local
// "YYYY-MM-DDTHH:MM"): the start and end of each of their appointments that
// holds its time (not cancelled, not missed) and overlaps [from, to), in
// time order. The next free slot is looked for between them.
func (t *Tx) BusyTimes(clinicianID, from, to string) ([]TimeSpan, error) {
	earliest, err := time.Parse("2006-01-02T15:04", from)
	if err != nil {
		return nil, fmt.Errorf("busy times from %q: %w", from, err)
	}
	// As in Overlapping: the longest appointment bounds how far back one
	// can start and still reach from, so appointments_clinician_start answers.
	lookBack := earliest.Add(-maxAppointmentMinutes * time.Minute).Format("2006-01-02T15:04")
	rows, err := t.query(`SELECT a.starts_at, a.ends_at FROM appointments a
		WHERE a.clinician_id = ? AND a.starts_at > ? AND a.starts_at < ? AND a.ends_at > ?
			AND a.status NOT IN ('cancelled', 'no_show')
		ORDER BY a.starts_at, a.id`, clinicianID, lookBack, to, from)
	if err != nil {
		return nil, fmt.Errorf("list busy times of %s: %w", clinicianID, err)
	}
	defer rows.Close()
	var out []TimeSpan
	for rows.Next() {
		var s TimeSpan
		if err := rows.Scan(&s.Start, &s.End); err != nil {
			return nil, fmt.Errorf("read busy time: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list busy times of %s: %w", clinicianID, err)
	}
	return out, nil
}

// NoShowsToRebook lists the no-shows starting in [from, to) whose patient
// has no later appointment other than cancelled ones: one line per patient
// to call, their latest missed appointment, newest first.
func (t *Tx) NoShowsToRebook(from, to string, limit int) ([]AppointmentRow, error) {
	return t.appointmentRows("no-shows", noShowsToRebook, from, to, limit)
}

// noShowsToRebook reads the call_list table (schema 23), kept by triggers
// as the no-shows to rebook: one run of it in time order, with every
// column of appointmentRowFrom.
const noShowsToRebook = `SELECT ` + callListColumns + ` FROM call_list a
	WHERE a.starts_at >= ? AND a.starts_at < ?
	ORDER BY a.starts_at DESC, a.id LIMIT ?`

// CountAppointments tells how many appointments were ever booked.
func (t *Tx) CountAppointments() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM appointments").Scan(&n); err != nil {
		return 0, fmt.Errorf("count appointments: %w", err)
	}
	return n, nil
}

// CountRevisions tells how many replaced versions of rows are kept.
func (t *Tx) CountRevisions() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM revisions").Scan(&n); err != nil {
		return 0, fmt.Errorf("count revisions: %w", err)
	}
	return n, nil
}

// PatientIDByMRN finds the patient a bulk import names by chart number.
func (t *Tx) PatientIDByMRN(mrn string) (string, error) {
	var id string
	err := t.queryRow(`SELECT id FROM patients WHERE mrn = ?`, mrn).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("find patient %s: %w", mrn, err)
	}
	return id, nil
}

func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// instantText is the stored instant t, read from stored, as RFC 3339 in
// UTC to the second; "" for the zero time. The stored form (timeLayout) is
// that text with a fraction, so it is cut rather than formatted.
func instantText(stored string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if storedForm(stored) {
		return stored[:19] + "Z"
	}
	return t.UTC().Format(time.RFC3339)
}

// storedForm tells whether s has the shape of timeLayout,
// 2006-01-02T15:04:05.000000Z.
func storedForm(s string) bool {
	return len(s) == len(timeLayout) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' &&
		s[19] == '.' && s[26] == 'Z'
}

// parseOptionalTime reads a check-in time, "" for a step not reached. The
// stored form (timeLayout) is read by hand: a week of the calendar holds
// thousands of them, and time.Parse would cost more than the query.
func parseOptionalTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if !storedForm(s) {
		return parseTime(s)
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	return time.Date(num(0, 4), time.Month(num(5, 7)), num(8, 10), num(11, 13), num(14, 16), num(17, 19),
		num(20, 26)*1000, time.UTC)
}
