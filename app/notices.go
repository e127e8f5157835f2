package app

import (
	"strings"

	"folio/app/feed"
)

// Every change goes through act (actAs) and writes an audit entry in its
// transaction, so the audit actions say what changed: after the commit,
// actAs publishes a notice for each changed topic (see op.audit). Reads
// publish nothing: a screen's re-read must never set off another.

// changeTopics maps each audit action that records a change to the topics
// whose screens must read again. An action not here is a read, or changes
// nothing another screen shows (sign-in, backup, a note's private draft).
// TestEveryAuditActionIsClassified keeps this list and readActions complete.
var changeTopics = map[string][]string{
	"patient.register":      {feed.Patients},
	"patient.register.bulk": {feed.Patients},
	"patient.correct":       {feed.Patients, feed.Schedule}, // the board and calendar show names
	"patient.merge":         {feed.Patients, feed.Schedule, feed.Chart, feed.Lists},

	"appointment.book":       {feed.Schedule},
	"appointment.move":       {feed.Schedule},
	"appointment.reschedule": {feed.Schedule},
	"appointment.cancel":     {feed.Schedule},
	"appointment.no_show":    {feed.Schedule},
	"appointment.advance":    {feed.Schedule},
	"appointment.import":     {feed.Schedule},
	// A video visit's new link: the calendar, day list and board show it.
	"appointment.link":        {feed.Schedule},
	"appointment_type.add":    {feed.Schedule},
	"appointment_type.change": {feed.Schedule},
	"availability.save":       {feed.Schedule},
	"clinic_hours.save":       {feed.Schedule},

	"allergy.add":               {feed.Chart},
	"allergy.update":            {feed.Chart},
	"allergy.retract":           {feed.Chart},
	"allergy.nka":               {feed.Chart},
	"allergy.import":            {feed.Chart},
	"no_known_allergies.import": {feed.Chart},

	"problem.add":      {feed.Chart},
	"problem.update":   {feed.Chart},
	"problem.retract":  {feed.Chart},
	"problem.import":   {feed.Chart},
	"diagnosis.add":    {feed.Chart},
	"diagnosis.remove": {feed.Chart},

	"vitals.record":  {feed.Chart, feed.Lists},
	"vitals.retract": {feed.Chart, feed.Lists},
	"vitals.import":  {feed.Chart, feed.Lists},

	"encounter.open": {feed.Chart, feed.Schedule}, // a visit opened from the board
	"note.sign":      {feed.Chart, feed.Schedule},
	"note.addendum":  {feed.Chart},
	"note.retract":   {feed.Chart},
	// A visit's instructions for the patient: the visit screen open elsewhere.
	"visit.instructions": {feed.Chart},
	// The patient's consent to video visits, which starting one asks for.
	"consent.record":  {feed.Chart},
	"consent.retract": {feed.Chart},

	"medication.add":      {feed.Chart},
	"medication.renew":    {feed.Chart},
	"medication.stop":     {feed.Chart},
	"medication.retract":  {feed.Chart},
	"medication.override": {feed.Chart},
	"medication.import":   {feed.Chart},

	"immunization.record":  {feed.Chart, feed.Lists},
	"immunization.retract": {feed.Chart, feed.Lists},
	"care.record":          {feed.Chart, feed.Lists},
	"care.outreach":        {feed.Lists},
	// A clinician's reminder, and a visit's follow-up: the chart's Due box
	// and the desk's Recalls.
	// Home readings (issue 14): a file brought in, a hub's post, a
	// retraction; a device token issued or revoked shows in the chart.
	"reading.import":      {feed.Chart, feed.Lists},
	"reading.gateway":     {feed.Chart, feed.Lists},
	"reading.retract":     {feed.Chart, feed.Lists},
	"device_token.issue":  {feed.Chart},
	"device_token.revoke": {feed.Chart},
	// A saved CSV format is the clinic's, offered on every chart.
	"reading_format.save":   {feed.Settings},
	"reading_format.retire": {feed.Settings},

	"reminder.add":        {feed.Chart, feed.Lists},
	"reminder.done":       {feed.Chart, feed.Lists},
	"reminder.retract":    {feed.Chart, feed.Lists},
	"followup.set":        {feed.Chart, feed.Lists},
	"care.letter":         {feed.Lists},
	"care.retract":        {feed.Chart, feed.Lists},
	"care_record.import":  {feed.Chart, feed.Lists},
	"immunization.import": {feed.Chart, feed.Lists},

	"lab.order":         {feed.Chart, feed.Lists},
	"lab.cancel":        {feed.Chart, feed.Lists},
	"lab.result":        {feed.Chart, feed.Lists},
	"lab.resulted":      {feed.Chart, feed.Lists},
	"lab.review":        {feed.Chart, feed.Lists},
	"lab.retract":       {feed.Chart, feed.Lists},
	"lab.import":        {feed.Chart, feed.Lists},
	"lab_result.import": {feed.Chart, feed.Lists},

	// Remote monitoring (monitoring.go): the chart's Monitoring panel and
	// the clinicians' Readings to review list. A reading brought in is the
	// import side's action; it too names both topics.
	"monitoring.enrol":   {feed.Chart, feed.Lists},
	"monitoring.targets": {feed.Chart, feed.Lists},
	"monitoring.end":     {feed.Chart, feed.Lists},
	"readings.review":    {feed.Chart, feed.Lists},

	"document.add":     {feed.Chart},
	"document.retract": {feed.Chart},
	"document.import":  {feed.Chart},
	"disclosure":       {feed.Chart},

	"import.start":   {feed.Imports},
	"import.match":   {feed.Imports},
	"import.decide":  {feed.Imports},
	"import.abandon": {feed.Imports},
	"import.finish":  {feed.Imports, feed.Chart, feed.Lists},

	"user.add":            {feed.Users},
	"user.disable":        {feed.Users},
	"user.enable":         {feed.Users},
	"user.licence":        {feed.Users},
	"user.reset_password": {feed.Users},
	"user.recover":        {feed.Users},

	// The admin's list of workstations (Settings) follows pairing requests.
	"workstation.request": {feed.Settings},
	"workstation.approve": {feed.Settings},
	"workstation.refuse":  {feed.Settings},
	"workstation.revoke":  {feed.Settings},

	"settings.save": {feed.Settings},
	// Sharing turned on or off: every admin's Clinic network screen.
	"network.share": {feed.Settings},
	// The continuous replica set or stopped: every admin's Backups screen.
	"replication.set":  {feed.Settings},
	"replication.stop": {feed.Settings},
	// The backup schedule set, a scheduled backup or restore drill done.
	"backup.schedule": {feed.Settings},
	// A care rule switched off, on, or given the clinic's interval (a chart
	// open meanwhile follows it at its next read).
	"care.rule":         {feed.Settings},
	"backup.scheduled":  {feed.Settings},
	"backup.drill":      {feed.Settings},
	"backup.encryption": {feed.Settings},
	"template.save":     {feed.Settings},
	"phrase.save":       {feed.Settings},
}

