package app_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/host"
	"folio/db/replicate"
)

// access says who may call a service method.
type access int

const (
	anyone       access = iota // signing in and out: no role needed
	demographics               // front desk and clinicians
	clinical                   // clinicians only
	adminOnly                  // admins only
	scheduling                 // the calendar and the board: front desk and clinicians
	staff                      // anyone signed in, whatever their role
	reporting                  // the quality dashboard: clinicians and admins
)

// methodAccess is the rule for every method the UI can call. A new method
// without a rule here fails TestRoles: decide who may call it.
var methodAccess = map[string]access{
	"Auth.Status": anyone,
	"Auth.Setup":  anyone,
	"Auth.Login":  anyone,
	"Auth.Logout": anyone,
	"Auth.Lock":   anyone,
	"Auth.Unlock": anyone,
	"Auth.Touch":  anyone,
	// The first-run screen's restore: refused by the use-case itself once
	// the PC holds a clinic (TestRestoreFromTheScreen).
	"Auth.PrepareClinicRestore": anyone,
	"Auth.RestoreClinicNow":     anyone,

	"Patients.Register": demographics,
	"Patients.Search":   demographics,
	"Patients.Recent":   demographics,
	"Patients.Open":     demographics,
	"Patients.Correct":  demographics,
	"Patients.History":  demographics,

	"Patients.LikelyDuplicates": demographics,
	"Patients.MergePreview":     adminOnly,
	"Patients.Merge":            adminOnly,
	"Patients.Merges":           adminOnly,

	// Registering a likely duplicate, confirmed a different person: the
	// same people as registering.
	"Patients.RegisterDifferentPerson": demographics,

	"Chart.Summary":                clinical,
	"Chart.SearchICD10":            clinical,
	"Chart.BillableICD10":          clinical,
	"Chart.Problems":               clinical,
	"Chart.AddProblem":             clinical,
	"Chart.UpdateProblem":          clinical,
	"Chart.RetractProblem":         clinical,
	"Chart.Allergies":              clinical,
	"Chart.AddAllergy":             clinical,
	"Chart.UpdateAllergy":          clinical,
	"Chart.RetractAllergy":         clinical,
	"Chart.RecordNoKnownAllergies": clinical,

	"Chart.SearchDrugs":       clinical,
	"Chart.Medications":       clinical,
	"Chart.CheckMedication":   clinical,
	"Chart.AddMedication":     clinical,
	"Chart.StopMedication":    clinical,
	"Chart.RenewMedication":   clinical,
	"Chart.RetractMedication": clinical,
	"Chart.MedicationHistory": clinical,
	"Chart.Prescription":      clinical,

	"Chart.AddDocument":     clinical,
	"Chart.Documents":       clinical,
	"Chart.DocumentContent": clinical,
	"Chart.RetractDocument": clinical,

	"Chart.RecordVitals":  clinical,
	"Chart.Vitals":        clinical,
	"Chart.VitalsSeries":  clinical,
	"Chart.GrowthCharts":  clinical,
	"Chart.RetractVitals": clinical,

	"Chart.SearchLabTests":   clinical,
	"Chart.OrderLab":         clinical,
	"Chart.LabPanels":        clinical,
	"Chart.OrderLabPanel":    clinical,
	"Chart.RecordLabPanel":   clinical,
	"Chart.CancelLabOrder":   clinical,
	"Chart.LabOrders":        clinical,
	"Chart.RecordLabResult":  clinical,
	"Chart.ImportLabResults": clinical,
	"Chart.LabResults":       clinical,
	"Chart.LabSeries":        clinical,
	"Chart.LabReviewQueue":   clinical,
	"Chart.ReviewLabResult":  clinical,
	"Chart.RetractLabResult": clinical,

	"Chart.SearchVaccines":      clinical,
	"Chart.Immunizations":       clinical,
	"Chart.RecordImmunization":  clinical,
	"Chart.RetractImmunization": clinical,

	"Chart.CareGaps":    clinical,
	"Chart.CareRecords": clinical,
	"Chart.RecordCare":  clinical,
	"Chart.RetractCare": clinical,

	"Chart.AddReminder":   clinical,
	"Chart.CloseReminder": clinical,
	"Chart.CareReminders": clinical,
	// Home readings are the clinician's to bring in and judge, from a file
	// or a hub: the preview already shows the patient's readings, and a
	// device token sends into the chart. The front desk hands the file
	// over; it does not import it.
	"Chart.PreviewReadings":       clinical,
	"Chart.PreviewMappedReadings": clinical,
	"Chart.ImportReadings":        clinical,
	"Chart.HomeReadings":          clinical,
	"Chart.RetractHomeReading":    clinical,
	"Chart.ReadingImports":        clinical,
	"Chart.SaveReadingFormat":     clinical,
	"Chart.ReadingFormats":        clinical,
	"Chart.RetireReadingFormat":   clinical,
	"Chart.IssueDeviceToken":      clinical,
	"Chart.DeviceTokens":          clinical,
	"Chart.RevokeDeviceToken":     clinical,

	// Remote monitoring: clinicians enrol, review and report; the front
	// desk does not (monitoring_test.go makes their arguments).
	"Chart.EnrolMonitoring":         clinical,
	"Chart.UpdateMonitoringTargets": clinical,
	"Chart.EndMonitoring":           clinical,
	"Chart.Monitoring":              clinical,
	"Chart.ReviewReadings":          clinical,
	"Chart.ReadingsToReview":        clinical,
	"Chart.HomeReadingsSummary":     clinical,
	"Chart.MonitoringReport":        clinical,
	"Chart.SetFollowUp":             clinical,

	"Chart.StartImport":             clinical,
	"Chart.ImportReview":            clinical,
	"Chart.ImportsInReview":         clinical,
	"Chart.MatchImport":             clinical,
	"Chart.CreatePatientFromImport": clinical,
	"Chart.DecideImportItems":       clinical,
	"Chart.FinishImport":            clinical,
	"Chart.AbandonImport":           clinical,
	"Chart.ImportSources":           clinical,
	"Chart.Imports":                 clinical,
	"Chart.ImportOriginal":          clinical,

	"Chart.MatchImportDespiteMismatch": clinical,

	"Chart.ReferralPreview": clinical,
	"Chart.ExportReferral":  clinical,
	"Chart.PatientCopy":     clinical,
	"Chart.Disclosures":     clinical,

	"Chart.OpenEncounter":         clinical,
	"Chart.Encounters":            clinical,
	"Chart.Encounter":             clinical,
	"Chart.SaveDraft":             clinical,
	"Chart.SignNote":              clinical,
	"Chart.AddAddendum":           clinical,
	"Chart.RetractNote":           clinical,
	"Chart.NotePrintout":          clinical,
	"Chart.VisitSummary":          clinical,
	"Chart.SaveVisitInstructions": clinical,
	"Chart.Templates":             clinical,
	"Chart.SaveTemplate":          clinical,
	"Chart.QuickPhrases":          clinical,
	"Chart.SaveQuickPhrase":       clinical,
	"Chart.AddDiagnosis":          clinical,
	"Chart.RemoveDiagnosis":       clinical,

	"Schedule.Types":               staff,
	"Schedule.SaveType":            adminOnly,
	"Schedule.Hours":               staff,
	"Schedule.SaveHours":           adminOnly,
	"Schedule.Clinicians":          staff,
	"Schedule.Availability":        staff,
	"Schedule.SaveAvailability":    adminOnly,
	"Schedule.Book":                scheduling,
	"Schedule.Move":                scheduling,
	"Schedule.Reschedule":          scheduling,
	"Schedule.NextFreeSlot":        scheduling,
	"Schedule.Cancel":              scheduling,
	"Schedule.NoShow":              scheduling,
	"Schedule.Advance":             scheduling,
	"Schedule.Appointment":         scheduling,
	"Schedule.Week":                scheduling,
	"Schedule.Day":                 scheduling,
	"Schedule.Board":               scheduling,
	"Schedule.PatientAppointments": scheduling,
	"Schedule.CallList":            scheduling,
	"Schedule.DayListCSV":          scheduling,
	"Schedule.CallListCSV":         scheduling,
	"Schedule.Recalls":             scheduling,
	"Schedule.RecallsCSV":          scheduling,
	"Schedule.RecordOutreach":      scheduling,
	"Schedule.PrintRecallLetters":  scheduling,
	"Schedule.NewMeetingLink":      scheduling,
	"Schedule.AppointmentLetter":   scheduling,

	// The patient's consent to video visits: asked by the clinician who
	// starts one.
	"Chart.TelehealthConsent":        clinical,
	"Chart.RecordTelehealthConsent":  clinical,
	"Chart.RetractTelehealthConsent": clinical,

	"Admin.Users":         adminOnly,
	"Admin.AddUser":       adminOnly,
	"Admin.SetUserActive": adminOnly,
	"Admin.ResetPassword": adminOnly,
	"Admin.Settings":      adminOnly,
	"Admin.SaveSettings":  adminOnly,
	"Admin.Audit":         adminOnly,
	"Admin.VerifyAudit":   adminOnly,
	"Admin.Backup":        adminOnly,
	"Admin.Backups":       adminOnly,

	"Admin.StorageEncryption":   adminOnly,
	"Admin.Replication":         adminOnly,
	"Admin.SetReplica":          adminOnly,
	"Admin.StopReplica":         adminOnly,
	"Admin.BackupSchedule":      adminOnly,
	"Admin.SetBackupSchedule":   adminOnly,
	"Admin.CareRules":           adminOnly,
	"Admin.SetCareRule":         adminOnly,
	"Admin.RestoreChoices":      adminOnly,
	"Admin.SetBackupEncryption": adminOnly,
	"Admin.PrepareRestore":      adminOnly,
	"Admin.RestoreNow":          adminOnly,

	"Admin.SetLicenceNumber": adminOnly,
	"Admin.ClinicKey":        adminOnly,

	"Admin.StartClinicExport":  adminOnly,
	"Admin.ClinicExportStatus": adminOnly,

	"Quality.Dashboard":    reporting,
	"Quality.DashboardCSV": reporting,
	"Quality.Patients":     reporting,
	"Quality.PatientsCSV":  reporting,

	"Network.Status":      adminOnly,
	"Network.Share":       adminOnly,
	"Network.Certificate": adminOnly,
}

