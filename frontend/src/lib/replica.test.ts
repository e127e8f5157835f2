import { describe, expect, it } from 'vitest';
import { asSentence, blankReplicaForm, duration, formOf, keepsSecret, replicaState, targetOf, where } from './replica';
import type { ReplicaStatus, Replication } from './types';

const folder = { kind: 'folder' as const, path: '/media/usb/folio' };
const sftp = { kind: 'sftp' as const, path: '/srv/folio', host: 'nas:2222', user: 'backup', hostKey: 'ssh-ed25519 AAAA', password: '' };
const s3 = { kind: 's3' as const, path: '/folio', bucket: 'clinic', endpoint: 'https://s3.example.com', accessKey: 'AK', secretKey: '' };

function status(over: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return { target: folder, started: '2026-12-07T10:00:00Z', lagSeconds: 0, localTx: 5, replicaTx: 5, size: 0, ...over };
}

function replication(over: Partial<Replication> = {}): Replication {
  return { running: null, saved: null, atNextStart: false, behind: false, ...over };
}

describe('where', () => {
  const cases: [string, Parameters<typeof where>[0], string][] = [
    ['a folder', folder, 'the folder /media/usb/folio'],
    ['an SFTP server', sftp, 'the SFTP server backup@nas:2222, folder /srv/folio'],
    ['S3 elsewhere', s3, 'the S3 bucket clinic, folder folio at https://s3.example.com'],
    ['Amazon S3, no folder', { kind: 's3', path: '', bucket: 'clinic' }, 'the S3 bucket clinic on Amazon S3'],
  ];
  for (const [name, t, want] of cases) it(name, () => expect(where(t)).toBe(want));
});

describe('duration', () => {
  const cases: [number, string][] = [[0, '0 s'], [0.4, '0 s'], [12.6, '13 s'], [59, '59 s'], [60, '1 min'], [3599, '59 min'],
    [3600, '1 h'], [3600 + 5 * 60, '1 h 5 min']];
  for (const [s, want] of cases) it(`${s} s is ${want}`, () => expect(duration(s)).toBe(want));
});

describe('replicaState', () => {
  const cases: [string, Replication, string, string][] = [
    ['none', replication(), 'Not set', 'warn'],
    ['in sync', replication({ running: status({ lastSync: '2026-12-07T10:00:01Z' }), saved: folder }), 'In sync', 'ok'],
    ['behind', replication({ running: status({ lastSync: '2026-12-07T10:00:01Z', lagSeconds: 12.2 }), saved: folder }),
      '12 s behind', 'warn'],
    ['never yet in sync', replication({ running: status(), saved: folder }),
      'Catching up: behind until its first copy is made', 'warn'],
    ['failed to start', replication({ saved: folder, failed: 'no such folder' }), 'Not running', 'off'],
    ['saved, not started', replication({ saved: folder }), 'Not running yet', 'warn'],
  ];
  for (const [name, r, words, tone] of cases) {
    it(name, () => expect(replicaState(r)).toEqual({ words, tone }));
  }
  it('never says "In sync" of a replica that is not', () => {
    for (const [, r, words] of cases) if (words !== 'In sync') expect(replicaState(r).words).not.toContain('In sync');
  });
});

describe('the form', () => {
  it('sends its kind’s fields only', () => {
    const form = { ...blankReplicaForm(), kind: 'sftp' as const, path: '/srv/f', host: 'nas', user: 'u', password: 'pw',
      bucket: 'left over from s3' };
    expect(targetOf(form)).toEqual({ kind: 'sftp', path: '/srv/f', host: 'nas', user: 'u', password: 'pw', keyFile: '', hostKey: '' });
    expect(targetOf({ ...blankReplicaForm(), path: '/x', host: 'nas' })).toEqual({ kind: 'folder', path: '/x' });
  });

  it('fills every field from a saved replica, blanks for what it lacks', () => {
    expect(formOf(sftp)).toEqual({ ...blankReplicaForm(), ...sftp });
    expect(formOf(null)).toEqual(blankReplicaForm());
  });

  it('keeps a saved secret only for the same server and account', () => {
    const form = formOf(sftp);
    expect(keepsSecret(form, sftp)).toBe(true);
    expect(keepsSecret({ ...form, host: ' nas:2222 ' }, sftp)).toBe(true);
    expect(keepsSecret({ ...form, user: 'other' }, sftp)).toBe(false);
    expect(keepsSecret({ ...form, kind: 's3' }, sftp)).toBe(false);
    expect(keepsSecret(form, null)).toBe(false);
    expect(keepsSecret(formOf(s3), s3)).toBe(true);
    expect(keepsSecret({ ...formOf(s3), accessKey: 'AK2' }, s3)).toBe(false);
    expect(keepsSecret(formOf(folder), folder)).toBe(false);
  });
});

describe('asSentence', () => {
  it('ends a clause with a full stop, once', () => {
    expect(asSentence('Replication to the folder /x is not running: there is no folder /x')).toBe(
      'Replication to the folder /x is not running: there is no folder /x.');
    expect(asSentence('The replica is 3m0s behind.')).toBe('The replica is 3m0s behind.');
    expect(asSentence('')).toBe('');
  });
});
