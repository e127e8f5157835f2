import { describe, expect, it } from 'vitest';
import { firstChart, ordinal, percentileWords } from './growth';
import type { GrowthChart } from './types';

describe('ordinal', () => {
  it.each([
    [1, '1st'], [2, '2nd'], [3, '3rd'], [4, '4th'], [11, '11th'], [12, '12th'], [13, '13th'],
    [21, '21st'], [52, '52nd'], [73, '73rd'], [97, '97th'], [99, '99th'], [100, '100th'], [111, '111th'],
  ])('%i is %s', (n, want) => expect(ordinal(n)).toBe(want));
});

describe('percentileWords', () => {
  it.each([
    [52.4, '52nd percentile'], [2.5, '3rd percentile'], [0.4, 'below the 1st percentile'],
    [99.6, 'above the 99th percentile'], [1, '1st percentile'], [99, '99th percentile'],
  ])('%f is %s', (p, want) => expect(percentileWords(p)).toBe(want));
});

describe('firstChart', () => {
  const chart = (key: string, family: 'WHO' | 'CDC', measure: GrowthChart['measure'], at: string[]): GrowthChart => ({
    key, family, measure, title: key, unit: 'kg', xUnit: 'months', sex: 'female', source: '', xs: [], curves: [],
    points: at.map((a) => ({ at: a, x: 0, value: 1, percentile: 50, z: 0 })),
  });
  it('opens the family of the latest measurement, at its weight chart', () => {
    const charts = [
      chart('who-weight-for-age', 'WHO', 'weight', ['2024-01-10T10:00:00Z']),
      chart('who-length-for-age', 'WHO', 'height', []),
      chart('cdc-stature-for-age', 'CDC', 'height', ['2026-03-10T08:00:00Z']),
      chart('cdc-weight-for-age', 'CDC', 'weight', []),
    ];
    expect(firstChart(charts)?.key).toBe('cdc-weight-for-age');
    expect(firstChart(charts.slice(0, 2))?.key).toBe('who-weight-for-age');
  });
  it('opens the last family when nothing is measured yet', () => {
    expect(firstChart([chart('who-weight-for-age', 'WHO', 'weight', []), chart('cdc-weight-for-age', 'CDC', 'weight', [])])?.key)
      .toBe('cdc-weight-for-age');
    expect(firstChart([])).toBeUndefined();
  });
});
