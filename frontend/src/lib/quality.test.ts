import { describe, expect, it } from 'vitest';
import { good, monthLabel, rateText, sparkline, statusLabel } from './quality';
import type { QualityPoint } from './types';

const point = (month: string, rate: number | null): QualityPoint => ({ month, denominator: 1, met: 0, excluded: 0, rate });

describe('quality', () => {
  it('writes rates and months without a locale', () => {
    expect(rateText(null)).toBe('—');
    expect(rateText(72.444)).toBe('72.4 %');
    expect(rateText(100)).toBe('100.0 %');
    expect(monthLabel('2026-11')).toBe('Nov 2026');
    expect(monthLabel('2027-01')).toBe('Jan 2027');
    expect(monthLabel('soon')).toBe('soon');
  });

  it('says an inverse measure’s numerator is the poor outcome', () => {
    expect(statusLabel({ inverse: true }, 'met')).toBe('Poor control');
    expect(statusLabel({ inverse: true }, 'not_met')).toBe('Controlled');
    expect(statusLabel({ inverse: false }, 'met')).toBe('Met');
    expect(statusLabel({ inverse: false }, 'excluded')).toBe('Excluded');
    expect(good({ inverse: true }, 'not_met')).toBe(true);
    expect(good({ inverse: false }, 'not_met')).toBe(false);
  });

  it('draws the trend, broken where no one was counted', () => {
    expect(sparkline([point('a', 0), point('b', 50), point('c', 100)], 100, 20)).toEqual(['0,20 50,10 100,0']);
    expect(sparkline([point('a', 10), point('b', null), point('c', 20), point('d', 30)], 30, 10))
      .toEqual(['0,9', '20,8 30,7']);
    expect(sparkline([], 30, 10)).toEqual([]);
  });
});