// authOrder is the order Auth's methods are called in by the role table:
// last, and Lock and Logout at the end, since they change the session.
var authOrder = []string{"Status", "Touch", "Setup", "PrepareClinicRestore", "RestoreClinicNow", "Login", "Unlock", "Lock", "Logout"}

const signedOut = "signed-out"

var roles = []string{signedOut, app.RoleFrontDesk, app.RoleClinician, app.RoleAdmin}

func (a access) allows(role string) bool {
	switch a {
	case anyone:
		return true
	case demographics, scheduling:
		return role == app.RoleFrontDesk || role == app.RoleClinician
	case staff:
		return role != signedOut
	case clinical:
		return role == app.RoleClinician
	case adminOnly:
		return role == app.RoleAdmin
	case reporting:
		return role == app.RoleClinician || role == app.RoleAdmin
	}
	return false
}

// expected is the error kind a role gets from a method it is refused, or ""
// when it is allowed.
func expected(a access, role string) app.Kind {
	switch {
	case a.allows(role):
		return ""
	case role == signedOut:
		return app.Unauthenticated
	default:
		return app.Forbidden
	}
}

// boundMethod is one service method bound to a caller's session.
type boundMethod struct {
	name string // Service.Method
	fn   reflect.Value
}

// methods lists every exported method of c's services, Auth's last in
// authOrder.
func (c *caller) methods(t *testing.T) []boundMethod {
	t.Helper()
	var out, auth []boundMethod
	for _, svc := range []any{c.Patients, c.Schedule, c.Chart, c.Admin, c.Network, c.Quality, c.Auth} {
		v := reflect.ValueOf(svc)
		service := v.Elem().Type().Name()
		for i := range v.NumMethod() {
			m := boundMethod{name: service + "." + v.Type().Method(i).Name, fn: v.Method(i)}
			if service == "Auth" {
				auth = append(auth, m)
			} else {
				out = append(out, m)
			}
		}
	}
	for _, name := range authOrder {
		i := slices.IndexFunc(auth, func(m boundMethod) bool { return m.name == "Auth."+name })
		if i < 0 {
			t.Fatalf("Auth.%s is in authOrder but not a method", name)
		}
		out = append(out, auth[i])
		auth = slices.Delete(auth, i, i+1)
	}
	for _, m := range auth {
		t.Errorf("%s is not in authOrder: add it", m.name)
	}
	return out
}

