// How Folio writes dates, ages and names on screen.

import type { PatientHit, Sex } from './types';

const pad = (n: number) => String(n).padStart(2, '0');

/** dateTime shows an RFC 3339 instant in this PC's time: 2026-11-25 14:05. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** age says a patient's age as clinicians write it: days for newborns,
 * months under two years, years after (the same rule as app.Age). */
export function age(birthDate: string, today: Date = new Date()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) return '';
  const [by, bm, bd] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [ty, tm, td] = [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  const birth = Date.UTC(by, bm - 1, bd);
  const now = Date.UTC(ty, tm - 1, td);
  if (now < birth) return '';
  let months = (ty - by) * 12 + (tm - bm);
  if (td < bd) months--;
  if (months < 1) return `${Math.round((now - birth) / 86_400_000)} d`;
  if (months < 24) return `${months} mo`;
  return `${Math.floor(months / 12)} y`;
}

export const sexLabel: Record<Sex, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Unknown',
  '': '',
};

/** fullName is "FAMILY, Given" as charts list people. */
export function fullName(p: Pick<PatientHit, 'familyName' | 'givenNames'>): string {
  return p.givenNames ? `${p.familyName.toUpperCase()}, ${p.givenNames}` : p.familyName.toUpperCase();
}

export const fieldLabel: Record<string, string> = {
  familyName: 'Family name',
  givenNames: 'Given names',
  birthDate: 'Date of birth',
  sex: 'Sex at birth',
  phone: 'Phone',
  addressLine: 'Address',
  city: 'City',
  region: 'Region',
  postalCode: 'Postal code',
  preferredName: 'Preferred name',
  genderIdentity: 'Gender identity',
  phone2: 'Other phone',
  email: 'Email',
  language: 'Preferred language',
  emergencyName: 'Emergency contact',
  emergencyRelationship: 'Emergency contact relationship',
  emergencyPhone: 'Emergency contact phone',
  insurancePayer: 'Insurance payer',
  insuranceMemberId: 'Insurance member ID',
  insuranceGroup: 'Insurance group',
  primaryClinicianId: 'Primary clinician',
  photo: 'Photo',
  deskNote: 'Front-desk note',
};

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
