// The monitoring store: a late answer for a chart no longer open is
// dropped, and home readings become a vitals chart's points in its unit.
import { describe, expect, it, vi } from 'vitest';
import type { HomeReading, HomeReadingsSummary, MonitoringProgram } from '../types';

const h = vi.hoisted(() => {
  const reads: { id: string; answer: (v: unknown) => void }[] = [];
  return {
    reads,
    api: {
      onError: () => () => {},
      sent: () => 0,
      background: async <T>(f: () => T | Promise<T>): Promise<T> => f(),
      host: { state: 'up', kept: 0, onChange: () => () => {}, onKept: () => () => {}, signedIn: async () => {} },
      subscribe: () => () => {},
      chart: {
        monitoring: vi.fn((id: string) => new Promise((answer) => reads.push({ id, answer }))),
        homeReadingsSummary: vi.fn(async () => null),
      },
    },
  };
});
vi.mock('../api', () => ({ api: h.api }));

const { monitoring } = await import('./monitoring.svelte');

const program = (n: number): MonitoringProgram => ({
  active: null, enrolments: [], periods: [], months: [], reviews: [], newReadings: n, daysSource: '', minutesSource: '',
  daysNeeded: 16, minutesNeeded: 20,
});

const reading = (r: Partial<HomeReading>): HomeReading => ({
  id: 'r', patientId: 'p', takenAt: '2026-11-02T07:00:00Z', takenLocal: '2026-11-02T08:00', kind: 'bp', systolic: null,
  diastolic: null, pulse: null, weightKg: null, spo2: null, glucoseMgDl: null, glucoseContext: '', source: 'file',
  importId: '', tokenId: '', device: '', comment: '', codes: '[]', status: 'final', retractReason: '', version: 1,
  createdAt: '', createdBy: '', flag: '', day: '2026-11-02', period: 'morning', ...r,
});

describe('monitoring store', () => {
  it('drops the answer for a chart opened before another', async () => {
    const first = monitoring.load('p1');
    const second = monitoring.load('p2');
    const [a, b] = h.reads.splice(0);
    b.answer(program(2));
    await second;
    a.answer(program(1));
    await first;
    expect(monitoring.patientId).toBe('p2');
    expect(monitoring.program?.newReadings).toBe(2);
  });

  it("gives a vitals chart the home readings of its measure, in the clinic's unit", () => {
    monitoring.home = {
      enrolment: null, last7: {} as HomeReadingsSummary['last7'], last30: {} as HomeReadingsSummary['last30'], periodsDefined: '',
      count: 2,
      readings: [
        reading({ id: 'bp', kind: 'bp', systolic: 141, diastolic: 88, pulse: 70 }),
        reading({ id: 'w', kind: 'weight', weightKg: 80 }),
      ],
    };
    expect(monitoring.homePoints('bp', 'mmHg')).toEqual([{ at: '2026-11-02T07:00:00Z', value: 141, value2: 88, flag: '' }]);
    expect(monitoring.homePoints('weight', 'lb')).toEqual([{ at: '2026-11-02T07:00:00Z', value: 176.4, value2: undefined, flag: '' }]);
    expect(monitoring.homePoints('pulse', '/min').map((p) => p.value)).toEqual([70]);
    expect(monitoring.homePoints('temp', 'C')).toEqual([]);
  });
});