// call calls m with args (zero values where args is nil) and returns its
// result (invalid for error-only methods) and error.
func (m boundMethod) call(t *testing.T, args []any) (reflect.Value, error) {
	t.Helper()
	ft := m.fn.Type()
	in := make([]reflect.Value, ft.NumIn())
	for i := range in {
		if args == nil {
			in[i] = reflect.Zero(ft.In(i))
			continue
		}
		if len(args) != len(in) {
			t.Fatalf("%s takes %d arguments; the test gives %d", m.name, len(in), len(args))
		}
		in[i] = reflect.ValueOf(args[i])
	}
	out := m.fn.Call(in)
	var err error
	if e := out[len(out)-1]; !e.IsNil() {
		err = e.Interface().(error)
	}
	if len(out) == 1 {
		return reflect.Value{}, err
	}
	return out[0], err
}

// roleFixture holds what the methods of the role table act on, and makes
// valid arguments for each.
type roleFixture struct {
	ta        *testApp
	patient   app.Patient
	spare     app.User
	clinician app.User      // booked with: the test's own clinician may be disabled
	desk      *app.Schedule // books what a method acts on: the test's front desk signs out
	registry  *app.Patients // registers charts for a method to merge, for the same reason
	chart     *app.Chart    // opens and signs encounters for a method to act on, for the same reason
	n         int
}

func newRoleFixture(t *testing.T, ta *testApp) *roleFixture {
	desk := ta.signIn(t, frontDeskUsername, frontDeskPassword, "fixture-desk")
	f := &roleFixture{
		ta:        ta,
		patient:   ta.register(t, samplePatient()),
		spare:     ta.addUser(t, "spare", app.RoleFrontDesk, "spare-password-1"),
		clinician: ta.addUser(t, "drfixture", app.RoleClinician, "fixture-password-1"),
		desk:      desk.Schedule,
		registry:  desk.Patients,
	}
	f.chart = ta.signIn(t, "drfixture", "fixture-password-1", "fixture-room").Chart
	setMeetingTemplate(t, ta, "https://meet.example.org/{room}")
	return f
}

