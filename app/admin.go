package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/password"
	"folio/db"
)

// Admin is the clinic admin's work: accounts, settings, the audit trail and
// backups.
type Admin struct {
	app     *App
	session *Session
}

// Users lists every account.
func (s *Admin) Users() ([]User, error) {
	out := []User{}
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		users, err := o.Tx.Users()
		for _, u := range users {
			out = append(out, userView(u, o.now))
		}
		return err
	})
	return answer(out, err)
}

// AddUser creates an account.
func (s *Admin) AddUser(n NewUser) (User, error) {
	var u db.User
	prepare := func() (err error) {
		fields := fieldErrors{}
		n.validate(fields)
		if err := fields.err(); err != nil {
			return err
		}
		u, err = n.build(s.app.now())
		return err
	}
	var out User
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		if _, err := o.UserByName(u.Username); err == nil {
			return &Error{Kind: Invalid, Message: "Please correct the marked field.",
				Fields: map[string]string{"username": "This user name is taken."}}
		}
		if err := o.InsertUser(u); err != nil {
			return err
		}
		out = userView(u, o.now)
		return o.audit("user.add", "", "user/"+u.ID, fmt.Sprintf("%s (%s)", u.Username, u.Role))
	})
	return out, err
}

// SetUserActive disables or re-enables an account. An admin cannot disable
// their own account or the last active admin.
func (s *Admin) SetUserActive(id string, active bool) (User, error) {
	var out User
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		u, err := o.UserByID(id)
		if err != nil {
			return err
		}
		if !active && u.ID == o.actor.userID {
			return errorf(Conflict, "You cannot disable your own account.")
		}
		if !active && u.Role == RoleAdmin && u.Active {
			n, err := o.CountActiveAdmins()
			if err != nil {
				return err
			}
			if n <= 1 {
				return errorf(Conflict, "This is the last active admin; add another admin first.")
			}
		}
		u.Active, u.UpdatedAt = active, o.now
		if err := o.UpdateUser(u); err != nil {
			return err
		}
		out = userView(u, o.now)
		action := "user.disable"
		if active {
			action = "user.enable"
		}
		return o.audit(action, "", "user/"+u.ID, u.Username)
	})
	if err == nil && !active {
		s.app.endSessionsOf(id)
	}
	return out, err
}

// ResetPassword sets a new password for an account, ends every session of
// it (whoever had the old password is out at once) and lifts the sign-in
// delays of its name. An admin resetting their own password stays signed
// in at this window.
func (s *Admin) ResetPassword(id, pw string) error {
	var hash string
	prepare := func() (err error) {
		if msg := passwordProblem(pw); msg != "" {
			return &Error{Kind: Invalid, Message: msg, Fields: map[string]string{"password": msg}}
		}
		hash, err = password.Hash(pw)
		return err
	}
	var reset db.User
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		u, err := o.UserByID(id)
		if err != nil {
			return err
		}
		u.PasswordHash, u.FailedLogins, u.LockedUntil, u.UpdatedAt = hash, 0, time.Time{}, o.now
		if err := o.UpdateUser(u); err != nil {
			return err
		}
		reset = u
		return o.audit("user.reset_password", "", "user/"+u.ID, u.Username)
	})
	if err != nil {
		return err
	}
	s.app.endSessionsOf(id)
	s.app.logins.forgetName(reset.Username)
	if s.session.UserID() == id {
		s.session.signIn(reset, s.app.now(), s.app.epochs.of(id))
	}
	return nil
}

