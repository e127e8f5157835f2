// Restoring the clinic from the screen, in words and values: the moment of
// the replica to bring back (a date-time field on this PC's clock, sent to
// Go as an instant), what each choice sends, and how a scheduled backup or
// restore drill went.

import { blankReplicaForm, targetOf, type ReplicaForm } from './replica';
import type { BackupRun, ReplicaKind, RestoreSource } from './types';

const pad = (n: number) => String(n).padStart(2, '0');

/** wallOfInstant is an RFC 3339 instant as a datetime-local field's value
 * on this PC's clock, to the second ("2026-12-07T14:05:09"); '' if unreadable. */
export function wallOfInstant(iso: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** momentOf shows an RFC 3339 instant on this PC's clock to the second,
 * "2026-12-07 14:05:09": what a restore brings back is told to the second,
 * as the replica restores it; '' if unreadable. */
export function momentOf(iso: string): string {
  return wallOfInstant(iso).replace('T', ' ');
}

/** instantOfWall is a datetime-local field's value (this PC's clock, with
 * or without seconds) as the RFC 3339 instant Go reads; '' when empty or
 * not a moment. */
export function instantOfWall(wall: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(wall.trim());
  if (!m) return '';
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const at = new Date(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(at.getTime()) || at.getMonth() !== mo - 1 || at.getDate() !== d) return '';
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The admin's choice on the Restore panel: a backup (its path) or the
 * replica, at a moment (a datetime-local value) or, '' , its latest. */
export type RestoreChoice = { backup: string } | { replica: true; at: string };

/** sourceOf is what the admin's choice sends to Admin.PrepareRestore. */
export function sourceOf(choice: RestoreChoice): RestoreSource {
  if ('backup' in choice) return { backup: choice.backup };
  const at = instantOfWall(choice.at);
  return at ? { replica: true, at } : { replica: true };
}

/** choiceKey names a choice, so that a preview is shown only for the
 * choice it was made for (a moment typed with or without seconds is the
 * same moment). */
export function choiceKey(choice: RestoreChoice | null): string {
  if (!choice) return '';
  return JSON.stringify(sourceOf(choice));
}

/** ClinicRestoreForm is the first-run screen's restore: from a replica of
 * one of the three kinds (its fields as the replica form has them) or a
 * backup file on this PC, with the clinic's key file when it does not
 * come with it. */
export interface ClinicRestoreForm {
  from: ReplicaKind | 'backup';
  replica: ReplicaForm;
  /** The replica's moment (datetime-local); '' for its latest. */
  at: string;
  /** The backup file's whole path. */
  backup: string;
  /** The clinic's key file ('' when it comes with the backup or replica). */
  keyFile: string;
}

export function blankClinicRestoreForm(): ClinicRestoreForm {
  return { from: 'folder', replica: blankReplicaForm(), at: '', backup: '', keyFile: '' };
}

/** clinicSourceOf is what the first-run form sends to Auth.PrepareClinicRestore:
 * the chosen kind's fields only. */
export function clinicSourceOf(form: ClinicRestoreForm): RestoreSource {
  const keyFile = form.keyFile.trim();
  const key = keyFile ? { keyFile } : {};
  if (form.from === 'backup') return { backup: form.backup.trim(), ...key };
  const at = instantOfWall(form.at);
  return { target: targetOf({ ...form.replica, kind: form.from }), ...(at ? { at } : {}), ...key };
}

/** How a scheduled backup or drill went: its badge's words and look. */
export interface RunBadge {
  words: string;
  tone: 'ok' | 'off';
}

export function runBadge(run: BackupRun, drill = false): RunBadge {
  if (run.ok) return { words: drill ? 'Passed' : 'OK', tone: 'ok' };
  return { words: 'Failed', tone: 'off' };
}
