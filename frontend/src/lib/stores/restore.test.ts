// Restoring from the screen, in the stores: after the restore is confirmed
// the window waits for a new Folio (the session gone, the clinic there, or
// the host seen gone and back) and not for the old one still closing; a
// preparation the person has since dropped shows nothing, not even its
// failure.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthStatus, RestorePreview, User } from '../types';

const h = vi.hoisted(() => ({
  statuses: [] as (Partial<AuthStatus> | 'down')[],
  prepares: [] as { resolve: (p: unknown) => void; reject: (e: unknown) => void }[],
}));

vi.mock('../api', () => ({
  api: {
    onError: () => () => {},
    sent: () => 0,
    background: async <T>(f: () => T | Promise<T>): Promise<T> => f(),
    host: { state: 'up', kept: 0, onChange: () => () => {}, onKept: () => () => {}, signedIn: async () => {} },
    subscribe: () => () => {},
    auth: {
      status: vi.fn(async () => {
        const next = h.statuses.length > 1 ? h.statuses.shift()! : h.statuses[0];
        if (next === 'down') throw { kind: 'unreachable', message: 'The host cannot be reached.' };
        return { setupNeeded: false, clinicName: 'Riverside', user: null, locked: false, idleMinutes: 10, demo: false, ...next };
      }),
      restoreClinicNow: vi.fn(async () => {}),
    },
    admin: {
      prepareRestore: vi.fn(() => new Promise((resolve, reject) => h.prepares.push({ resolve, reject }))),
      restoreNow: vi.fn(async () => {}),
    },
  },
}));

const { session } = await import('./session.svelte');
const { admin } = await import('./admin.svelte');

const ada: User = { id: 'u1', username: 'admin', fullName: 'Ada Admin', role: 'admin', active: true, lockedUntil: '',
  createdAt: '', licenceNumber: '' };
const preview = (id: string, patients: number): RestorePreview => ({ id, origin: `the backup ${id}`, clinicName: 'Riverside',
  patients, users: 2, lastEntry: '2026-12-07T10:00:00Z', keyFound: true });

/** waitRestart lets the window poll until it is no longer restarting. */
async function waitRestart() {
  for (let i = 0; i < 400 && session.restarting; i++) await vi.advanceTimersByTimeAsync(250);
}

describe('restarting on a restored clinic', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    session.user = ada;
    session.setupNeeded = false;
    session.notice = '';
    session.restoreNotice = '';
  });
  afterEach(() => {
    vi.useRealTimers();
    h.statuses = [];
  });

  it("the admin's: waits while the old Folio still has the session, then shows the sign-in", async () => {
    h.statuses = [{ user: ada }, { user: ada }, 'down', 'down', { user: null, clinicName: 'Riverside (restored)' }];
    await admin.restoreNow('r1');
    expect(session.restarting).toBe('waiting');
    expect(session.user).toBeNull(); // signed out here at once
    await vi.advanceTimersByTimeAsync(250 * 3);
    expect(session.restarting).toBe('waiting');
    await waitRestart();
    expect(session.restarting).toBe('');
    expect(session.clinicName).toBe('Riverside (restored)');
    expect(session.notice).toMatch(/restarted to restore the clinic. Please sign in again/);
  });

  it("the admin's: a new Folio is known by the session gone, though it was never seen down", async () => {
    h.statuses = [{ user: ada }, { user: null }];
    session.restarted(false);
    await waitRestart();
    expect(session.restarting).toBe('');
    expect(session.user).toBeNull();
  });

  it("the first run's: waits for the clinic, then the sign-in shows it", async () => {
    session.user = null;
    session.setupNeeded = true;
    h.statuses = [{ setupNeeded: true }, { setupNeeded: true }, { setupNeeded: false, clinicName: 'Riverside' }];
    await session.restoreClinicNow('r2');
    expect(session.restarting).toBe('waiting');
    await waitRestart();
    expect(session.setupNeeded).toBe(false);
    expect(session.clinicName).toBe('Riverside');
    expect(session.notice).toMatch(/The clinic is restored/);
    expect(session.restoreNotice).toBe('');
  });

  it("the first run's: back with no clinic says the restore did not apply", async () => {
    session.user = null;
    session.setupNeeded = true;
    h.statuses = [{ setupNeeded: true }, 'down', { setupNeeded: true, clinicName: '' }];
    session.restarted(true);
    await waitRestart();
    expect(session.setupNeeded).toBe(true);
    expect(session.restoreNotice).toMatch(/the clinic was not restored/);
  });

  it('says so when Folio takes more than a minute to answer', async () => {
    h.statuses = ['down'];
    session.restarted(false);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(session.restarting).toBe('slow');
    h.statuses = [{ user: null }];
    await waitRestart();
    expect(session.restarting).toBe('');
  });
});

describe('preparing a restore', () => {
  beforeEach(() => {
    h.prepares.length = 0;
    admin.dropRestorePreview();
  });

  it('an earlier preparation answering last is not shown', async () => {
    const first = admin.prepareRestore({ backup: '/a' }, 'a');
    const second = admin.prepareRestore({ backup: '/b' }, 'b');
    h.prepares[1].resolve(preview('b', 3));
    expect(await second).toBe(true);
    h.prepares[0].resolve(preview('a', 5));
    expect(await first).toBe(false);
    expect(admin.restorePreview?.id).toBe('b');
    expect(admin.restorePreviewFor).toBe('b');
  });

  it('a dropped preparation shows nothing, not even its failure', async () => {
    const p = admin.prepareRestore({ replica: true }, 'r');
    admin.dropRestorePreview();
    h.prepares[0].reject({ kind: 'invalid', message: 'cannot reach the replica' });
    expect(await p).toBe(false);
    expect(admin.restorePreview).toBeNull();
  });

  it('the newest failure is said', async () => {
    const p = admin.prepareRestore({ replica: true }, 'r');
    h.prepares[0].reject({ kind: 'invalid', message: 'cannot reach the replica' });
    await expect(p).rejects.toMatchObject({ message: 'cannot reach the replica' });
  });
});

describe('the first-run preview', () => {
  it('a preparation dropped while on its way shows nothing', async () => {
    const auth = (await import('../api')).api.auth as unknown as { prepareClinicRestore: ReturnType<typeof vi.fn> };
    let answer: (p: RestorePreview) => void = () => {};
    auth.prepareClinicRestore = vi.fn(() => new Promise<RestorePreview>((r) => (answer = r)));
    const p = session.prepareClinicRestore({ backup: '/media/usb/clinic.db' });
    session.dropClinicPreview();
    answer(preview('c', 4));
    expect(await p).toBe(false);
    expect(session.clinicPreview).toBeNull();
  });
});