// RecoverAdmin is the way back in for an admin who cannot sign in (a
// forgotten password, an account disabled by another admin, sign-in
// delays from someone guessing): `folio setup --reset-admin` at the clinic
// PC, which needs the data folder's files rather than a password. It sets
// the admin's new password, enables the account and ends its sessions,
// audited as done at the command line. Only an admin account is recovered
// this way; the others are reset by an admin in Users.
func (a *App) RecoverAdmin(username, pw string) error {
	if msg := passwordProblem(pw); msg != "" {
		return &Error{Kind: Invalid, Message: msg, Fields: map[string]string{"password": msg}}
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return a.userError(err)
	}
	who, err := a.commandLineActor(username)
	var e *Error
	if errors.As(err, &e) && e.Kind == NotFound {
		return errorf(NotFound, "There is no account named %q.", username)
	}
	if err != nil {
		return err
	}
	if who.role != RoleAdmin {
		return errorf(Invalid, "%s is not an admin. Recover an admin's account this way, then reset the others' passwords in Users.", who.username)
	}
	// The account may be disabled: act as nobody, as setup does, and name
	// the admin in the audit entry.
	userID := who.userID
	who.userID = ""
	err = a.actAs(who, func(o *op) error {
		u, err := o.UserByID(userID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.Active, u.FailedLogins, u.LockedUntil, u.UpdatedAt = hash, true, 0, time.Time{}, o.now
		if err := o.UpdateUser(u); err != nil {
			return err
		}
		o.actor.userID = u.ID
		return o.audit("user.recover", "", "user/"+u.ID, u.Username+": new password set and account enabled at the command line")
	})
	if err != nil {
		return err
	}
	a.endSessionsOf(userID)
	a.logins.forgetName(who.username)
	return nil
}

// SetLicenceNumber records a clinician's professional licence or
// registration number, which their prescriptions print; "" clears it.
func (s *Admin) SetLicenceNumber(id, licence string) (User, error) {
	var out User
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		licence = strings.TrimSpace(licence)
		if msg := licenceProblem(licence); msg != "" {
			return fieldErrors{"licenceNumber": msg}.err()
		}
		u, err := o.UserByID(id)
		if err != nil {
			return err
		}
		u.LicenceNumber, u.UpdatedAt = licence, o.now
		if err := o.UpdateUser(u); err != nil {
			return err
		}
		out = userView(u, o.now)
		return o.audit("user.licence", "", "user/"+u.ID, fmt.Sprintf("%s: licence %q", u.Username, licence))
	})
	return out, err
}

// Settings are the clinic-wide choices an admin makes. DateOrder is how
// the clinic writes dates as numbers ("mdy": 3/4/1980 is March 4; "dmy": it
// is 3 April), which the search box follows. WeightUnit (kg or lb),
// HeightUnit (cm or in) and TemperatureUnit (C or F) are the units vitals
// are entered and shown in; Folio stores kg, cm and °C whatever they are.
// ClinicAddress (lines separated by newlines) and ClinicPhone head the
// prescriptions Folio prints.
type Settings struct {
	ClinicName      string    `json:"clinicName"`
	IdleMinutes     int       `json:"idleMinutes"`
	DateOrder       DateOrder `json:"dateOrder"`
	WeightUnit      string    `json:"weightUnit"`
	HeightUnit      string    `json:"heightUnit"`
	TemperatureUnit string    `json:"temperatureUnit"`
	ClinicAddress   string    `json:"clinicAddress"`
	ClinicPhone     string    `json:"clinicPhone"`
	// MeetingLinkTemplate makes each video visit's link: an https address
	// with {room} (see telehealth.go); "" until the clinic confirms one.
	MeetingLinkTemplate string `json:"meetingLinkTemplate"`
	// SuggestedMeetingLink is what the screen offers for it (read only).
	SuggestedMeetingLink string `json:"suggestedMeetingLink"`
}

