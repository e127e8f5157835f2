import { describe, expect, it } from 'vitest';
import { defaultChoice, keepChoice, readChoice } from './calendarChoice';

/** A Storage in memory, as localStorage behaves. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('the calendar choice', () => {
  it('is the day by clinician until a person chooses', () => {
    expect(readChoice('u1', memoryStorage())).toEqual({ view: 'day', clinicianId: '' });
    expect(defaultChoice).toEqual({ view: 'day', clinicianId: '' });
  });

  it('is kept per person', () => {
    const s = memoryStorage();
    keepChoice('u1', { view: 'week', clinicianId: 'c9' }, s);
    expect(readChoice('u1', s)).toEqual({ view: 'week', clinicianId: 'c9' });
    expect(readChoice('u2', s)).toEqual({ view: 'day', clinicianId: '' });
  });

  it('falls back to the default when what is kept cannot be read', () => {
    const s = memoryStorage();
    for (const text of ['{', '"week"', '{"view":"month"}', 'null']) {
      s.setItem('folio.calendar:u1', text);
      expect(readChoice('u1', s)).toEqual({ view: 'day', clinicianId: '' });
    }
  });

  it('forgets quietly when the storage refuses', () => {
    const s = memoryStorage();
    s.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    expect(() => keepChoice('u1', { view: 'week', clinicianId: '' }, s)).not.toThrow();
    expect(readChoice('u1', null)).toEqual({ view: 'day', clinicianId: '' });
  });
});
