import { describe, expect, it } from 'vitest';
import { age, bytes, fullName } from './format';

describe('age', () => {
  const today = new Date(2026, 10, 25); // 25 Nov 2026, local
  const cases: [string, string][] = [
    ['2026-11-20', '5 d'],
    ['2026-10-25', '1 mo'],
    ['2025-01-01', '22 mo'],
    ['1984-07-19', '42 y'],
    ['1984-11-26', '41 y'], // birthday tomorrow
    ['1984-11-25', '42 y'], // birthday today
    ['2027-01-01', ''], // not born yet
    ['19840719', ''],
  ];
  for (const [birth, want] of cases) {
    it(`${birth} is ${want || 'no age'}`, () => expect(age(birth, today)).toBe(want));
  }
});

describe('fullName', () => {
  it('writes FAMILY, Given', () => expect(fullName({ familyName: 'Okonkwo', givenNames: 'Ada' })).toBe('OKONKWO, Ada'));
  it('copes without given names', () => expect(fullName({ familyName: 'Cher', givenNames: '' })).toBe('CHER'));
});

describe('bytes', () => {
  it('scales', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(2048)).toBe('2 KiB');
    expect(bytes(5 * 1024 * 1024)).toBe('5.0 MiB');
  });
});
