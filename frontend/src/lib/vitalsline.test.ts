import { describe, expect, it } from 'vitest';
import { noVitalsLine, unitWords, vitalsLine } from './vitalsline';
import type { Measurement, VitalsSet } from './types';

const m = (display: number, displayUnit = ''): Measurement => ({
  value: display, unit: displayUnit, display, displayUnit, flag: '', critical: false,
});

function set(over: Partial<VitalsSet>): VitalsSet {
  return {
    id: 'v', patientId: 'p', takenAt: '2026-12-07T10:00:00Z', encounterId: 'e1', height: null, weight: null, bmi: null,
    systolic: null, diastolic: null, pulse: null, respRate: null, temperature: null, spo2: null, pain: null,
    ranges: 'adult', status: 'final', retractReason: '', version: 1, createdAt: '', updatedAt: '', ...over,
  } as VitalsSet;
}

describe('vitalsLine', () => {
  const full = set({
    systolic: m(128, 'mmHg'), diastolic: m(82, 'mmHg'), pulse: m(72, '/min'), temperature: m(36.8, 'C'),
    weight: m(84.1, 'kg'), bmi: m(27.4, 'kg/m2'), spo2: m(98, '%'),
  });
  const cases: { name: string; sets: VitalsSet[]; want: string }[] = [
    { name: 'a full set', sets: [full], want: 'BP 128/82, HR 72, T 36.8 °C, Wt 84.1 kg, BMI 27.4, SpO2 98%' },
    { name: 'Fahrenheit and pounds as the clinic reads them',
      sets: [set({ temperature: m(98.2, 'F'), weight: m(185.4, 'lb') })], want: 'T 98.2 °F, Wt 185.4 lb' },
    { name: 'none at this visit', sets: [set({ encounterId: 'other', pulse: m(80) })], want: noVitalsLine },
    { name: 'nothing at all', sets: [], want: noVitalsLine },
    { name: 'a retracted set does not count',
      sets: [set({ pulse: m(120), status: 'entered_in_error' }), set({ pulse: m(70), takenAt: '2026-12-07T09:00:00Z' })],
      want: 'HR 70' },
    { name: 'each measure its latest at the visit',
      sets: [set({ systolic: m(150), diastolic: m(95), weight: m(84.1, 'kg'), takenAt: '2026-12-07T09:00:00Z' }),
        set({ systolic: m(138), diastolic: m(88), takenAt: '2026-12-07T09:20:00Z' })],
      want: 'BP 138/88, Wt 84.1 kg' },
  ];
  for (const tc of cases) it(tc.name, () => expect(vitalsLine(tc.sets, 'e1')).toBe(tc.want));
});

describe('unitWords', () => {
  it('writes degrees', () => {
    expect([unitWords('C'), unitWords('F'), unitWords('kg')]).toEqual(['°C', '°F', 'kg']);
  });
});