// Settings reads the clinic's settings.
func (s *Admin) Settings() (Settings, error) {
	var out Settings
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		name, _, err := o.Setting(settingClinicName)
		if err != nil {
			return err
		}
		order, err := o.dateOrder()
		if err != nil {
			return err
		}
		units, err := o.vitalUnits()
		out = Settings{ClinicName: name, IdleMinutes: int(s.app.idleMinutes.Load()), DateOrder: order,
			WeightUnit: units.weight, HeightUnit: units.height, TemperatureUnit: units.temperature}
		if err != nil {
			return err
		}
		out.ClinicAddress, out.ClinicPhone, err = o.clinicContact()
		if err != nil {
			return err
		}
		out.SuggestedMeetingLink = SuggestedMeetingLinkTemplate
		out.MeetingLinkTemplate, _, err = o.Setting(settingMeetingLinkTemplate)
		return err
	})
	return answer(out, err)
}

// SaveSettings changes the clinic's settings. An empty DateOrder or unit
// keeps the clinic's, for a form that does not show it.
func (s *Admin) SaveSettings(in Settings) (Settings, error) {
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		if in.DateOrder == "" {
			order, err := o.dateOrder()
			if err != nil {
				return err
			}
			in.DateOrder = order
		}
		units, err := o.vitalUnits()
		if err != nil {
			return err
		}
		for _, u := range []struct {
			value   *string
			current string
		}{
			{&in.WeightUnit, units.weight}, {&in.HeightUnit, units.height}, {&in.TemperatureUnit, units.temperature},
		} {
			if *u.value = strings.TrimSpace(*u.value); *u.value == "" {
				*u.value = u.current
			}
		}
		if err := in.validate(); err != nil {
			return err
		}
		for _, kv := range [][2]string{{settingWeightUnit, in.WeightUnit}, {settingHeightUnit, in.HeightUnit},
			{settingTempUnit, in.TemperatureUnit}} {
			if err := o.SetSetting(kv[0], kv[1]); err != nil {
				return err
			}
		}
		if err := o.SetSetting(settingClinicName, in.ClinicName); err != nil {
			return err
		}
		if err := o.SetSetting(settingIdleMinutes, strconv.Itoa(in.IdleMinutes)); err != nil {
			return err
		}
		if err := o.SetSetting(settingDateOrder, string(in.DateOrder)); err != nil {
			return err
		}
		if err := o.SetSetting(settingClinicAddress, in.ClinicAddress); err != nil {
			return err
		}
		if err := o.SetSetting(settingClinicPhone, in.ClinicPhone); err != nil {
			return err
		}
		if err := o.SetSetting(settingMeetingLinkTemplate, in.MeetingLinkTemplate); err != nil {
			return err
		}
		return o.audit("settings.save", "", "", fmt.Sprintf("clinic %q; lock after %d min; dates %s; units %s, %s, %s; meeting link %q",
			in.ClinicName, in.IdleMinutes, in.DateOrder, in.WeightUnit, in.HeightUnit, in.TemperatureUnit, in.MeetingLinkTemplate))
	})
	if err != nil {
		return Settings{}, err
	}
	s.app.idleMinutes.Store(int64(in.IdleMinutes))
	in.SuggestedMeetingLink = SuggestedMeetingLinkTemplate
	return in, nil
}

// validate trims the form and reports every wrong field at once.
func (in *Settings) validate() error {
	in.ClinicName = strings.TrimSpace(in.ClinicName)
	fields := fieldErrors{}
	if in.ClinicName == "" || utf8.RuneCountInString(in.ClinicName) > 100 {
		fields.add("clinicName", "Enter the clinic's name (at most 100 characters).")
	}
	if in.IdleMinutes < 1 || in.IdleMinutes > 240 {
		fields.add("idleMinutes", "Lock after 1 to 240 minutes without activity.")
	}
	if !in.DateOrder.valid() {
		fields.add("dateOrder", "Choose month first (3/4/1980 is March 4) or day first (3/4/1980 is 3 April).")
	}
	if !validWeightUnit(in.WeightUnit) {
		fields.add("weightUnit", "Choose kg or lb.")
	}
	if !validHeightUnit(in.HeightUnit) {
		fields.add("heightUnit", "Choose cm or in.")
	}
	if !validTemperatureUnit(in.TemperatureUnit) {
		fields.add("temperatureUnit", "Choose C or F.")
	}
	in.ClinicAddress = strings.TrimSpace(strings.ReplaceAll(in.ClinicAddress, "\r\n", "\n"))
	in.ClinicPhone = strings.TrimSpace(in.ClinicPhone)
	if utf8.RuneCountInString(in.ClinicAddress) > 300 {
		fields.add("clinicAddress", "The address can have at most 300 characters.")
	}
	if utf8.RuneCountInString(in.ClinicPhone) > 50 {
		fields.add("clinicPhone", "The phone number can have at most 50 characters.")
	}
	in.MeetingLinkTemplate = strings.TrimSpace(in.MeetingLinkTemplate)
	if msg := meetingTemplateProblem(in.MeetingLinkTemplate); msg != "" {
		fields.add("meetingLinkTemplate", msg)
	}
	return fields.err()
}

