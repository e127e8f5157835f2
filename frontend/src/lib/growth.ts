// How a growth chart's figures are said: "52nd percentile", "3rd", and
// which chart a child sees first.
import type { GrowthChart } from './types';

/** ordinal is 1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, 52nd. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** percentileWords says a percentile (0-100) as people do: "52nd
 * percentile", with "below the 1st" and "above the 99th" at the ends, where
 * a whole number would say 0th or 100th. */
export function percentileWords(p: number): string {
  if (p < 1) return 'below the 1st percentile';
  if (p > 99) return 'above the 99th percentile';
  return `${ordinal(Math.round(p))} percentile`;
}

/** firstChart is the chart shown first: the weight chart of the family the
 * child's latest measurement is on (CDC from 2 years), or the first. */
export function firstChart(charts: GrowthChart[]): GrowthChart | undefined {
  const latest = (c: GrowthChart) => c.points.reduce((at, p) => (p.at > at ? p.at : at), '');
  const newest = charts.reduce((at, c) => (latest(c) > at ? latest(c) : at), '');
  const family = charts.find((c) => newest !== '' && latest(c) === newest)?.family ?? charts.at(-1)?.family;
  return charts.find((c) => c.family === family && c.measure === 'weight') ?? charts[0];
}

/** curveLabel names a percentile curve on the chart: "P3", "P50". */
export function curveLabel(percentile: number): string {
  return `P${percentile}`;
}
