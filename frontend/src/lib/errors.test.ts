import { describe, expect, it } from 'vitest';
import { FolioError, toFolioError } from './errors';

describe('toFolioError', () => {
  const cases: { name: string; raw: unknown; kind: string; message: string }[] = [
    { name: 'object from HTTP', raw: { kind: 'conflict', message: 'Changed meanwhile.' }, kind: 'conflict', message: 'Changed meanwhile.' },
    { name: 'JSON string from Wails', raw: '{"kind":"forbidden","message":"No."}', kind: 'forbidden', message: 'No.' },
    { name: 'plain string', raw: 'boom', kind: 'internal', message: 'boom' },
    { name: 'unknown kind', raw: { kind: 'weird', message: 'x' }, kind: 'internal', message: 'x' },
    { name: 'network failure', raw: new TypeError('Failed to fetch'), kind: 'unreachable', message: 'The host cannot be reached.' },
    { name: 'other Error', raw: new Error('oops'), kind: 'internal', message: 'oops' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = toFolioError(c.raw);
      expect(e).toBeInstanceOf(FolioError);
      expect(e.kind).toBe(c.kind);
      expect(e.message).toBe(c.message);
    });
  }

  it('keeps the alerts that stopped a prescription', () => {
    const alerts = [{ key: 'a', severity: 'major' }];
    expect(toFolioError({ kind: 'conflict', message: 'm', alerts }).alerts).toEqual(alerts);
  });

  it('keeps the likely duplicates that stopped a registration', () => {
    const duplicates = [{ patient: { id: 'p1', mrn: '0000018' }, score: 70, reasons: [], matchedOn: [] }];
    expect(toFolioError({ kind: 'conflict', message: 'm', duplicates }).duplicates).toEqual(duplicates);
    expect(toFolioError({ kind: 'conflict', message: 'm' }).duplicates).toEqual([]);
  });

  it('keeps field messages', () => {
    expect(toFolioError({ kind: 'invalid', message: 'm', fields: { sex: 'Choose.' } }).fields).toEqual({ sex: 'Choose.' });
  });
});
