import { describe, expect, it } from 'vitest';
import { DraftStore, keepDraftsFor } from './drafts';

/** A Storage kept in a Map, as localStorage keeps it on disk. */
function fakeStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, String(v)),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
  };
}

describe('DraftStore', () => {
  it('keeps a draft across a reload (a new store on the same storage) for its user only', () => {
    const storage = fakeStorage();
    const one = new DraftStore(storage);
    one.owner = 'u1';
    one.put('vitals', 'patient-1', { at: Date.now(), base: { s: '' }, value: { s: '148' } });

    const reloaded = new DraftStore(storage);
    expect(reloaded.get('vitals', 'patient-1')).toBeNull(); // nobody signed in yet
    reloaded.owner = 'u2';
    expect(reloaded.get('vitals', 'patient-1')).toBeNull();
    reloaded.owner = 'u1';
    expect(reloaded.get('vitals', 'patient-1')?.value).toEqual({ s: '148' });
    expect(reloaded.get('vitals', 'patient-2')).toBeNull();

    reloaded.remove('vitals', 'patient-1');
    expect(new DraftStore(storage).get('vitals', 'patient-1')).toBeNull();
  });

  it('keeps drafts in memory when the storage refuses them', () => {
    const storage = fakeStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const s = new DraftStore(storage);
    s.owner = 'u1';
    s.put('note', 'e1', { at: Date.now(), base: '', value: 'Cough' });
    expect(s.get('note', 'e1')?.value).toBe('Cough');
    expect(new DraftStore(null).get('note', 'e1')).toBeNull();
  });

  it('lets go of drafts older than a month', () => {
    const storage = fakeStorage();
    const s = new DraftStore(storage);
    s.owner = 'u1';
    const now = Date.now();
    s.put('note', 'old', { at: now - keepDraftsFor - 1, base: '', value: 'x' });
    s.put('note', 'new', { at: now, base: '', value: 'y' });
    const other = new DraftStore(storage);
    other.owner = 'u2'; // any sign-in prunes every user's old drafts
    expect(storage.length).toBe(1);
    other.owner = 'u1';
    expect(other.get('note', 'new')?.value).toBe('y');
    expect(other.get('note', 'old')).toBeNull();
  });
});
