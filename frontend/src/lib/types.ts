// The shapes Folio's Go services answer with (app/*.go, JSON tags).

export type Role = 'admin' | 'clinician' | 'frontdesk';

export interface User {
  id: string;
  username: string;
  fullName: string;
  role: Role;
  active: boolean;
  lockedUntil: string;
  createdAt: string;
  /** A prescriber's licence or registration number, printed on prescriptions. */
  licenceNumber: string;
}

export interface AuthStatus {
  setupNeeded: boolean;
  clinicName: string;
  user: User | null;
  locked: boolean;
  idleMinutes: number;
  /** A clinic `folio demo` made: invented patients, published passwords. */
  demo: boolean;
  /** The units vitals are typed and shown in. */
  units?: { weight: string; height: string; temperature: string };
}

export interface SetupRequest {
  clinicName: string;
  username: string;
  fullName: string;
  password: string;
}

export type Sex = 'female' | 'male' | 'other' | 'unknown' | '';

export interface PatientInput {
  familyName: string;
  givenNames: string;
  preferredName: string;
  birthDate: string; // YYYY-MM-DD
  sex: Sex; // sex at birth
  genderIdentity: string;
  phone: string;
  phone2: string;
  email: string;
  addressLine: string;
  city: string;
  region: string;
  postalCode: string;
  language: string;
  emergencyName: string;
  emergencyRelationship: string;
  emergencyPhone: string;
  insurancePayer: string;
  insuranceMemberId: string;
  insuranceGroup: string;
  primaryClinicianId: string;
  photo: string; // data URL, or ''
  deskNote: string;
}

export interface Patient extends PatientInput {
  id: string;
  mrn: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Who saved this version (full name; '' when no account did). */
  updatedByName: string;
  /** The MRN of the merged-away chart that was asked for, if any. */
  redirectedFrom?: string;
}

export interface DuplicateMatch {
  patient: PatientHit;
  score: number;
  reasons: string[];
  matchedOn: string[];
}

export interface MergeSide {
  patient: Patient;
  appointments: number;
  mergedMrns: string[] | null;
}

export interface MergePreview {
  survivor: MergeSide;
  duplicate: MergeSide;
}

export interface MergeRecord {
  id: string;
  survivorId: string;
  survivorMrn: string;
  survivorName: string;
  duplicateId: string;
  duplicateMrn: string;
  duplicateName: string;
  mergedAt: string;
  mergedBy: string;
  reason: string;
  appointmentsMoved: number;
}

export interface PatientHit {
  id: string;
  mrn: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: Sex;
  phone: string;
  /** Found by a tolerant match (a typo), not by what was typed exactly. */
  similar?: boolean;
}

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface PatientRevision {
  version: number;
  changedAt: string;
  changedBy: string;
  reason: string;
  changes: FieldChange[] | null;
}

export interface ChartEntry {
  id: string;
  display: string;
  status: string;
  since: string;
  /** For a medication or allergy the interaction check cannot read: why ("free text", "unknown code RxNorm 123"). */
  notChecked?: string;
}

export interface ChartSummary {
  patient: Patient;
  age: string;
  problems: ChartEntry[];
  allergies: ChartEntry[];
  noKnownAllergies: boolean;
  medications: ChartEntry[];
  /** The latest set in force, null when none was taken. */
  lastVitals: VitalsSet | null;
  /** The latest visits, newest first. */
  recentEncounters: EncounterSummary[];
  /** What the chart is waiting for, most pressing first. */
  due: DueItem[];
  /** Home readings since the last signed visit, null when none. */
  homeReadings: HomeReadingsSince | null;
}

/** DueItem is one thing a chart waits for (app/chart.go). */
export interface DueItem {
  kind: 'note' | 'renewal' | 'immunization' | 'lab_order' | 'lab_review' | string;
  text: string;
  since: string;
  recordId: string;
  /** The care rule due, for kinds care and immunization. */
  rule?: string;
}

// The clinical chart (app/encounters.go, app/problems.go, app/allergies.go).