// videoAppointment books a fresh video visit today at hhmm for a method to
// act on.
func (f *roleFixture) videoAppointment(t *testing.T, hhmm string) app.Appointment {
	t.Helper()
	today := f.ta.Clock.Now().Format("2006-01-02")
	res, err := f.desk.Book(app.AppointmentInput{PatientID: f.patient.ID, ClinicianID: f.clinician.ID,
		TypeID: videoVisitType, Start: today + "T" + hhmm})
	if err != nil {
		t.Fatalf("book a video visit at %s: %v", hhmm, err)
	}
	return res.Appointments[0]
}

// consentedPatient registers a fresh chart whose consent to video visits
// is recorded, for a method to act on.
func (f *roleFixture) consentedPatient(t *testing.T) (app.Patient, app.TelehealthConsent) {
	t.Helper()
	p, err := registerAnyway(f.registry, samplePatient())
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "verbal"})
	if err != nil || c.Current == nil {
		t.Fatalf("record consent: %+v, %v", c, err)
	}
	return p, *c.Current
}

// encounter opens a fresh walk-in for a method to act on, its note drafted
// and, if signed, signed.
func (f *roleFixture) encounter(t *testing.T, signed bool) app.Encounter {
	t.Helper()
	e, err := f.chart.OpenEncounter(f.patient.ID, "")
	if err != nil {
		t.Fatalf("open encounter: %v", err)
	}
	if e, err = f.chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough", Assessment: "viral URI"}, e.Note.DraftVersion); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	if signed {
		if e, err = f.chart.SignNote(e.ID, e.Version); err != nil {
			t.Fatalf("sign note: %v", err)
		}
	}
	return e
}

// backup makes a backup for a method to restore.
func (f *roleFixture) backup(t *testing.T) string {
	t.Helper()
	f.ta.Clock.Advance(time.Second) // backups are named by the time
	path, err := f.ta.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	f.ta.Clock.Advance(time.Second) // and the next one another
	return path
}

// mergeable registers two fresh charts of one person for a method to merge.
func (f *roleFixture) mergeable(t *testing.T) (survivor, duplicate app.Patient) {
	t.Helper()
	var err error
	if survivor, err = registerAnyway(f.registry, samplePatient()); err != nil {
		t.Fatal(err)
	}
	if duplicate, err = registerAnyway(f.registry, samplePatient()); err != nil {
		t.Fatal(err)
	}
	return survivor, duplicate
}

// appointment books a fresh appointment at the front desk, today at hhmm,
// for a method to act on.
func (f *roleFixture) appointment(t *testing.T, hhmm string) app.Appointment {
	t.Helper()
	today := f.ta.Clock.Now().Format("2006-01-02")
	res, err := f.desk.Book(app.AppointmentInput{PatientID: f.patient.ID, ClinicianID: f.clinician.ID,
		TypeID: consultationType, Start: today + "T" + hhmm})
	if err != nil {
		t.Fatalf("book at %s: %v", hhmm, err)
	}
	return res.Appointments[0]
}