// AuditFilter narrows the audit listing; empty fields do not filter.
type AuditFilter struct {
	Username  string `json:"username"`
	Action    string `json:"action"`
	PatientID string `json:"patientId"`
	From      string `json:"from"` // YYYY-MM-DD, local day
	To        string `json:"to"`   // YYYY-MM-DD, inclusive
	BeforeSeq int64  `json:"beforeSeq"`
	Limit     int    `json:"limit"`
}

// AuditEntry is one audit line as listed.
type AuditEntry struct {
	Seq         int64  `json:"seq"`
	At          string `json:"at"`
	Username    string `json:"username"`
	Action      string `json:"action"`
	PatientID   string `json:"patientId"`
	PatientMRN  string `json:"patientMrn"`
	Record      string `json:"record"`
	Workstation string `json:"workstation"`
	Detail      string `json:"detail"`
}

// AuditPage is one page of the listing, newest first.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	More    bool         `json:"more"`
}

// Audit lists the audit trail.
func (s *Admin) Audit(f AuditFilter) (AuditPage, error) {
	page := AuditPage{Entries: []AuditEntry{}}
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		filter, err := f.query()
		if err != nil {
			return err
		}
		want := filter.Limit
		filter.Limit++
		entries, err := o.Tx.Audit(filter)
		if err != nil {
			return err
		}
		if len(entries) > want {
			page.More, entries = true, entries[:want]
		}
		for _, e := range entries {
			page.Entries = append(page.Entries, AuditEntry{Seq: e.Seq, At: e.At.Format(time.RFC3339), Username: e.Username,
				Action: e.Action, PatientID: e.PatientID, PatientMRN: e.PatientMRN, Record: e.Record,
				Workstation: e.Workstation, Detail: e.Detail})
		}
		return o.audit("audit.view", filter.PatientID, "", auditFilterText(f))
	})
	return answer(page, err)
}

// query checks the filter's dates and turns it into the database's filter.
func (f AuditFilter) query() (db.AuditFilter, error) {
	filter := db.AuditFilter{Username: strings.TrimSpace(f.Username), Action: strings.TrimSpace(f.Action),
		PatientID: strings.TrimSpace(f.PatientID), BeforeSeq: f.BeforeSeq, Limit: f.Limit}
	if filter.Limit <= 0 || filter.Limit > 500 {
		filter.Limit = 100
	}
	fields := fieldErrors{}
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, time.Local)
		if err != nil {
			fields.add("from", "Enter a date as YYYY-MM-DD.")
		}
		filter.From = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, time.Local)
		if err != nil {
			fields.add("to", "Enter a date as YYYY-MM-DD.")
		}
		filter.To = t.AddDate(0, 0, 1)
	}
	return filter, fields.err()
}

func auditFilterText(f AuditFilter) string {
	var parts []string
	for _, p := range [][2]string{{"user", f.Username}, {"action", f.Action}, {"patient", f.PatientID}, {"from", f.From}, {"to", f.To}} {
		if strings.TrimSpace(p[1]) != "" {
			parts = append(parts, p[0]+"="+strings.TrimSpace(p[1]))
		}
	}
	return strings.Join(parts, " ")
}

