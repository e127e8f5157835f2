import { describe, expect, it } from 'vitest';
import { addDays, addMinutes, dayOf, longDay, mondayOf, parseWall, timeOf, wallOf } from './dates';

describe('wall-clock dates', () => {
  it('round-trips a wall time', () => expect(wallOf(parseWall('2026-03-10T09:05'))).toBe('2026-03-10T09:05'));
  it('adds days across a month end', () => expect(addDays('2026-01-30', 3)).toBe('2026-02-02'));
  it('adds minutes across midnight', () => expect(addMinutes('2026-03-10T23:50', 20)).toBe('2026-03-11T00:10'));
  it('finds the Monday of a week', () => {
    expect(mondayOf('2026-11-25')).toBe('2026-11-23'); // Wednesday
    expect(mondayOf('2026-11-23')).toBe('2026-11-23'); // Monday
    expect(mondayOf('2026-11-29')).toBe('2026-11-23'); // Sunday
  });
  it('reads the time of day', () => expect(timeOf('2026-03-10T14:45')).toBe('14:45'));
  it('names the day', () => expect(longDay('2026-11-25')).toBe('Wednesday 2026-11-25'));
  it('writes a Date as its local day', () => expect(dayOf(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05'));
});