// args are valid arguments for the method, or nil for "no arguments" (or
// zero values, for Auth's methods).
func (f *roleFixture) args(t *testing.T, method string) []any {
	if args := f.importArgs(t, method); args != nil {
		return args
	}
	if args := f.monitoringArgs(t, method); args != nil {
		return args
	}
	t.Helper()
	f.n++
	today := f.ta.Clock.Now().Format("2006-01-02")
	switch method {
	case "Schedule.Recalls", "Schedule.RecallsCSV", "Schedule.PrintRecallLetters":
		return []any{app.RecallFilter{RuleIDs: []string{"influenza-vaccine"}}}
	case "Quality.Patients", "Quality.PatientsCSV":
		return []any{app.QualityPatientFilter{MeasureID: "cms147", Status: "not_met"}}
	case "Schedule.RecordOutreach":
		return []any{app.OutreachInput{PatientID: f.patient.ID, RuleID: "influenza-vaccine", Outcome: "left_message"}}
	case "Schedule.SaveType":
		return []any{app.AppointmentType{Name: fmt.Sprintf("Type %d", f.n), Minutes: 20, Colour: "#123456"}}
	case "Schedule.SaveHours":
		return []any{[]app.OpeningHours{{Weekday: 1, Opens: "08:00", Closes: "18:00"}, {Weekday: 2, Opens: "08:00", Closes: "18:00"}}}
	case "Schedule.Availability":
		return []any{f.clinician.ID}
	case "Schedule.SaveAvailability":
		return []any{f.clinician.ID, []app.AvailabilityBlock{{Weekday: 2, Start: "08:00", End: "17:00"}}}
	case "Schedule.Book":
		return []any{app.AppointmentInput{PatientID: f.patient.ID, ClinicianID: f.clinician.ID, TypeID: consultationType,
			Start: today + "T10:00"}}
	case "Schedule.Move":
		a := f.appointment(t, "10:30")
		return []any{app.MoveInput{ID: a.ID, Start: today + "T11:00", End: today + "T11:20", Version: a.Version}}
	case "Schedule.Reschedule":
		a := f.appointment(t, "10:30")
		return []any{app.RescheduleInput{ID: a.ID, Start: today + "T11:00", ClinicianID: f.clinician.ID,
			TypeID: consultationType, Note: "moved by phone", Version: a.Version}}
	case "Schedule.NextFreeSlot":
		return []any{f.clinician.ID, consultationType, today}
	case "Schedule.Cancel":
		a := f.appointment(t, "10:30")
		return []any{a.ID, "patient called", "one", a.Version}
	case "Schedule.NoShow":
		a := f.appointment(t, "08:00")
		return []any{a.ID, "did not attend", a.Version}
	case "Schedule.Advance":
		a := f.appointment(t, "08:30")
		return []any{a.ID, "arrived", a.Version}
	case "Schedule.Appointment":
		return []any{f.appointment(t, "09:00").ID}
	case "Schedule.AppointmentLetter":
		return []any{f.videoAppointment(t, "13:00").ID}
	case "Schedule.NewMeetingLink":
		a := f.videoAppointment(t, "12:00")
		return []any{a.ID, a.Version}
	case "Chart.TelehealthConsent":
		return []any{f.patient.ID}
	case "Chart.RecordTelehealthConsent":
		p, err := registerAnyway(f.registry, samplePatient())
		if err != nil {
			t.Fatal(err)
		}
		return []any{p.ID, app.ConsentInput{Method: "written", Note: "form scanned"}}
	case "Chart.RetractTelehealthConsent":
		_, c := f.consentedPatient(t)
		return []any{c.ID, "recorded for the wrong patient", c.Version}
	case "Schedule.Week":
		return []any{today, ""}
	case "Schedule.Day", "Schedule.DayListCSV":
		return []any{today, f.clinician.ID}
	case "Schedule.Board":
		return []any{today}
	case "Schedule.PatientAppointments":
		return []any{f.patient.ID}
	case "Chart.OpenEncounter":
		return []any{f.patient.ID, ""}
	case "Chart.Encounters":
		return []any{f.patient.ID}
	case "Chart.Encounter":
		return []any{f.encounter(t, false).ID}
	case "Chart.SaveDraft":
		e := f.encounter(t, false)
		return []any{e.ID, app.NoteText{Subjective: "better"}, e.Note.DraftVersion}
	case "Chart.SignNote":
		e := f.encounter(t, false)
		return []any{e.ID, e.Version}
	case "Chart.NotePrintout":
		return []any{f.encounter(t, true).ID}
	case "Chart.VisitSummary":
		return []any{f.encounter(t, false).ID}
	case "Chart.SaveVisitInstructions":
		return []any{f.encounter(t, false).ID, "Rest and drink plenty of fluids.", 0}
	case "Chart.AddAddendum":
		return []any{f.encounter(t, true).ID, "called with results"}
	case "Chart.RetractNote":
		e := f.encounter(t, true)
		return []any{e.ID, "wrong patient", e.Version}
	case "Chart.AddDiagnosis":
		return []any{f.encounter(t, false).ID, app.DiagnosisInput{Code: "R05.9"}}
	case "Chart.RemoveDiagnosis":
		e, err := f.chart.AddDiagnosis(f.encounter(t, false).ID, app.DiagnosisInput{Code: "R05.9"})
		if err != nil {
			t.Fatalf("add diagnosis: %v", err)
		}
		return []any{e.Diagnoses[0].ID, "coded twice", e.Diagnoses[0].Version}
	case "Chart.SaveTemplate":
		return []any{app.NoteTemplate{Name: fmt.Sprintf("Template %d", f.n), NoteText: app.NoteText{Plan: "rest"}, Active: true}}
	case "Chart.SaveQuickPhrase":
		return []any{app.QuickPhrase{Abbreviation: fmt.Sprintf(".qp%d", f.n), Text: "no acute distress", Active: true}}
	case "Chart.SearchICD10":
		return []any{"diabetes", 10}
	case "Chart.BillableICD10":
		return []any{"E11", 5}
	case "Chart.Problems", "Chart.Allergies":
		return []any{f.patient.ID}
	case "Chart.AddProblem":
		return []any{f.patient.ID, app.ProblemInput{Code: "I10", Onset: "2015"}}
	case "Chart.UpdateProblem":
		p := f.problem(t)
		return []any{p.ID, app.ProblemInput{Code: p.Code, Status: "resolved"}, "", p.Version}
	case "Chart.RetractProblem":
		p := f.problem(t)
		return []any{p.ID, "wrong patient", p.Version}
	case "Chart.AddAllergy":
		return []any{f.patient.ID, app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class"}}
	case "Chart.UpdateAllergy":
		a := f.allergy(t)
		return []any{a.ID, app.AllergyInput{Substance: a.Substance, SubstanceKind: a.SubstanceKind, Status: "inactive"}, "", a.Version}
	case "Chart.RetractAllergy":
		a := f.allergy(t)
		return []any{a.ID, "wrong patient", a.Version}
	case "Chart.RecordVitals":
		return []any{f.patient.ID, sampleVitals()}
	case "Chart.Vitals":
		return []any{f.patient.ID, 10}
	case "Chart.VitalsSeries":
		return []any{f.patient.ID, "bp"}
	case "Chart.GrowthCharts":
		return []any{f.patient.ID}
	case "Chart.SearchVaccines":
		return []any{"tdap", 10}
	case "Chart.Immunizations", "Chart.CareGaps", "Chart.CareRecords", "Chart.CareReminders":
		return []any{f.patient.ID}
	case "Chart.PreviewReadings", "Chart.ImportReadings":
		return []any{f.patient.ID, "bp.csv", f.readingsFile(), ""}
	case "Chart.PreviewMappedReadings":
		return []any{f.patient.ID, "glucose.csv", "when,mg\n2020-11-28 07:10,101\n", sampleGlucoseSpec()}
	case "Chart.HomeReadings":
		return []any{f.patient.ID, "", ""}
	case "Chart.RetractHomeReading":
		return []any{f.homeReading(t).ID, "cuff on the wrong arm"}
	case "Chart.ReadingImports", "Chart.DeviceTokens":
		return []any{f.patient.ID}
	case "Chart.SaveReadingFormat":
		return []any{fmt.Sprintf("Meter %d", f.n), sampleGlucoseSpec()}
	case "Chart.ReadingFormats":
		return nil
	case "Chart.RetireReadingFormat":
		return []any{f.readingFormat(t).ID, "the clinic changed meters"}
	case "Chart.IssueDeviceToken":
		return []any{f.patient.ID, "her phone", "Withings BPM Connect"}
	case "Chart.RevokeDeviceToken":
		return []any{f.deviceToken(t).ID, "phone lost"}
	case "Chart.AddReminder":
		return []any{f.patient.ID, app.ReminderInput{Title: "Recheck potassium", DueOn: "2027-01-15"}}
	case "Chart.CloseReminder":
		r := f.reminder(t)
		return []any{r.ID, true, "potassium normal", r.Version}
	case "Chart.SetFollowUp":
		return []any{f.encounter(t, false).ID, app.FollowUpInput{In: "3 months"}}
	case "Admin.SetCareRule":
		return []any{app.CareRuleInput{RuleID: "lipid-screening", EveryMonths: 48, Reason: "clinic policy"}}
	case "Chart.RecordCare":
		return []any{f.patient.ID, sampleColonoscopy()}
	case "Chart.RetractCare":
		c := f.careRecord(t)
		return []any{c.ID, "wrong patient", c.Version}
	case "Chart.ReferralPreview", "Chart.PatientCopy", "Chart.Disclosures":
		return []any{f.patient.ID}
	case "Chart.ExportReferral":
		return []any{f.patient.ID, app.ReferralRequest{Recipient: "Cardiology", Purpose: "referral", Reason: "chest pain"}}
	case "Chart.RecordImmunization":
		return []any{f.patient.ID, sampleImmunization()}
	case "Chart.RetractImmunization":
		m := f.immunization(t)
		return []any{m.ID, "wrong patient", m.Version}
	case "Chart.RetractVitals":
		v := f.vitals(t)
		return []any{v.ID, "wrong patient", v.Version}
	case "Chart.SearchDrugs":
		return []any{"amox", 10}
	case "Chart.Medications":
		return []any{f.patient.ID}
	case "Chart.CheckMedication":
		return []any{f.patient.ID, sampleMedication("metformin")}
	case "Chart.AddMedication":
		return []any{f.patient.ID, sampleMedication("metformin"), []app.Override(nil)}
	case "Chart.StopMedication":
		m := f.medication(t)
		return []any{m.ID, "side effects", "", m.Version}
	case "Chart.RenewMedication":
		m := f.medication(t)
		return []any{m.ID, sampleMedication(m.Drug), m.Version, []app.Override(nil)}
	case "Chart.SearchLabTests":
		return []any{"a1c", 10}
	case "Chart.OrderLab":
		return []any{f.patient.ID, app.LabOrderInput{LOINC: "4548-4"}}
	case "Chart.CancelLabOrder":
		o := f.labOrder(t)
		return []any{o.ID, "ordered twice", o.Version}
	case "Chart.LabOrders", "Chart.LabResults":
		return []any{f.patient.ID}
	case "Chart.RecordLabResult":
		return []any{f.patient.ID, sampleLabResult("4548-4", "7.1")}
	case "Chart.OrderLabPanel":
		return []any{f.patient.ID, app.LabPanelOrderInput{Panel: "thyroid"}}
	case "Chart.RecordLabPanel":
		return []any{f.patient.ID, app.LabPanelResultInput{Panel: "thyroid", ObservedAt: "2026-03-09",
			Results: []app.LabResultInput{{LOINC: "3016-3", Value: "2.1"}, {LOINC: "3024-7", Value: "1.2"}}}}
	case "Chart.ImportLabResults":
		return []any{f.patient.ID, "loinc,value,unit,low,high,observed\n2823-3,4.1,mmol/L,,,2026-03-09\n"}
	case "Chart.LabSeries":
		return []any{f.patient.ID, "4548-4"}
	case "Chart.ReviewLabResult":
		r := f.labResult(t)
		return []any{r.ID, "repeat in 3 months", r.Version}
	case "Chart.RetractLabResult":
		r := f.labResult(t)
		return []any{r.ID, "wrong patient", r.Version}
	case "Chart.RetractMedication":
		m := f.medication(t)
		return []any{m.ID, "wrong patient", m.Version}
	case "Chart.AddDocument":
		return []any{f.patient.ID, sampleDocument(f.n)}
	case "Chart.Documents":
		return []any{f.patient.ID}
	case "Chart.DocumentContent":
		return []any{f.document(t).ID}
	case "Chart.RetractDocument":
		d := f.document(t)
		return []any{d.ID, "wrong patient", d.Version}
	case "Chart.MedicationHistory", "Chart.Prescription":
		return []any{f.medication(t).ID}
	case "Admin.SetLicenceNumber":
		return []any{f.clinician.ID, "MD-12345"}
	case "Chart.RecordNoKnownAllergies":
		p, err := registerAnyway(f.registry, samplePatient())
		if err != nil {
			t.Fatal(err)
		}
		return []any{p.ID}
	case "Patients.Register":
		// Someone new each time: a likely duplicate is refused.
		in := samplePatient()
		in.FamilyName, in.Phone = "Newcomer", ""
		in.BirthDate = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.n).Format("2006-01-02")
		return []any{in}
	case "Patients.RegisterDifferentPerson":
		likely, err := f.registry.LikelyDuplicates(samplePatient())
		if err != nil || len(likely) == 0 {
			t.Fatalf("the sample patient's likely duplicates: %+v, %v", likely, err)
		}
		var ids []string
		for _, m := range likely {
			ids = append(ids, m.Patient.ID)
		}
		return []any{samplePatient(), ids}
	case "Patients.Search":
		return []any{"Rivera", 10}
	case "Patients.Recent":
		return []any{10}
	case "Patients.LikelyDuplicates":
		return []any{samplePatient()}
	case "Patients.MergePreview":
		survivor, duplicate := f.mergeable(t)
		return []any{survivor.ID, duplicate.MRN}
	case "Patients.Merge":
		survivor, duplicate := f.mergeable(t)
		return []any{survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version}
	case "Patients.Open", "Patients.History", "Chart.Summary":
		return []any{f.patient.ID}
	case "Patients.Correct":
		in := f.patient.PatientInput
		in.City = fmt.Sprintf("Town %d", f.n)
		return []any{f.patient.ID, in, "moved house", f.patient.Version}
	case "Admin.AddUser":
		return []any{app.NewUser{Username: fmt.Sprintf("new%d", f.n), FullName: "New Person", Role: app.RoleFrontDesk,
			Password: "a-long-password"}}
	case "Admin.SetUserActive":
		return []any{f.spare.ID, true}
	case "Admin.ResetPassword":
		return []any{f.spare.ID, fmt.Sprintf("another-password-%d", f.n)}
	case "Admin.SaveSettings":
		return []any{app.Settings{ClinicName: clinicName, IdleMinutes: 10}}
	case "Admin.Audit":
		return []any{app.AuditFilter{Limit: 5}}
	case "Admin.SetReplica":
		return []any{app.ReplicaInput{Kind: replicate.Folder, Path: t.TempDir()}}
	case "Admin.StopReplica":
		// A replica to stop, saved by the admin of the fixture.
		if _, err := f.ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		return []any{"the disk went off-site"}
	case "Admin.SetBackupSchedule":
		return []any{app.BackupScheduleInput{DailyTime: "18:00"}}
	case "Admin.PrepareRestore":
		return []any{app.RestoreSource{Backup: f.backup(t)}}
	case "Admin.SetBackupEncryption":
		return []any{app.BackupEncryptionInput{Passphrase: "a clinic passphrase", Repeat: "a clinic passphrase", Understood: true}}
	case "Admin.RestoreNow":
		// A restore the fixture's admin prepared, on a Folio whose restart
		// does nothing (the pending restore is left unapplied).
		f.ta.OnRestart(func() {})
		preview, err := f.ta.Admin.Admin.PrepareRestore(app.RestoreSource{Backup: f.backup(t)})
		if err != nil {
			t.Fatal(err)
		}
		return []any{preview.ID}
	}
	return nil
}