export interface NoteText {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

export interface Note extends NoteText {
  draftVersion: number;
  savedAt: string;
  signedAt: string;
  signedBy: string;
  retractedAt: string;
  retractedBy: string;
  retractReason: string;
}

export interface Addendum {
  id: string;
  text: string;
  author: string;
  at: string;
}

export interface Encounter {
  id: string;
  patientId: string;
  clinicianId: string;
  clinicianName: string;
  appointmentId: string;
  kind: 'visit' | 'walk_in';
  /** AMB at the clinic, VR a video visit (HL7 v3 ActCode). */
  class: EncounterClass;
  /** A video visit's link, to open it again. */
  meetingLink: string;
  startedAt: string;
  status: 'open' | 'signed' | 'retracted';
  version: number;
  note: Note;
  addenda: Addendum[] | null;
  /** The visit's diagnoses by rank, removed ones too (retractedAt set). */
  diagnoses: Diagnosis[] | null;
  /** The follow-up the visit asks for; it counts once the note is signed. */
  followUp: CareReminder | null;
  /** The patient's instructions, for the after-visit summary; written
   * after signing too (app/visit_summary.go). */
  instructions: PatientGuidance;
}

/** A visit's instructions for the patient; version 0: none written yet. */
export interface PatientGuidance {
  text: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

/** A visit's diagnosis: a problem of the patient's list linked to it
 * (app/diagnoses.go). */
export interface Diagnosis {
  id: string;
  problemId: string;
  code: string;
  title: string;
  problemStatus: 'active' | 'resolved' | 'entered_in_error';
  rank: number;
  primary: boolean;
  newProblem: boolean;
  addedBy: string;
  addedAt: string;
  retractedAt: string;
  retractedBy: string;
  retractReason: string;
  version: number;
}

/** Either a problem of the patient's list, or an ICD-10-CM code for a new one. */
export interface DiagnosisInput {
  problemId: string;
  code: string;
  title: string;
  onset: string;
}

export type EncounterClass = 'AMB' | 'VR';

/** A patient's consent to video visits. */
export interface TelehealthConsent {
  id: string;
  patientId: string;
  method: 'verbal' | 'written';
  note: string;
  recordedAt: string;
  recordedByName: string;
  status: 'active' | 'retracted';
  retractedAt: string;
  retractedByName: string;
  retractReason: string;
  version: number;
}

export interface TelehealthConsents {
  /** The consent in force; null when none is. */
  current: TelehealthConsent | null;
  all: TelehealthConsent[];
}

export interface ConsentInput {
  method: 'verbal' | 'written' | '';
  note: string;
}

export interface EncounterSummary {
  id: string;
  clinicianName: string;
  kind: 'visit' | 'walk_in';
  class: EncounterClass;
  startedAt: string;
  status: 'open' | 'signed' | 'retracted';
  assessment: string;
  /** The diagnoses in force, the primary first. */
  diagnoses: Code[] | null;
}

export interface NoteTemplate extends NoteText {
  id: string;
  name: string;
  active: boolean;
  version: number;
}

export interface QuickPhrase {
  id: string;
  abbreviation: string;
  text: string;
  active: boolean;
  version: number;
}

export interface Code {
  code: string;
  title: string;
  billable?: boolean; // ICD-10-CM: valid for a claim, not a category heading other codes
}

export interface ProblemInput {
  code: string;
  title: string;
  onset: string;
  status: 'active' | 'resolved';
  resolvedOn: string;
  note: string;
  encounterId: string;
}

export interface Problem extends Omit<ProblemInput, 'status'> {
  id: string;
  patientId: string;
  status: 'active' | 'resolved' | 'entered_in_error';
  retractReason: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  codes: Coding[]; // as another system sent them, beside code
}

/** One code of a record as another system sent it. */
export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface AllergyInput {
  substance: string;
  substanceKind: '' | 'drug' | 'drug_class' | 'food' | 'environment' | 'other';
  code: string;
  reaction: string;
  severity: 'mild' | 'moderate' | 'severe' | 'unknown';
  status: 'active' | 'inactive';
  onset: string;
  note: string;
}

export interface Allergy extends Omit<AllergyInput, 'status'> {
  id: string;
  patientId: string;
  status: 'active' | 'inactive' | 'entered_in_error';
  retractReason: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Who saved this version (full name). */
  updatedByName: string;
  check?: DrugCheck;
}

export interface AllergyList {
  allergies: Allergy[] | null;
  noKnownAllergies: boolean;
  nkaRecordedBy: string;
  nkaRecordedAt: string;
}

export interface NewUser {
  username: string;
  fullName: string;
  role: Role | '';
  password: string;
  licenceNumber: string;
}

export type DateOrder = 'mdy' | 'dmy';

export interface Settings {
  clinicName: string;
  idleMinutes: number;
  /** How 3/4/1980 is read in search: month first (mdy) or day first (dmy). */
  dateOrder: DateOrder;
  /** The units vitals are entered and shown in; stored canonically (kg, cm, °C). */
  weightUnit: 'kg' | 'lb';
  heightUnit: 'cm' | 'in';
  temperatureUnit: 'C' | 'F';
  /** Printed on prescriptions: the address in lines, and the phone. */
  clinicAddress: string;
  clinicPhone: string;
  /** Each video visit's link: https, with {room}; '' until the clinic confirms one. */
  meetingLinkTemplate: string;
  /** What Folio suggests for it (read only). */
  suggestedMeetingLink: string;
}

/**
 * The public half of the key the clinic signs the archives it hands over with.
 * A receiving clinic compares the fingerprint with the one shown to them.
 */
export interface ClinicKey {
  /** First 16 bytes of the key's SHA-256, in groups of four hex digits. */
  fingerprint: string;
  publicKey: string;
  createdAt: string;
}

/** Whether the data folder is on a disk the operating system encrypts
 * (app/atrest). */
export interface StorageFinding {
  state: 'encrypted' | 'not-encrypted' | 'unknown';
  /** The volume: its mount point, and device where known. */
  volume: string;
  /** What encrypts it, or why it is not or cannot be told. */
  how: string;
  /** How to turn encryption on; '' when it is on. */
  advice: string;
}

/** Where the continuous replica is kept (Go's replicate.Target); the
 * fields of the other kinds stay empty. */
export type ReplicaKind = 'folder' | 'sftp' | 's3';

export interface ReplicaTarget {
  kind: ReplicaKind;
  /** Folder: its whole path. SFTP and S3: the folder on the server or in the bucket. */
  path: string;
  // SFTP.
  host?: string;
  user?: string;
  /** Never sent by Go; '' on save keeps the saved one. */
  password?: string;
  hostKey?: string;
  keyFile?: string;
  // S3.
  endpoint?: string;
  bucket?: string;
  region?: string;
  accessKey?: string;
  /** Never sent by Go; '' on save keeps the saved one. */
  secretKey?: string;
}

/** How the running replica is doing (Go's replicate.Status). */
export interface ReplicaStatus {
  target: ReplicaTarget;
  /** RFC 3339. */
  started: string;
  /** When the replica last held everything (RFC 3339); absent until it first did. */
  lastSync?: string;
  /** How long the oldest write the replica lacks has waited; 0 when it holds everything. */
  lagSeconds: number;
  localTx: number;
  replicaTx: number;
  /** Bytes the replica takes; 0 until first measured (about a minute). */
  size: number;
  error?: string;
  errorAt?: string;
}

/** The admin's view of the continuous replica (Admin.Replication). */
export interface Replication {
  running: ReplicaStatus | null;
  /** The saved setting, without its secrets; null for none. */
  saved: ReplicaTarget | null;
  /** The saved setting differs from what runs: it takes effect at Folio's next start. */
  atNextStart: boolean;
  /** Why the saved replica is not running. */
  failed?: string;
  /** The replica is far behind, or not running: the admin is warned on every screen. */
  behind: boolean;
  /** The banner's sentence. */
  warning?: string;
}

export interface AuditFilter {
  username: string;
  action: string;
  patientId: string;
  from: string;
  to: string;
  beforeSeq: number;
  limit: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  username: string;
  action: string;
  patientId: string;
  patientMrn: string;
  record: string;
  workstation: string;
  detail: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  more: boolean;
}

export interface AuditCheck {
  ok: boolean;
  entries: number;
  problem: string;
}

export interface BackupFile {
  path: string;
  name: string;
  bytes: number;
  createdAt: string;
}

/** The outcome of one scheduled backup or restore drill (app/backup_schedule.go's Run). */
export interface BackupRun {
  /** RFC 3339. */
  at: string;
  ok: boolean;
  /** The backup written (a drill: none). */
  path?: string;
  /** Its copy in the second folder. */
  second?: string;
  /** A drill: what was restored, in words. */
  from?: string;
  /** What was found, or why it failed, in words. */
  detail: string;
  seconds: number;
}

/** When Folio backs up by itself, where to, and how the last backup and
 * restore drill went (Admin.BackupSchedule). */
export interface BackupSchedule {
  /** "HH:MM" on the host's clock. */
  dailyTime: string;
  /** '' for none. */
  secondFolder: string;
  last: BackupRun | null;
  lastDrill: BackupRun | null;
  /** RFC 3339: when the next scheduled backup is due. */
  next: string;
  /** The copies in the second folder are encrypted with the clinic's passphrase (Admin.SetBackupEncryption),
   * since encryptedSince (RFC 3339), as confirmedBy set it. */
  encrypted?: boolean;
  encryptedSince?: string;
  confirmedBy?: string;
}

export interface BackupScheduleInput {
  dailyTime: string;
  secondFolder: string;
}

/** The clinic's passphrase for the second folder's copies, typed twice, with
 * the admin's word that a lost passphrase means lost backups; or off. */
export interface BackupEncryptionInput {
  passphrase: string;
  repeat: string;
  understood: boolean;
  off: boolean;
}

/** What to restore (app/restore_screen.go's RestoreSource): a backup (its
 * path), or the replica at its latest or at the moment at (RFC 3339). On
 * the first-run screen target names the replica in full, and keyFile the
 * clinic's key when it does not come with the backup or replica. */
export interface RestoreSource {
  backup?: string;
  replica?: boolean;
  at?: string;
  target?: ReplicaTarget;
  keyFile?: string;
}

/** What a prepared restore holds, for the person to confirm. */
export interface RestorePreview {
  id: string;
  /** In words: "the backup …", "the replica … as it was at …". */
  origin: string;
  clinicName: string;
  patients: number;
  users: number;
  /** RFC 3339: the newest audit entry, the last thing done ('' unknown). */
  lastEntry: string;
  /** Its audit trail does not verify (such a restore is refused on the screen). */
  problems?: string[];
  /** The clinic's key comes with it. */
  keyFound: boolean;
}

/** A replica and the moments it can restore (RFC 3339). */
export interface ReplicaSpan {
  target: ReplicaTarget;
  first: string;
  last: string;
}

/** What the admin can restore from (Admin.RestoreChoices). */
export interface RestoreChoices {
  backups: BackupFile[];
  /** null when no replica is set, or its span could not be read (replicaError). */
  replica: ReplicaSpan | null;
  replicaError?: string;
  /** Why the last restore chosen on the screen did not apply. */
  lastFailure?: string;
}

/** What a whole-clinic export wrote (app/export_all.go). */
export interface ExportCounts {
  patients: number;
  /** Lines written, by FHIR resource type. */
  resources: Record<string, number>;
  /** The NDJSON files, in the folder. */
  files: string[];
  /** How many chart documents' files were written, in the folder's documents/. */
  documentFiles?: number;
  seconds: number;
}

/** How the whole-clinic export started on the Export clinic screen stands
 * (app/clinic_export.go). */
export interface ClinicExport {
  running: boolean;
  done: number;
  total: number;
  /** RFC 3339; '' when none was started since Folio opened. */
  startedAt: string;
  finishedAt: string;
  startedBy: string;
  dir: string;
  /** Once finished well. */
  counts: ExportCounts | null;
  /** What the files hold and what not, in export.json's words. */
  included: string;
  /** Why it failed, in users' words. */
  error: string;
  /** The folder a start with no folder would write to now. */
  defaultDir: string;
}

// Scheduling (app/schedule*.go). Times are local wall-clock
// "YYYY-MM-DDTHH:MM"; dates "YYYY-MM-DD".

export type AppointmentStatus =
  | 'booked'
  | 'arrived'
  | 'in_room'
  | 'with_clinician'
  | 'done'
  | 'no_show'
  | 'cancelled';

export interface Appointment {
  id: string;
  patientId: string;
  patientFamilyName: string;
  patientGivenNames: string;
  patientMrn: string;
  patientBirthDate: string;
  patientPhone: string;
  clinicianId: string;
  clinicianName: string;
  typeId: string;
  typeName: string;
  colour: string;
  start: string;
  end: string;
  minutes: number;
  status: AppointmentStatus;
  arrivedAt: string;
  inRoomAt: string;
  withClinicianAt: string;
  doneAt: string;
  reason: string;
  note: string;
  seriesId: string;
  version: number;
  /** A video visit, and its call's address ('' for a visit at the clinic). */
  virtual: boolean;
  meetingLink: string;
  /** When and by whom this version was saved: only on one appointment read in full. */
  updatedAt?: string;
  updatedByName?: string;
}

/** A patient's reminder of one appointment, printed from it; a video
 * visit's carries its link. */
export interface AppointmentLetter {
  clinic: { name: string; address: string; phone: string };
  date: string;
  patientId: string;
  mrn: string;
  name: string;
  address: string[];
  start: string;
  minutes: number;
  clinicianName: string;
  typeName: string;
  virtual: boolean;
  meetingLink: string;
}

export interface Recurrence {
  every: '' | 'day' | 'week' | '2weeks' | 'month';
  count: number;
}

export interface AppointmentInput {
  patientId: string;
  clinicianId: string;
  typeId: string;
  start: string;
  end: string;
  note: string;
  recurrence: Recurrence;
}

export interface Warning {
  appointmentId: string;
  start: string;
  kind: string;
  message: string;
}

export interface Scheduled {
  appointments: Appointment[];
  warnings: Warning[] | null;
}

export type Scope = 'one' | 'following' | 'all';

export interface MoveInput {
  id: string;
  start: string;
  end: string;
  clinicianId: string;
  version: number;
  scope: Scope;
}

/** The Reschedule form (Schedule.Reschedule): end '' for the type's usual length. */
export interface RescheduleInput {
  id: string;
  start: string;
  end: string;
  clinicianId: string;
  typeId: string;
  note: string;
  version: number;
}

/** A time a clinician is free for a visit type (Schedule.NextFreeSlot). */
export interface FreeSlot {
  start: string;
  end: string;
  clinicianId: string;
  typeId: string;
}

export interface CalendarRange {
  from: string;
  to: string;
  clinicianId: string;
  appointments: Appointment[];
}

export interface BoardCard extends Appointment {
  waiting: boolean;
  waitMinutes: number;
}

export interface BoardColumn {
  status: AppointmentStatus;
  label: string;
  cards: BoardCard[];
}

export interface Board {
  date: string;
  now: string;
  columns: BoardColumn[];
}

export interface PatientAppointments {
  upcoming: Appointment[];
  past: Appointment[];
}

export interface AppointmentType {
  id: string;
  name: string;
  minutes: number;
  colour: string;
  active: boolean;
  /** A video visit: booking one makes its meeting link. */
  virtual: boolean;
}

export interface OpeningHours {
  weekday: number;
  opens: string;
  closes: string;
}

export interface AvailabilityBlock {
  weekday: number;
  start: string;
  end: string;
}

export interface Clinician {
  id: string;
  fullName: string;
  username: string;
  availability: AvailabilityBlock[] | null;
}

// Vitals (app/vitals.go): stored in canonical units, shown in the clinic's.

export interface VitalsInput {
  takenAt: string;
  encounterId: string;
  height: number | null;
  heightUnit: string;
  weight: number | null;
  weightUnit: string;
  systolic: number | null;
  diastolic: number | null;
  pulse: number | null;
  respRate: number | null;
  temperature: number | null;
  temperatureUnit: string;
  spo2: number | null;
  pain: number | null;
  /** A child's head circumference, in the height's unit. */
  headCircumference?: number | null;
}

export interface Measurement {
  value: number;
  unit: string;
  display: number;
  displayUnit: string;
  flag: '' | 'low' | 'high';
  critical: boolean;
  trend?: 'up' | 'down' | 'same';
  /** A child's weight, height, BMI or head circumference: its percentile
   * (0-100) on the growth chart of their age, and that chart's name. */
  percentile?: number;
  growthChart?: string;
}

export interface VitalsSet {
  id: string;
  patientId: string;
  takenAt: string;
  encounterId: string;
  height: Measurement | null;
  weight: Measurement | null;
  bmi: Measurement | null;
  systolic: Measurement | null;
  diastolic: Measurement | null;
  pulse: Measurement | null;
  respRate: Measurement | null;
  temperature: Measurement | null;
  spo2: Measurement | null;
  pain: Measurement | null;
  headCircumference?: Measurement | null;
  /** The ages the flags were judged for: "age 3 y", "adult", ... */
  ranges?: string;
  status: 'final' | 'entered_in_error';
  retractReason: string;
  version: number;
}

export interface SeriesPoint {
  at: string;
  value: number;
  value2?: number;
  flag: string;
}

export interface Series {
  measure: string;
  unit: string;
  low: number | null;
  high: number | null;
  /** The ages low and high are for ("3 to 4 years", "adult"). */
  ranges?: string;
  points: SeriesPoint[] | null;
}

// Growth charts (app/growth.go): WHO to 24 months, CDC from 2 to 20 years.

export interface GrowthCurve {
  percentile: number;
  values: number[];
}

export interface GrowthPoint {
  at: string;
  /** Age in months, or the length for weight-for-length. */
  x: number;
  value: number;
  percentile: number;
  z: number;
}

export interface GrowthChart {
  key: string;
  family: 'WHO' | 'CDC';
  title: string;
  measure: 'weight' | 'height' | 'head' | 'bmi';
  unit: string;
  xUnit: string;
  sex: string;
  source: string;
  xs: number[];
  curves: GrowthCurve[];
  points: GrowthPoint[];
}

export interface GrowthCharts {
  charts: GrowthChart[];
  /** Why there are none ('' when there are). */
  reason: string;
}

// Medications and interaction alerts (app/medications.go, app/cds).

export interface Drug {
  name: string;
  rxnorm: string;
  classes: string[] | null;
  /** The drug of Folio's list it is, "" when none. */
  generic?: string;
  brands?: string[] | null;
}

/** Whether the interaction check reads a medication or allergy (app/drug_checks.go). */
export interface DrugCheck {
  checked: boolean;
  checkedAs: string;
  /** Why a drug or drug allergy is not checked; "" when it is, or when it is no drug (a food). */
  notChecked: string;
}

/** A chart entry (or the drug being added) the interaction check could not read. */
export interface UncheckedEntry {
  kind: 'medication' | 'allergy' | 'new';
  id: string;
  name: string;
  reason: string;
}

/** What adding a drug would raise, and what could not be checked (Chart.CheckMedication). */
export interface MedicationCheck {
  alerts: Alert[] | null;
  unchecked: UncheckedEntry[] | null;
  note: string;
}

export interface MedicationInput {
  drug: string;
  rxnorm: string;
  dose: string;
  route: string;
  frequency: string;
  quantity: string;
  refills: number;
  startDate: string;
  source: 'prescribed_here' | 'elsewhere';
  prescriber: string;
  note: string;
}

export interface Medication extends Omit<MedicationInput, 'source'> {
  id: string;
  patientId: string;
  source: 'prescribed_here' | 'elsewhere';
  stopDate: string;
  stopReason: string;
  status: 'active' | 'stopped' | 'entered_in_error';
  overrides: { alertKey: string; severity: string; what: string; reason: string; by: string; byName: string; at: string }[] | null;
  version: number;
  renewsId: string;
  retractReason: string;
  createdAt: string;
  updatedAt: string;
  createdByName: string;
  updatedByName: string;
  check?: DrugCheck;
}

/** One step of a medication's story (app/prescriptions.go). */
export interface MedicationEvent {
  medicationId: string;
  at: string;
  by: string;
  what: string;
  detail: string;
  reason: string;
  changes: FieldChange[] | null;
}

export interface MedicationHistory {
  course: Medication[] | null;
  events: MedicationEvent[] | null;
}

/** Everything a printed prescription shows. */
export interface Prescription {
  medication: Medication;
  clinic: { name: string; address: string; phone: string };
  prescriber: { name: string; licenceNumber: string };
  patient: { name: string; mrn: string; birthDate: string; address: string };
  quantityInWords: string;
  printedAt: string;
  printedBy: string;
}

/** What heads a printout: the clinic, the patient, who printed it when. */
export interface PrintHeading {
  clinic: { name: string; address: string; phone: string };
  patient: { name: string; mrn: string; birthDate: string; address: string };
  printedAt: string;
  printedBy: string;
}

/** A signed visit note with its addenda, for printing. */
export interface NotePrintout extends PrintHeading {
  encounter: Encounter;
}

/** A medicine of a visit: how it is taken now, and before (a change) or
 * why it was stopped. */
export interface MedicationChange {
  drug: string;
  now: string;
  was: string;
  reason: string;
}

/** The after-visit summary (app/visit_summary.go). */
export interface VisitSummary extends PrintHeading {
  startedAt: string;
  clinicianName: string;
  kind: 'visit' | 'walk_in';
  signed: boolean;
  diagnoses: Code[];
  vitals: VitalsSet[];
  vaccines: { vaccine: string; dose: string }[];
  labsOrdered: string[];
  medications: { new: MedicationChange[]; changed: MedicationChange[]; renewed: MedicationChange[]; stopped: MedicationChange[] };
  followUp: CareReminder | null;
  instructions: PatientGuidance;
}

export interface Alert {
  key: string;
  kind: 'drug-drug' | 'drug-allergy';
  severity: 'contraindicated' | 'major' | 'moderate';
  what: string;
  why: string;
  source: string;
  drugs: string[] | null;
  allergy: string;
}

export interface Override {
  alertKey: string;
  reason: string;
}

// Immunizations, CVX coded (app/immunizations.go, app/terminology/cvx.tsv).

export interface Vaccine {
  code: string;
  name: string;
  /** A code that records a dose from elsewhere only (an unspecified formulation). */
  historyOnly: boolean;
  otherNames: string;
}

export type VaccinationSite = '' | 'left_deltoid' | 'right_deltoid' | 'left_thigh' | 'right_thigh' | 'oral' | 'nasal' | 'other';
export type VaccinationRoute = '' | 'intramuscular' | 'subcutaneous' | 'intradermal' | 'oral' | 'nasal';

export interface ImmunizationInput {
  cvx: string;
  /** YYYY-MM-DD ('' today, given here); from elsewhere also YYYY or YYYY-MM. */
  occurredOn: string;
  lotNumber: string;
  expirationDate: string;
  manufacturer: string;
  site: VaccinationSite;
  route: VaccinationRoute;
  dose: string;
  source: 'given_here' | 'elsewhere';
  performer: string;
  note: string;
}

export interface Immunization extends ImmunizationInput {
  id: string;
  patientId: string;
  vaccine: string;
  administeredBy: string;
  administeredByName: string;
  status: 'completed' | 'entered_in_error';
  retractReason: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

// Care gaps (app/care_gaps.go): where a patient stands with each care rule.

/** A care rule's kind, and where the patient stands with it. */
/** A care rule's kind; visit, refill and reminder are what one patient is
 * due for alone (a follow-up asked at a visit, a prescription running out, a
 * clinician's reminder). */
export type CareKind = 'screening' | 'immunization' | 'chronic' | 'visit' | 'refill' | 'reminder';
export type CareStatus = 'due' | 'up_to_date' | 'excluded' | 'declined';

/** One way of meeting a rule that can be recorded as done. */
export interface CareWay {
  name: string;
  codeSystem: string;
  code: string;
}

/** CareGap is where the patient stands with one care rule. */
export interface CareGap {
  ruleId: string;
  title: string;
  kind: CareKind;
  source: string;
  status: CareStatus;
  /** When it is, was or will be due ('' when excluded). */
  dueOn: string;
  lastDone: string;
  lastHow: string;
  /** What excludes the patient, or when they declined. */
  why: string;
  /** For kinds visit, refill and reminder: what it is in words, and its record. */
  detail: string;
  ref: string;
  ways: CareWay[];
}

/** A clinician's reminder, or the follow-up a visit asked for (app/care_personal.go). */
export interface CareReminder {
  id: string;
  patientId: string;
  kind: 'reminder' | 'follow_up';
  encounterId: string;
  /** A reminder's what; a follow-up's when ("3 months"). */
  title: string;
  /** A reminder's day; the day to see the patient by. */
  dueOn: string;
  visitTypeId: string;
  visitType: string;
  note: string;
  /** draft: the visit's note is not signed yet. */
  status: 'draft' | 'open' | 'done' | 'entered_in_error';
  closeNote: string;
  closedAt: string;
  version: number;
  createdAt: string;
  /** A follow-up's visit day, and the visit booked or seen after it
   * ('YYYY-MM-DDTHH:MM', '' none yet). */
  visitOn: string;
  bookedFor: string;
}

export interface ReminderInput {
  title: string;
  dueOn: string;
  visitTypeId: string;
  note: string;
}

/** The follow-up a visit asks for: "2 weeks", "3 months", "1 year" or a
 * day; '' none. version: the follow-up's as seen (0: none yet). */
export interface FollowUpInput {
  in: string;
  visitTypeId: string;
  note: string;
  version: number;
}

/** The form recording a screening done, a refusal or an exclusion. */
export interface CareRecordInput {
  kind: 'done' | 'declined' | 'excluded';
  ruleId: string;
  codeSystem: string;
  code: string;
  display: string;
  performedOn: string;
  result: string;
  source: 'here' | 'elsewhere' | '';
  performer: string;
  note: string;
}

export interface CareRecord extends Omit<CareRecordInput, 'source'> {
  id: string;
  patientId: string;
  source: 'here' | 'elsewhere' | 'imported';
  ruleTitle: string;
  status: 'active' | 'entered_in_error';
  retractReason: string;
  version: number;
  createdAt: string;
}

/** The desk's recall list (app/recalls.go). */
export interface RecallFilter {
  ruleIds: string[];
  clinicianId: string;
  minAge: number;
  maxAge: number;
  overdueDays: number;
  snoozed: boolean;
  limit: number;
}

export type OutreachOutcome = 'reached' | 'left_message' | 'no_answer' | 'letter' | 'declined' | 'booked' | 'snoozed';

export interface Recall {
  patientId: string;
  mrn: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  age: string;
  sex: Sex;
  phone: string;
  ruleId: string;
  title: string;
  dueOn: string;
  lastDone: string;
  lastHow: string;
  /** What is due for this patient alone, in words ('' for a care rule). */
  detail: string;
  /** The visit type to book for it ('' the desk's choice). */
  visitType: string;
  outreach: OutreachOutcome | '';
  outreachAt: string;
  outreachBy: string;
  outreachNote: string;
  snoozeUntil: string;
}

export interface RecallPage {
  rows: Recall[];
  total: number;
  ready: boolean;
  /** The rules the clinic runs, for the filter. */
  rules: { ruleId: string; title: string; kind: CareKind }[];
}

/** Recall letters to print (Schedule.PrintRecallLetters). */
export interface RecallLetters {
  clinic: { name: string; address: string; phone: string };
  date: string;
  letters: { patientId: string; mrn: string; name: string; address: string[]; due: string[]; dueRuleIds: string[] }[];
}

export interface OutreachInput {
  patientId: string;
  ruleId: string;
  outcome: OutreachOutcome;
  note: string;
  snoozeUntil: string;
}

/** A care rule as the clinic runs it (Admin.CareRules). */
export interface CareRuleSetting {
  ruleId: string;
  title: string;
  kind: CareKind;
  source: string;
  off: boolean;
  /** The ways with their own intervals in months, in words, or 'once', or 'each season'. */
  intervals: string;
  /** The clinic's interval for all its ways; 0: the rule's own. */
  everyMonths: number;
}

export interface CareRuleInput {
  ruleId: string;
  off: boolean;
  everyMonths: number;
  reason: string;
}

/** The kinds of document a chart holds (Go: db.DocumentKinds). */
export type DocumentKind =
  | 'referral_letter'
  | 'lab_report'
  | 'imaging_report'
  | 'discharge_summary'
  | 'consent'
  | 'image'
  | 'correspondence'
  | 'other';

/** The "attach a document" form; data is the file's bytes in base64. */
export interface DocumentInput {
  title: string;
  kind: DocumentKind | '';
  documentDate: string;
  fileName: string;
  data: string;
  encounterId: string;
}

/** A document of the chart, as listed (without its file). Named so as not
 * to hide the DOM's Document. */
export interface ChartDocument {
  id: string;
  patientId: string;
  encounterId: string;
  title: string;
  kind: DocumentKind;
  documentDate: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  status: 'active' | 'entered_in_error';
  retractReason: string;
  version: number;
  addedAt: string;
  addedBy: string;
  updatedAt: string;
}

/** A document's file, checked by Go against its stored SHA-256. */
export interface DocumentFile {
  id: string;
  fileName: string;
  /** The type to show it as; application/octet-stream when it is to be saved, not shown. */
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  data: string;
  /** The name to save it under: its own, with its type's extension. */
  saveAs: string;
  /** Why a file to be saved only is not shown; '' otherwise. */
  notice: string;
}

// Lab orders and results (app/labs.go, app/terminology/labs.go).

export interface LabRange {
  sex: string; // any, female or male
  low: number | null;
  high: number | null;
}

export interface LabTest {
  loinc: string;
  name: string;
  longName: string;
  kind: 'numeric' | 'text';
  unit: string;
  altUnits: { unit: string; factor: number }[] | null;
  ranges: LabRange[] | null;
  criticalLow: number | null;
  criticalHigh: number | null;
  normalText: string;
  source: string;
}

export interface LabOrderInput {
  loinc: string;
  encounterId: string;
  note: string;
}

export interface LabOrder {
  id: string;
  patientId: string;
  encounterId: string;
  loinc: string;
  testName: string;
  orderedAt: string;
  orderedBy: string;
  orderedByName: string;
  status: 'ordered' | 'resulted' | 'cancelled';
  cancelReason: string;
  note: string;
  version: number;
  /** The panel it was ordered with ('' for a test ordered alone); the same panelOrderId for all of that panel's orders. */
  panel?: string;
  panelName?: string;
  panelOrderId?: string;
}

/** A panel of tests ordered and entered as one: lipid panel, CBC, BMP, ... */
export interface LabPanel {
  key: string;
  loinc: string; // the panel's LOINC code, '' where it has none
  name: string;
  longName: string;
  tests: LabTest[];
  source: string;
}

export interface LabPanelOrderInput {
  panel: string;
  encounterId: string;
  note: string;
}

/** One report's results of a panel: a row per test; a row without a value is not on the report. */
export interface LabPanelResultInput {
  panel: string;
  observedAt: string;
  results: LabResultInput[];
}

export interface LabResultInput {
  orderId: string;
  loinc: string;
  name: string;
  value: string;
  unit: string;
  low: number | null;
  high: number | null;
  rangeText: string;
  observedAt: string;
}

/** N normal, L/H outside the range, LL/HH critical, A abnormal text, '' no range. */
export type LabFlag = '' | 'N' | 'L' | 'H' | 'LL' | 'HH' | 'A';

export interface LabResult {
  id: string;
  patientId: string;
  orderId: string;
  loinc: string;
  name: string;
  value: number | null;
  valueText: string;
  unit: string;
  low: number | null;
  high: number | null;
  rangeText: string;
  rangeSource: 'lab' | 'default' | 'none';
  flag: LabFlag;
  observedAt: string;
  enteredAt: string;
  source: 'entered' | 'imported';
  reviewedAt: string;
  reviewedByName: string;
  reviewNote: string;
  status: 'final' | 'entered_in_error';
  retractReason: string;
  version: number;
}

export interface LabImport {
  imported: number;
  results: LabResult[] | null;
}

/** A lab test's trend: the shape of a vitals Series, so VitalsChart draws it. */
export interface LabSeries extends Series {
  loinc: string;
  omitted: number;
}

export interface LabReviewItem extends LabResult {
  patientName: string;
  mrn: string;
  orderedByName: string;
}

/** One thing on a chart that could leave the clinic in a referral;
 * included says it is ticked by default. */
export interface ReferralItem {
  id: string;
  display: string;
  date: string;
  status: string;
  included: boolean;
}

export type ReferralSectionKey =
  | 'problems'
  | 'allergies'
  | 'medications'
  | 'immunizations'
  | 'results'
  | 'vitals'
  | 'documents';

export interface ReferralSection {
  key: ReferralSectionKey;
  title: string;
  items: ReferralItem[];
}

/** Who sends: the signed-in clinician and the clinic, with its key. */
export interface ReferralParty {
  authorName: string;
  authorLicence: string;
  clinicName: string;
  clinicAddress: string;
  clinicPhone: string;
  keyFingerprint: string;
}

export interface ReferralPreview {
  patient: Patient;
  sections: ReferralSection[];
  from: ReferralParty;
  recentMonths: number;
}

/** The export form: includedIds lists what leaves (nothing else does). */
export interface ReferralRequest {
  includedIds: string[];
  documentIds: string[];
  recipient: string;
  purpose: string;
  reason: string;
  question: string;
  letter: string;
  passphrase: string;
}

export interface SectionCounts {
  problems: number;
  allergies: number;
  medications: number;
  immunizations: number;
  results: number;
  vitals: number;
  /** Signed visit notes (0 in archives made before they could travel). */
  notes?: number;
  documents: number;
}

/** An archive made for someone; data is standard base64. */
export interface ExportedFile {
  disclosureId: string;
  fileName: string;
  data: string;
  sha256: string;
  fingerprint: string;
  encrypted: boolean;
  counts: SectionCounts;
}

export interface PatientCopy extends ExportedFile {
  html: string;
  htmlFileName: string;
}

/** One time part of the chart left the clinic. */
export interface Disclosure {
  id: string;
  at: string;
  by: string;
  kind: 'referral' | 'patient_copy' | 'export';
  recipient: string;
  purpose: string;
  counts: SectionCounts;
  documentIds: string[];
  fileName: string;
  sha256: string;
  fingerprint: string;
  encrypted: boolean;
  mrn: string;
}

// Importing a record from another system (app/imports.go).

export type ImportItemKind =
  | 'patient'
  | 'problem'
  | 'allergy'
  | 'medication'
  | 'immunization'
  | 'result'
  | 'vitals'
  | 'document'
  | 'unmapped';

export type ImportSuggestion = 'accept' | 'already_present' | 'kept_original' | 'skipped';
/** What the clinician chooses for an item; '' follows the suggestion. */
export type ImportChoice = '' | 'accept' | 'skip' | 'already_present';
export type ImportDecision = 'pending' | 'accepted' | 'skipped' | 'already_present' | 'kept_original';

export interface ImportVerification {
  signature: 'valid' | 'invalid' | 'unsigned';
  intact: boolean;
  encrypted: boolean;
  signerClinic: string;
  signerFingerprint: string;
  summary: string;
}

export interface ImportSourceInfo {
  organization: string;
  date: string;
  author: string;
  title: string;
  bundleType: string;
}

export interface ImportIdentifier {
  system: string;
  value: string;
  type: string;
}

export interface IncomingPatient {
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: string;
  phone: string;
  email: string;
  address: string;
  deceased: string;
  text: string;
  identifiers: ImportIdentifier[];
}

export interface ImportFound {
  in: number;
  mapped: number;
  unmapped: number;
  skipped: number;
}

export interface ImportTally {
  written: number;
  alreadyPresent: number;
  skipped: number;
  keptOriginal: number;
  pending: number;
}

export interface ImportItem {
  id: string;
  kind: ImportItemKind;
  resourceType: string;
  resourceId: string;
  display: string;
  detail: string;
  suggested: ImportSuggestion;
  chosen: ImportChoice;
  decision: ImportDecision;
  recordEntity: string;
  recordId: string;
  note: string;
  /** The alerts accepting a pending medication or allergy would raise; finishing needs a reason for each. */
  alerts: Alert[];
  /** For a medication or allergy: whether the interaction check reads it. */
  check?: DrugCheck | null;
}

export interface ImportSection {
  kind: ImportItemKind;
  title: string;
  items: ImportItem[];
}

export interface ImportReview {
  id: string;
  fileName: string;
  kind: 'folio_archive' | 'fhir_json';
  status: 'reviewing' | 'done' | 'abandoned';
  importedAt: string;
  verification: ImportVerification;
  source: ImportSourceInfo;
  incoming: IncomingPatient | null;
  patient: PatientHit | null;
  candidates: DuplicateMatch[];
  sections: ImportSection[];
  unmapped: ImportItem[];
  warnings: string[];
  found: ImportFound;
  tally: ImportTally;
  /** What the import keeps of the match: why a chart whose patient's details
   * differ was matched all the same, or "Registered as MRN …" / "Matched to MRN …". */
  matchNote: string;
}

export interface ItemDecision {
  itemId: string;
  decision: ImportChoice;
  /** Reasons to continue past the item's alerts; read by finishImport. */
  overrides?: Override[];
}

/** Where a chart record came from, when an import wrote it. */
export interface ImportSource {
  entity: string;
  recordId: string;
  importId: string;
  sourceOrg: string;
  sourceDate: string;
  resourceType: string;
  resourceId: string;
  importedAt: string;
}

export interface ImportSummary {
  id: string;
  fileName: string;
  kind: string;
  signature: string;
  signerClinic: string;
  sourceOrg: string;
  sourceDate: string;
  status: string;
  importedAt: string;
  tally: ImportTally;
  matchNote: string;
}

export interface KeptOriginal {
  itemId: string;
  importId: string;
  resourceType: string;
  resourceId: string;
  display: string;
  detail: string;
  /** The resource as received, formatted; '' in lists. */
  json: string;
}

export interface ImportHistory {
  imports: ImportSummary[];
  originals: KeptOriginal[];
}

/** What this Folio is to the clinic's network: the desktop window (may
 * share), folio serve on this PC only, or folio serve --lan (the server). */
export type NetworkRole = 'window' | 'local' | 'host';

/** The admin's Clinic network screen. */
export interface NetworkStatus {
  role: NetworkRole;
  /** The admin's remembered choice (the window's toggle). */
  share: boolean;
  /** This Folio may start and stop sharing; otherwise why says why not. */
  canShare: boolean;
  why?: string;
  serving: boolean;
  urls: string[];
  /** Served addresses that are not the clinic's own. */
  publicAddresses: string[];
  /** Why it does not serve, in words. */
  problem?: string;
  /** The clinic certificate's SHA-256 fingerprint and short code. */
  fingerprint: string;
  code: string;
}

export interface CertificateFile {
  fileName: string;
  pem: string;
  fingerprint: string;
}

export type WorkstationStatus = 'pending' | 'approved' | 'refused' | 'revoked';

/** A PC running Folio that asked to pair with this host. */
export interface Workstation {
  id: string;
  name: string;
  address: string;
  status: WorkstationStatus;
  firstSeen: string;
  lastSeen: string;
  approvedBy?: string;
  approvedAt?: string;
  endedBy?: string;
  endedAt?: string;
  endedReason?: string;
}

/** A Folio host that answered on the network (Go's workstation.FoundHost):
 * what it announced is a hint; its code is compared with the host's. */
export interface FoundHost {
  name: string;
  /** Where to join it: an address with its port. */
  address: string;
  fingerprint: string;
  code: string;
}

/** A request to pair under way (Go's workstation.Pairing). */
export interface Pairing {
  host: string;
  id: string;
  name: string;
  authority: string;
  fingerprint: string;
  /** The 30-digit code the host's admin approves by. */
  code: string;
}

/** What the desktop window is (Go's workstation.WindowMode). */
export interface WindowMode {
  workstation: boolean;
  host?: string;
  name?: string;
}

/** Where a request to pair stands (Go's workstation.JoinProgress). */
export interface JoinProgress {
  status: 'pending' | 'approved';
  mode: WindowMode;
}

/** The clinic's quality measures (app/quality.go). */
export interface QualityDashboard {
  asOf: string;
  /** The trend's months, the oldest first; the last is this month (today's figures). */
  months: string[];
  clinicians: QualityClinician[];
  measures: QualityMeasure[];
  ready: boolean;
}

/** A dashboard column: a primary clinician, or id "none" for patients with none. */
export interface QualityClinician {
  id: string;
  name: string;
}

export interface QualityMeasure {
  id: string;
  cms: string;
  title: string;
  /** The numerator is the poor outcome: lower is better. */
  inverse: boolean;
  source: string;
  simplified: string;
  clinic: QualityFigures;
  /** In the dashboard's clinicians order. */
  clinicians: QualityFigures[];
}

export interface QualityFigures {
  clinicianId: string;
  denominator: number;
  met: number;
  notMet: number;
  excluded: number;
  /** met / (denominator - excluded), in percent; null when no one is counted. */
  rate: number | null;
  trend: QualityPoint[];
}

export interface QualityPoint {
  month: string;
  denominator: number;
  met: number;
  excluded: number;
  rate: number | null;
}

export type QualityStatus = '' | 'met' | 'not_met' | 'excluded';

export interface QualityPatientFilter {
  measureId: string;
  /** '' the whole clinic, 'none' no primary clinician, or a clinician's id. */
  clinicianId: string;
  status: QualityStatus;
  limit: number;
  offset: number;
}

export interface QualityPatient {
  patientId: string;
  mrn: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  age: string;
  sex: string;
  clinician: string;
  status: Exclude<QualityStatus, ''>;
  why: string;
}

export interface QualityPatientPage {
  rows: QualityPatient[];
  total: number;
}

// Remote monitoring (app/monitoring.go): home readings read against a
// patient's targets, the clinicians' Readings to review list, and the
// program's days with readings and review minutes.

export interface MonitoringTargets {
  systolicBelow: number | null;
  diastolicBelow: number | null;
  glucoseLow: number | null;
  glucoseHigh: number | null;
  spo2Low: number | null;
  weightGainKg: number | null;
}

export interface EnrolmentInput {
  device: string;
  /** YYYY-MM-DD; '' today. */
  startedOn: string;
  targets: MonitoringTargets;
  /** Who agreed and how: required. */
  consentNote: string;
}

export interface Enrolment extends MonitoringTargets {
  id: string;
  patientId: string;
  device: string;
  startedOn: string;
  endedOn: string;
  consentAt: string;
  consentNote: string;
  consentByName: string;
  status: 'active' | 'ended' | 'entered_in_error';
  endReason: string;
  version: number;
  /** The targets in words, '' none. */
  targetsText: string;
}

/** A reading a patient's own device took (app/home_readings.go), in
 * canonical units (mmHg, kg, /min, %, mg/dL); null was not part of it. */
export interface HomeReading {
  id: string;
  patientId: string;
  takenAt: string;
  /** The device's wall clock, 'YYYY-MM-DDTHH:MM'. */
  takenLocal: string;
  kind: 'bp' | 'weight' | 'pulse' | 'spo2' | 'glucose';
  systolic: number | null;
  diastolic: number | null;
  pulse: number | null;
  weightKg: number | null;
  spo2: number | null;
  glucoseMgDl: number | null;
  glucoseContext: string;
  source: 'file' | 'gateway' | 'entered';
  importId: string;
  tokenId: string;
  device: string;
  comment: string;
  codes: string;
  status: 'final' | 'entered_in_error';
  retractReason: string;
  version: number;
  createdAt: string;
  createdBy: string;
  /** The file's row, in a preview. */
  row?: number;
  /** Read against the patient's targets (Chart.HomeReadingsSummary and the
   * review list): why it is out of target, '' if it is not. */
  flag?: string;
  day?: string;
  period?: 'morning' | 'evening' | '';
}

/** A row a file's import refuses (or a FHIR entry it skips), and why. */
export interface ReadingProblem {
  row: number;
  where: string;
  message: string;
}

export interface ReadingKindCount {
  kind: string;
  count: number;
}

/** What a file would bring into the chart; nothing is written yet. */
export interface ReadingPreview {
  format: string;
  formatName: string;
  fileName: string;
  device: string;
  rowsRead: number;
  toAdd: number;
  duplicates: number;
  refused: ReadingProblem[];
  skipped: ReadingProblem[];
  from: string;
  to: string;
  kinds: ReadingKindCount[];
  columns: string[];
  sample: HomeReading[];
  /** false: Folio cannot tell the layout; map its columns (Other CSV). */
  known: boolean;
}

export interface ReadingImport {
  id: string;
  patientId: string;
  format: string;
  formatName: string;
  fileName: string;
  fileSha256: string;
  device: string;
  rowsRead: number;
  rowsAdded: number;
  rowsDuplicate: number;
  importedAt: string;
  importedBy: string;
  importedByName: string;
}

/** A CSV layout (app/readings.Spec): columns counted from 1, 0 is none. */
export interface ReadingSpec {
  delimiter: string;
  header: boolean;
  dateColumn: number;
  dateLayout: string;
  timeColumn: number;
  systolic: number;
  diastolic: number;
  pulse: number;
  weight: number;
  weightUnit: string;
  spo2: number;
  glucose: number;
  glucoseUnit: string;
  glucoseContext: number;
  comment: number;
  device: string;
}

export interface ReadingFormat {
  id: string;
  name: string;
  spec: ReadingSpec;
  status: string;
  version: number;
}

export interface DeviceToken {
  id: string;
  patientId: string;
  label: string;
  device: string;
  createdAt: string;
  createdBy: string;
  createdByName: string;
  revokedAt: string;
  revokedBy: string;
  revokeReason: string;
  lastUsedAt: string;
}

/** A token just issued: shown this once. */
export interface IssuedDeviceToken extends DeviceToken {
  token: string;
  gatewayPath: string;
}

export interface BPAverage {
  count: number;
  systolic: number;
  diastolic: number;
}

export interface ReadingAverages {
  from: string;
  count: number;
  bp: BPAverage;
  morning: BPAverage;
  evening: BPAverage;
  weight: number | null;
  glucose: number | null;
  spo2: number | null;
  outOfTarget: number;
  days: number;
}

export interface HomeReadingsSummary {
  enrolment: Enrolment | null;
  readings: HomeReading[]; // from the month a year ago, oldest first
  count: number;
  last7: ReadingAverages;
  last30: ReadingAverages;
  periodsDefined: string;
}

export interface HomeReadingsSince {
  since: string;
  averages: ReadingAverages;
  /** The line a visit note takes, '' without home BP. */
  noteLine: string;
}

export interface ReadingReview {
  id: string;
  patientId: string;
  throughAt: string;
  minutes: number;
  note: string;
  reviewedAt: string;
  reviewerName: string;
}

export interface MonitoringPeriod {
  from: string;
  to: string;
  days: number;
  meets: boolean;
  current: boolean;
}

export interface MonitoringMonth {
  month: string;
  minutes: number;
  reviews: number;
  meets: boolean;
  reviewers: string[];
}

export interface MonitoringProgram {
  active: Enrolment | null;
  enrolments: Enrolment[];
  periods: MonitoringPeriod[];
  months: MonitoringMonth[];
  reviews: ReadingReview[];
  newReadings: number;
  daysSource: string;
  minutesSource: string;
  daysNeeded: number;
  minutesNeeded: number;
}

export interface ReadingsToReviewItem {
  patientId: string;
  patientName: string;
  mrn: string;
  device: string;
  targetsText: string;
  newReadings: number;
  outOfTarget: number;
  flags: string[];
  latest: HomeReading[];
  lastReviewAt: string;
  lastReviewer: string;
}

export interface MonitoringReport {
  clinic: { name: string; address: string; phone: string };
  patient: { name: string; mrn: string; birthDate: string; address: string };
  month: string;
  enrolment: Enrolment | null;
  averages: ReadingAverages;
  periods: MonitoringPeriod[];
  outOfTarget: HomeReading[];
  review: MonitoringMonth;
  reviews: ReadingReview[];
  daysSource: string;
  minutesSource: string;
  periodsDefined: string;
  printedAt: string;
  printedBy: string;
}
