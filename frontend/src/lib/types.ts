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
}

export interface AuthStatus {
  setupNeeded: boolean;
  clinicName: string;
  user: User | null;
  locked: boolean;
  idleMinutes: number;
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
  birthDate: string; // YYYY-MM-DD
  sex: Sex;
  phone: string;
  addressLine: string;
  city: string;
  region: string;
  postalCode: string;
}

export interface Patient extends PatientInput {
  id: string;
  mrn: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PatientHit {
  id: string;
  mrn: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: Sex;
  phone: string;
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
}

export interface ChartSummary {
  patient: Patient;
  age: string;
  problems: ChartEntry[];
  allergies: ChartEntry[];
  medications: ChartEntry[];
}

export interface NewUser {
  username: string;
  fullName: string;
  role: Role | '';
  password: string;
}

export interface Settings {
  clinicName: string;
  idleMinutes: number;
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
