import { describe, expect, it } from 'vitest';
import { merge3, mergeChoosing, mineFrom, theirChanges, type Choice } from './threeway';

const base = { phone: '555-0100', city: 'Shelbyville', note: '' };

describe('theirChanges and mergeChoosing', () => {
  const cases: {
    name: string;
    base: unknown;
    mine: unknown;
    theirs: unknown;
    choices?: Record<string, Choice>;
    changes: { path: string; both: boolean }[];
    merged: unknown;
  }[] = [
    {
      name: 'disjoint fields: each keeps its own change',
      base, mine: { ...base, phone: '555-0199' }, theirs: { ...base, city: 'Springfield' },
      changes: [{ path: 'city', both: false }],
      merged: { phone: '555-0199', city: 'Springfield', note: '' },
    },
    {
      name: 'both changed the same field: mine unless told',
      base, mine: { ...base, phone: '555-0199' }, theirs: { ...base, phone: '555-0101' },
      changes: [{ path: 'phone', both: true }],
      merged: { ...base, phone: '555-0199' },
    },
    {
      name: 'both changed the same field, theirs chosen',
      base, mine: { ...base, phone: '555-0199', note: 'mine' }, theirs: { ...base, phone: '555-0101' },
      choices: { phone: 'theirs' },
      changes: [{ path: 'phone', both: true }],
      merged: { ...base, phone: '555-0101', note: 'mine' },
    },
    {
      name: 'both made the same change: no question',
      base, mine: { ...base, phone: '555-0101' }, theirs: { ...base, phone: '555-0101' },
      changes: [{ path: 'phone', both: false }],
      merged: { ...base, phone: '555-0101' },
    },
    {
      name: 'theirs removed a value (emptied it); I left it',
      base: { ...base, note: 'call first' }, mine: { ...base, note: 'call first', phone: '555-0199' },
      theirs: { ...base, note: '' },
      changes: [{ path: 'note', both: false }],
      merged: { ...base, phone: '555-0199', note: '' },
    },
    {
      name: 'theirs removed a value I changed',
      base: { ...base, note: 'call first' }, mine: { ...base, note: 'call after 5' }, theirs: { ...base, note: '' },
      changes: [{ path: 'note', both: true }],
      merged: { ...base, note: 'call after 5' },
    },
    {
      name: 'a field gone from theirs altogether',
      base, mine: base, theirs: { phone: '555-0100', city: 'Shelbyville' },
      changes: [{ path: 'note', both: false }],
      merged: { phone: '555-0100', city: 'Shelbyville', note: undefined },
    },
    {
      name: 'nothing changed elsewhere',
      base, mine: { ...base, city: 'Ogdenville' }, theirs: base,
      changes: [],
      merged: { ...base, city: 'Ogdenville' },
    },
    {
      name: 'nested fields are named by their path',
      base: { patient: base, reason: '' }, mine: { patient: { ...base, phone: '555-0199' }, reason: 'moved' },
      theirs: { patient: { ...base, phone: '555-0101', city: 'Springfield' }, reason: '' },
      choices: { 'patient.phone': 'theirs' },
      changes: [{ path: 'patient.phone', both: true }, { path: 'patient.city', both: false }],
      merged: { patient: { ...base, phone: '555-0101', city: 'Springfield' }, reason: 'moved' },
    },
    {
      name: 'an array is one field',
      base: { tags: ['a'] }, mine: { tags: ['a', 'b'] }, theirs: { tags: ['c'] },
      changes: [{ path: 'tags', both: true }],
      merged: { tags: ['a', 'b'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(theirChanges(c.base, c.mine, c.theirs).map(({ path, both }) => ({ path, both }))).toEqual(c.changes);
      expect(mergeChoosing(c.base, c.mine, c.theirs, c.choices)).toEqual(c.merged);
    });
  }

  it('names what each side has for a field both changed', () => {
    expect(theirChanges(base, { ...base, phone: '555-0199' }, { ...base, phone: '555-0101' })).toEqual([
      { path: 'phone', base: '555-0100', theirs: '555-0101', mine: '555-0199', both: true },
    ]);
  });

  it('merge3 keeps mine in a field both changed and names it', () => {
    const clashes: string[] = [];
    const merged = merge3(base, { ...base, phone: '1' }, { ...base, phone: '2', city: 'X' }, undefined, clashes);
    expect(merged).toEqual({ ...base, phone: '1', city: 'X' });
    expect(clashes).toEqual(['phone']);
  });
});

describe('mineFrom', () => {
  const cases: { name: string; base: unknown; shown: unknown; value: unknown; mine: unknown }[] = [
    { name: 'a field still as shown was left alone', base, shown: { ...base, city: 'Springfield' },
      value: { ...base, city: 'Springfield', phone: '555-0199' }, mine: { ...base, phone: '555-0199' } },
    { name: 'a field changed from what was shown is mine', base, shown: { ...base, city: 'Springfield' },
      value: { ...base, city: 'Ogdenville' }, mine: { ...base, city: 'Ogdenville' } },
    { name: 'nothing shown since: the value is mine', base, shown: base, value: { ...base, note: 'x' },
      mine: { ...base, note: 'x' } },
  ];
  for (const c of cases) it(c.name, () => expect(mineFrom(c.base, c.shown, c.value)).toEqual(c.mine));
});
