import { describe, expect, it } from 'vitest';
import { blankClinicRestoreForm, choiceKey, clinicSourceOf, instantOfWall, momentOf, runBadge, sourceOf, wallOfInstant } from './restore';
import { timeoutFor } from './api';

describe('a moment on this PC clock and back', () => {
  it('reads a datetime-local value as a local moment, with or without seconds', () => {
    const local = new Date(2026, 11, 7, 14, 5, 9);
    expect(instantOfWall('2026-12-07T14:05:09')).toBe(local.toISOString().replace('.000Z', 'Z'));
    expect(instantOfWall('2026-12-07T14:05')).toBe(new Date(2026, 11, 7, 14, 5, 0).toISOString().replace('.000Z', 'Z'));
    expect(instantOfWall(' 2026-12-07T14:05:09.250 ')).toBe(local.toISOString().replace('.000Z', 'Z'));
  });

  it('answers nothing for an empty or impossible moment', () => {
    for (const wall of ['', '2026-12-07', 'yesterday', '2026-02-30T10:00', '2026-13-01T10:00']) {
      expect(instantOfWall(wall), wall).toBe('');
    }
  });

  it('shows an instant as the field value on this PC clock, to the second', () => {
    const local = new Date(2026, 0, 2, 3, 4, 5);
    expect(wallOfInstant(local.toISOString())).toBe('2026-01-02T03:04:05');
    expect(instantOfWall(wallOfInstant(local.toISOString()))).toBe(local.toISOString().replace('.000Z', 'Z'));
    expect(momentOf(local.toISOString())).toBe('2026-01-02 03:04:05');
    expect(wallOfInstant('')).toBe('');
    expect(wallOfInstant('not a time')).toBe('');
  });
});

describe('what the admin choice sends', () => {
  it('a backup by its path', () => {
    expect(sourceOf({ backup: '/data/backups/a.db' })).toEqual({ backup: '/data/backups/a.db' });
  });

  it('the replica at its latest when no moment is typed', () => {
    expect(sourceOf({ replica: true, at: '' })).toEqual({ replica: true });
  });

  it('the replica at a moment', () => {
    const at = new Date(2026, 11, 7, 9, 30, 15).toISOString().replace('.000Z', 'Z');
    expect(sourceOf({ replica: true, at: '2026-12-07T09:30:15' })).toEqual({ replica: true, at });
  });

  it('names the same moment the same, typed with or without seconds', () => {
    expect(choiceKey({ replica: true, at: '2026-12-07T09:30' })).toBe(choiceKey({ replica: true, at: '2026-12-07T09:30:00' }));
    expect(choiceKey({ replica: true, at: '' })).not.toBe(choiceKey({ replica: true, at: '2026-12-07T09:30' }));
    expect(choiceKey({ backup: '/a' })).not.toBe(choiceKey({ backup: '/b' }));
    expect(choiceKey(null)).toBe('');
  });
});

describe('what the first-run form sends', () => {
  it('a folder replica: its fields only, at its latest', () => {
    const form = { ...blankClinicRestoreForm(), backup: '/left/over.db' };
    form.replica.path = '/media/usb/folio-replica';
    form.replica.host = 'typed for sftp first';
    expect(clinicSourceOf(form)).toEqual({ target: { kind: 'folder', path: '/media/usb/folio-replica' } });
  });

  it('the kind chosen, whatever the replica fields last had', () => {
    const form = { ...blankClinicRestoreForm(), from: 's3' as const, keyFile: ' /keys/folio.key ' };
    form.replica = { ...form.replica, kind: 'folder', bucket: 'clinic', accessKey: 'AK', secretKey: 'SK', path: 'folio' };
    expect(clinicSourceOf(form)).toEqual({
      target: { kind: 's3', path: 'folio', endpoint: '', bucket: 'clinic', region: '', accessKey: 'AK', secretKey: 'SK' },
      keyFile: '/keys/folio.key',
    });
  });

  it('an SFTP replica at a moment', () => {
    const form = { ...blankClinicRestoreForm(), from: 'sftp' as const, at: '2026-12-07T09:30' };
    form.replica = { ...form.replica, host: 'nas', user: 'folio', password: 'pw', hostKey: 'ssh-ed25519 AAAA', path: '/srv/r' };
    const src = clinicSourceOf(form);
    expect(src.target).toEqual({ kind: 'sftp', host: 'nas', user: 'folio', password: 'pw', keyFile: '', hostKey: 'ssh-ed25519 AAAA', path: '/srv/r' });
    expect(src.at).toBe(instantOfWall('2026-12-07T09:30'));
  });

  it('a backup file, with no replica and no moment', () => {
    const form = { ...blankClinicRestoreForm(), from: 'backup' as const, backup: ' /media/usb/clinic.db ', at: '2026-12-07T09:30' };
    form.replica.path = '/media/usb/folio-replica';
    expect(clinicSourceOf(form)).toEqual({ backup: '/media/usb/clinic.db' });
  });
});

describe('runBadge', () => {
  const run = { at: '2026-12-07T18:30:00Z', ok: true, detail: 'verified', seconds: 2 };
  it('a backup that went well', () => expect(runBadge(run)).toEqual({ words: 'OK', tone: 'ok' }));
  it('a drill that passed', () => expect(runBadge(run, true)).toEqual({ words: 'Passed', tone: 'ok' }));
  it('either, failed', () => {
    expect(runBadge({ ...run, ok: false })).toEqual({ words: 'Failed', tone: 'off' });
    expect(runBadge({ ...run, ok: false }, true)).toEqual({ words: 'Failed', tone: 'off' });
  });
});

describe('preparing a restore', () => {
  it('is given all the time it takes: a replica is restored whole first', () => {
    expect(timeoutFor('Admin', 'PrepareRestore')).toBe(0);
    expect(timeoutFor('Auth', 'PrepareClinicRestore')).toBe(0);
    expect(timeoutFor('Admin', 'RestoreChoices')).toBeGreaterThan(0);
  });
});
