// The continuous replica in words for the clinic's admin: where it is, how
// far it has got, and the form's values for each kind of replica.

import type { ReplicaKind, ReplicaStatus, ReplicaTarget, Replication } from './types';

/** ReplicaForm is the replica form's values: every field of every kind, so
 * that switching kinds loses nothing the admin typed. */
export type ReplicaForm = Required<ReplicaTarget>;

export function blankReplicaForm(): ReplicaForm {
  return {
    kind: 'folder', path: '', host: '', user: '', password: '', hostKey: '', keyFile: '',
    endpoint: '', bucket: '', region: '', accessKey: '', secretKey: '',
  };
}

/** The fields each kind of replica takes, besides kind. */
export const replicaFields: Record<ReplicaKind, (keyof ReplicaForm)[]> = {
  folder: ['path'],
  sftp: ['host', 'user', 'password', 'keyFile', 'hostKey', 'path'],
  s3: ['endpoint', 'bucket', 'path', 'region', 'accessKey', 'secretKey'],
};

/** formOf is the form's values for a saved replica (none: the blank form). */
export function formOf(saved: ReplicaTarget | null | undefined): ReplicaForm {
  const form = blankReplicaForm();
  if (!saved) return form;
  for (const k of Object.keys(form) as (keyof ReplicaForm)[]) {
    const v = saved[k];
    if (typeof v === 'string') (form as Record<string, string>)[k] = v;
  }
  return form;
}

/** targetOf is what the form sends: its kind's fields only. */
export function targetOf(form: ReplicaForm): ReplicaTarget {
  const t: ReplicaTarget = { kind: form.kind, path: '' };
  for (const k of replicaFields[form.kind] ?? []) (t as unknown as Record<string, string>)[k] = form[k];
  return t;
}

/** keepsSecret says whether an empty password (SFTP) or secret key (S3)
 * keeps the saved one: the same kind, to the same server and account (as
 * Go's keepSecrets decides). */
export function keepsSecret(form: ReplicaForm, saved: ReplicaTarget | null | undefined): boolean {
  if (!saved || saved.kind !== form.kind) return false;
  const same = (a: string | undefined, b: string) => (a ?? '').trim() === b.trim();
  if (form.kind === 'sftp') return same(saved.host, form.host) && same(saved.user, form.user);
  if (form.kind === 's3') return same(saved.endpoint, form.endpoint) && same(saved.accessKey, form.accessKey);
  return false;
}

/** where names a replica for a person: "the folder /media/usb/folio". */
export function where(t: ReplicaTarget): string {
  switch (t.kind) {
    case 'folder':
      return `the folder ${t.path}`;
    case 'sftp': {
      const folder = t.path ? `, folder ${t.path}` : '';
      return `the SFTP server ${t.user ? `${t.user}@` : ''}${t.host ?? ''}${folder}`;
    }
    case 's3': {
      const folder = t.path ? `, folder ${t.path.replace(/^\/+/, '')}` : '';
      const at = t.endpoint ? ` at ${t.endpoint}` : ' on Amazon S3';
      return `the S3 bucket ${t.bucket ?? ''}${folder}${at}`;
    }
  }
  return 'an unknown kind of replica';
}

/** duration says a number of seconds as "12 s", "4 min", "3 h 5 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

/** inSync: the replica holds everything the database has. */
export function inSync(st: ReplicaStatus): boolean {
  return !!st.lastSync && st.lagSeconds === 0;
}

/** syncWords is how far the running replica has got: "In sync", "12 s
 * behind", or that its first copy is still on its way. */
export function syncWords(st: ReplicaStatus): string {
  if (inSync(st)) return 'In sync';
  if (st.lagSeconds > 0) return `${duration(st.lagSeconds)} behind`;
  return 'Catching up: behind until its first copy is made';
}

/** ReplicaState is the panel's headline: what it says and how it looks. */
export interface ReplicaState {
  words: string;
  tone: 'ok' | 'warn' | 'off';
}

export function replicaState(r: Replication): ReplicaState {
  if (r.running) return { words: syncWords(r.running), tone: inSync(r.running) ? 'ok' : 'warn' };
  if (r.saved && r.failed) return { words: 'Not running', tone: 'off' };
  if (r.saved) return { words: 'Not running yet', tone: 'warn' };
  return { words: 'Not set', tone: 'warn' };
}

/** asSentence ends Go's warning (a clause) with a full stop. */
export function asSentence(text: string): string {
  const t = text.trim();
  return !t || /[.!?]$/.test(t) ? t : `${t}.`;
}