// TestRoles calls every service method as every role and checks that each
// role gets exactly what its rule allows: a refused call returns the right
// kind, no data, and writes nothing.
func TestRoles(t *testing.T) {
	ta := newTestApp(t)
	f := newRoleFixture(t, ta)
	// The desktop window's Folio, so that the admin's Clinic network calls
	// are allowed calls that succeed (Share is called with false: off).
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "host"})
	if err != nil {
		t.Fatal(err)
	}
	ta.UseClinicCA(ca)
	sw := host.NewSwitch(ta.App, ca, host.Options{Addr: "127.0.0.1:0", NoAnnounce: true})
	t.Cleanup(func() { sw.Stop() })
	ta.UseNetwork(app.NetworkWindow, sw)
	callers := map[string]*caller{signedOut: ta.SignedOut, app.RoleFrontDesk: ta.FrontDesk,
		app.RoleClinician: ta.Clinician, app.RoleAdmin: ta.Admin}

	seen := map[string]bool{}
	for _, role := range roles {
		c := callers[role]
		for _, m := range c.methods(t) {
			seen[m.name] = true
			rule, ok := methodAccess[m.name]
			if !ok {
				t.Errorf("%s has no rule in methodAccess: decide which roles may call it", m.name)
				continue
			}
			t.Run(m.name+"/"+role, func(t *testing.T) {
				args := f.args(t, m.name)
				before := ta.counts(t)
				result, err := m.call(t, args)
				want := expected(rule, role)
				switch {
				case want != "":
					wantKind(t, err, want)
					if result.IsValid() && !isEmpty(result) {
						t.Errorf("a refused call returned data: %+v", result.Interface())
					}
					if after := ta.counts(t); after != before {
						t.Errorf("a refused call wrote: before %+v, after %+v", before, after)
					}
				case rule == anyone:
					if k := kindOf(err); k == app.Forbidden || k == app.Locked {
						t.Errorf("err = %v: signing in and out needs no role", err)
					}
				default:
					if err != nil {
						t.Fatalf("allowed call failed: %v", err)
					}
					if m.name == "Patients.Correct" {
						f.patient = result.Interface().(app.Patient)
					}
				}
			})
		}
	}
	for name := range methodAccess {
		if !seen[name] {
			t.Errorf("methodAccess has a rule for %s, which is not a method", name)
		}
	}
}