// readActions are the audit actions that change nothing another screen
// shows: reads, exports, sign-ins, and a note's draft (its author's alone
// until signed).
var readActions = map[string]bool{
	"allergy.list": true, "appointment.list": true, "appointment.open": true, "appointment.letter": true, "audit.verify": true,
	"audit.view": true, "backup": true, "backup.restore": true, "backup.restore_preview": true, "backup.restore_requested": true, "chart.open": true, "chart.read": true, "consent.read": true, "clinic.demo": true,
	"clinic_key.create": true, "disclosure.list": true, "document.damaged": true, "document.list": true,
	"document.view": true, "encounter.read": true, "export.all": true, "immunization.list": true, "care.list": true, "care.records": true, "care.due_list": true, "care.recalls": true, "care.recalls.export": true, "reminder.list": true,
	"reading.preview": true, "reading.list": true, "reading.imports": true, "device_token.list": true,
	"quality.dashboard": true, "quality.patients": true, "quality.export": true,
	"monitoring.read": true, "monitoring.report": true, "readings.read": true, "readings.review_list": true,
	"import.list": true, "import.original": true, "import.read": true, "import.review": true,
	"import.sources": true, "lab.chart": true, "lab.orders": true, "lab.results": true,
	"lab.review_list": true, "login": true, "login.failed": true, "logout": true,
	"medication.check": true, "network.certificate": true, "medication.history": true, "medication.list": true, "note.draft": true,
	"patient.duplicate_check": true, "patient.history": true, "patient.merge_preview": true,
	"patient.merges": true, "patient.open": true, "patient.recent": true, "patient.search": true,
	"prescription.print": true, "note.print": true, "visit_summary.print": true, "problem.list": true, "schedule.board": true, "schedule.call_list": true,
	"schedule.call_list.export": true, "schedule.day": true, "schedule.day_list.export": true,
	"schedule.week": true, "setup": true, "storage.encryption": true, "vitals.chart": true, "vitals.growth": true, "vitals.read": true,
}

// noticeKey is one notice of a transaction; several audit entries of one
// change (a merge, an import) make one notice per topic, kind of record
// and patient.
type noticeKey struct{ topic, record, patientID string }

// notice records that the transaction changed what action says, for
// patientID ("" for none).
func (o *op) notice(action, patientID string) {
	record, _, _ := strings.Cut(action, ".")
	for _, topic := range changeTopics[action] {
		key := noticeKey{topic, record, patientID}
		if o.noticed == nil {
			o.noticed = map[noticeKey]bool{}
		}
		if !o.noticed[key] {
			o.noticed[key] = true
			n := feed.Notice{Topic: topic, Record: record, PatientID: patientID, At: o.now}
			if o.actor.session != nil {
				n.Origin = o.actor.session.origin()
			}
			o.notices = append(o.notices, n)
		}
	}
}

// Feed is the change feed: serve mode streams it to browsers, the desktop
// window to its page.
func (a *App) Feed() *feed.Feed { return a.feed }
