import { describe, expect, it } from 'vitest';
import { followUpFromPlan } from './followup';

describe('followUpFromPlan', () => {
  it.each([
    ['Amlodipine 5 mg. See in 3 months.', '3 months'],
    ['f/u 2 wks with BP log', '2 weeks'],
    ['RTC 6 weeks', '6 weeks'],
    ['Follow-up in 1 year for review', '1 year'],
    ['Recheck potassium in 10 days', '10 days'],
    ['return in 1 mo', '1 month'],
    ['Metformin 500 mg twice a day for 3 months', ''],
    ['See above.', ''],
    ['', ''],
  ])('%s', (plan, want) => {
    expect(followUpFromPlan(plan)).toBe(want);
  });
});