// AuditCheck is the result of verifying the audit chain.
type AuditCheck struct {
	OK      bool   `json:"ok"`
	Entries int64  `json:"entries"`
	Problem string `json:"problem"`
}

// VerifyAudit checks that no audit entry was changed, removed or reordered,
// and the rest `folio check` checks (see App.CheckAudit): it runs on a read
// snapshot, so the clinic's work goes on meanwhile, and is then audited.
func (s *Admin) VerifyAudit() (AuditCheck, error) {
	var out AuditCheck
	var c db.AuditReport
	check := func() (err error) {
		c, err = s.app.CheckAudit()
		return err
	}
	err := s.app.prepareAndAct(s.session, permAdmin, check, func(o *op) error {
		out = AuditCheck{OK: c.Problem == "", Entries: c.Entries, Problem: c.Problem}
		if n := len(c.Problems); n > 1 {
			out.Problem += fmt.Sprintf(" (and %d more problems: run folio check to list them)", n-1)
		}
		return o.audit("audit.verify", "", "", fmt.Sprintf("%d entries; %s", c.Entries, orOK(c.Problem)))
	})
	return out, err
}

func orOK(problem string) string {
	if problem == "" {
		return "intact"
	}
	return problem
}

// BackupFile is one backup in the data folder.
type BackupFile struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Bytes     int64  `json:"bytes"`
	CreatedAt string `json:"createdAt"`
}

// Backup writes a backup of the chart database now, into the data folder's
// backups folder.
func (s *Admin) Backup() (BackupFile, error) {
	var path string
	prepare := func() (err error) {
		path, err = s.app.BackupNow()
		return err
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		return o.audit("backup", "", "", path)
	})
	if err != nil {
		return BackupFile{}, err
	}
	return backupFile(path)
}

// Backups lists the backups in the data folder, newest first.
func (s *Admin) Backups() ([]BackupFile, error) {
	out := []BackupFile{}
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		for _, path := range listBackups(s.app.dataDir) {
			if f, err := backupFile(path); err == nil {
				out = append(out, f)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func backupFile(path string) (BackupFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupFile{}, err
	}
	return BackupFile{Path: path, Name: filepath.Base(path), Bytes: st.Size(), CreatedAt: st.ModTime().Format(time.RFC3339)}, nil
}

// BackupDir is where Folio keeps the backups it makes itself.
func BackupDir(dataDir string) string { return filepath.Join(dataDir, "backups") }

// BackupNow writes a timestamped backup into the backups folder.
// It carries a checkpoint of its audit trail and, beside it, the clinic's
// key file (see db.BackupSealed).
func (a *App) BackupNow() (string, error) {
	name := "folio-" + a.now().UTC().Format("20060102-150405.000") + ".db"
	path := filepath.Join(BackupDir(a.dataDir), name)
	if err := os.MkdirAll(BackupDir(a.dataDir), 0o700); err != nil {
		return "", fmt.Errorf("make the backups folder: %w", err)
	}
	report, err := db.BackupSealed(a.ctx, a.db.Path(), path)
	if err != nil {
		return "", err
	}
	if report.AuditProblem != "" {
		a.log.Error("the backup's audit trail does not verify; it was written without a checkpoint", "backup", path,
			"problem", report.AuditProblem)
	}
	return path, nil
}

func listBackups(dataDir string) []string {
	paths, _ := filepath.Glob(filepath.Join(BackupDir(dataDir), "folio-*.db"))
	sort.Sort(sort.Reverse(sort.StringSlice(paths))) // names hold the time: newest first
	return paths
}

// LatestBackup is the newest backup in the data folder, or "".
func LatestBackup(dataDir string) string {
	if paths := listBackups(dataDir); len(paths) > 0 {
		return paths[0]
	}
	return ""
}