// TestAuthorizeBeforeValidate checks the spine's order: who asks and may
// they comes before looking at the input, so a caller without the right
// gets unauthenticated or forbidden whatever it sends, and no work (such as
// hashing a password) is done for them.
func TestAuthorizeBeforeValidate(t *testing.T) {
	ta := newTestApp(t)
	callers := map[string]*caller{signedOut: ta.SignedOut, app.RoleFrontDesk: ta.FrontDesk,
		app.RoleClinician: ta.Clinician, app.RoleAdmin: ta.Admin}
	badArgs := map[string][]any{
		"Admin.Audit": {app.AuditFilter{From: "yesterday"}},
	}
	for _, role := range roles {
		for _, m := range callers[role].methods(t) {
			rule := methodAccess[m.name]
			want := expected(rule, role)
			if rule == anyone || want == "" {
				continue
			}
			t.Run(m.name+"/"+role, func(t *testing.T) {
				before := ta.counts(t)
				_, err := m.call(t, badArgs[m.name]) // nil: zero values, invalid for every form
				if got := kindOf(err); got != want {
					t.Errorf("with invalid arguments: err = %v (kind %q), want kind %q", err, got, want)
				}
				if after := ta.counts(t); after != before {
					t.Errorf("a refused call wrote: before %+v, after %+v", before, after)
				}
			})
		}
	}
}

