// Home readings in words, and the first guesses of the mapping step (no
// state, no calls: see stores/readings.svelte.ts).

import type { HomeReading, ReadingSpec } from './types';

/** A mapping with nothing chosen yet, for the Other CSV step. */
export function blankSpec(delimiter = ','): ReadingSpec {
  return {
    delimiter, header: true, dateColumn: 0, dateLayout: 'YYYY-MM-DD', timeColumn: 0, systolic: 0, diastolic: 0,
    pulse: 0, weight: 0, weightUnit: 'kg', spo2: 0, glucose: 0, glucoseUnit: 'mg/dL', glucoseContext: 0, comment: 0,
    device: '',
  };
}

/** guessDelimiter is the header's likely delimiter. */
export function guessDelimiter(text: string): string {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const count = (d: string) => header.split(d).length - 1;
  return [';', '\t'].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
}

/** readingValue says a reading's values in words: "128/82 mmHg, pulse 66". */
export function readingValue(r: HomeReading): string {
  const n = (v: number | null, d = 0) => (v === null ? '' : Number(v.toFixed(d)).toString());
  switch (r.kind) {
    case 'bp':
      return `${n(r.systolic)}/${n(r.diastolic)} mmHg` + (r.pulse !== null ? `, pulse ${n(r.pulse)}` : '');
    case 'weight':
      return `${n(r.weightKg, 1)} kg`;
    case 'pulse':
      return `${n(r.pulse)} /min`;
    case 'spo2':
      return `${n(r.spo2)} %` + (r.pulse !== null ? `, pulse ${n(r.pulse)}` : '');
    case 'glucose':
      return `${n(r.glucoseMgDl)} mg/dL` + (r.glucoseContext ? ` (${r.glucoseContext})` : '');
  }
  return '';
}

export const kindLabel: Record<string, string> = {
  bp: 'Blood pressure', weight: 'Weight', pulse: 'Pulse', spo2: 'SpO2', glucose: 'Glucose',
};

