// Vitals in one line for a note ("BP 128/82, HR 72, T 36.8 °C, Wt 84.1 kg,
// BMI 27.4, SpO2 98%"), in the units the clinic reads them in, and the
// units' names as people write them (°C, not C).

import type { Measurement, VitalsSet } from './types';

/** unitWords writes a unit as on paper: C and F are degrees. */
export function unitWords(unit: string): string {
  if (unit === 'C') return '°C';
  if (unit === 'F') return '°F';
  return unit;
}

/** The line written when the visit has no vitals. */
export const noVitalsLine = 'No vitals recorded at this visit.';

const parts: { key: keyof VitalsSet; label: string; unit: (m: Measurement) => string }[] = [
  { key: 'pulse', label: 'HR', unit: () => '' },
  { key: 'respRate', label: 'RR', unit: () => '' },
  { key: 'temperature', label: 'T', unit: (m) => ` ${unitWords(m.displayUnit)}` },
  { key: 'weight', label: 'Wt', unit: (m) => ` ${m.displayUnit}` },
  { key: 'height', label: 'Ht', unit: (m) => ` ${m.displayUnit}` },
  { key: 'bmi', label: 'BMI', unit: () => '' },
  { key: 'spo2', label: 'SpO2', unit: () => '%' },
  { key: 'pain', label: 'Pain', unit: () => '/10' },
  { key: 'headCircumference', label: 'HC', unit: (m) => ` ${m.displayUnit}` },
];

/** vitalsLine writes the vitals taken at a visit in one line: of each
 * measure its latest value among the visit's sets in force (a weight taken
 * at check-in and a blood pressure rechecked later both count). */
export function vitalsLine(sets: VitalsSet[], encounterId: string): string {
  const visit = sets
    .filter((v) => v.encounterId === encounterId && v.status !== 'entered_in_error')
    .sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  const latest = (key: keyof VitalsSet) => visit.find((v) => v[key])?.[key] as Measurement | null | undefined;
  const out: string[] = [];
  const bp = visit.find((v) => v.systolic && v.diastolic);
  if (bp) out.push(`BP ${bp.systolic!.display}/${bp.diastolic!.display}`);
  for (const p of parts) {
    const m = latest(p.key);
    if (m) out.push(`${p.label} ${m.display}${p.unit(m)}`);
  }
  return out.length ? out.join(', ') : noVitalsLine;
}
