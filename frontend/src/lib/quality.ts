// How the quality dashboard writes its figures: rates, months, statuses in
// the clinician's words, and the trend as an SVG line. No locale is read
// (WebKitGTK's may be "C"): month names are Folio's own.

import type { QualityMeasure, QualityPoint, QualityStatus } from './types';

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** rateText is a rate as the dashboard shows it: "72.4 %", or "—" when no one is counted. */
export function rateText(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(1)} %`;
}

/** monthLabel writes "2026-11" as "Nov 2026". */
export function monthLabel(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return `${monthNames[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** statusLabel says a status as the measure means it: the numerator of an
 * inverse measure is the poor outcome. */
export function statusLabel(m: Pick<QualityMeasure, 'inverse'>, status: QualityStatus): string {
  switch (status) {
    case 'met':
      return m.inverse ? 'Poor control' : 'Met';
    case 'not_met':
      return m.inverse ? 'Controlled' : 'Not met';
    case 'excluded':
      return 'Excluded';
    default:
      return 'Everyone';
  }
}

/** good says whether a status is the outcome the clinic wants. */
export function good(m: Pick<QualityMeasure, 'inverse'>, status: QualityStatus): boolean {
  return m.inverse ? status === 'not_met' : status === 'met';
}

/** sparkline is the trend as an SVG polyline's points in a width × height
 * box (rates 0-100 bottom to top); a month with no one counted breaks the
 * line, so it gives one run of points per stretch of counted months. */
export function sparkline(points: QualityPoint[], width: number, height: number): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  points.forEach((p, i) => {
    if (p.rate === null) {
      if (run.length) runs.push(run.join(' '));
      run = [];
      return;
    }
    const x = Math.round(i * step * 10) / 10;
    const y = Math.round((height - (p.rate / 100) * height) * 10) / 10;
    run.push(`${x},${y}`);
  });
  if (run.length) runs.push(run.join(' '));
  return runs;
}