// TestDisabledUserLosesAccessAtOnce disables accounts that are signed in:
// their very next call is refused, whatever the method.
func TestDisabledUserLosesAccessAtOnce(t *testing.T) {
	ta := newTestApp(t)
	f := newRoleFixture(t, ta)
	ta.addUser(t, "admin2", app.RoleAdmin, "admin2-password")
	admin2 := ta.signIn(t, "admin2", "admin2-password", "office")
	if _, err := ta.Admin.Admin.SetUserActive(ta.Clinician.User.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.SetUserActive(admin2.User.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*caller{ta.Clinician, admin2} {
		for _, m := range c.methods(t) {
			if !methodAccess[m.name].allows(c.User.Role) || methodAccess[m.name] == anyone {
				continue
			}
			t.Run(m.name+"/"+c.User.Username, func(t *testing.T) {
				args := f.args(t, m.name)
				before := ta.counts(t)
				result, err := m.call(t, args)
				if got := kindOf(err); got != app.Unauthenticated {
					t.Errorf("disabled %s: err = %v (kind %q), want unauthenticated", c.User.Username, err, got)
				}
				if result.IsValid() && !isEmpty(result) {
					t.Errorf("a disabled user got data: %+v", result.Interface())
				}
				if after := ta.counts(t); after != before {
					t.Errorf("a disabled user's call wrote: before %+v, after %+v", before, after)
				}
			})
		}
	}
	// Signing in again is refused too.
	_, err := ta.newCaller("room-2").Auth.Login(clinicianUsername, clinicianPassword)
	wantKind(t, err, app.Forbidden)
}
