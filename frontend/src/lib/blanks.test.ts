import { describe, expect, it } from 'vitest';
import { blanksIn, waive, waivedBlank } from './blanks';

describe('blanksIn', () => {
  const cases: { text: string; want: { label: string; line: number; blank: string }[] }[] = [
    { text: 'BP _/_ sitting.', want: [{ label: 'BP _/_', line: 1, blank: '_/_' }] },
    {
      text: 'Alert.\nBP _/_\nTemp 36.8\nWeight ___',
      want: [
        { label: 'BP _/_', line: 2, blank: '_/_' },
        { label: 'Weight ___', line: 4, blank: '___' },
      ],
    },
    { text: 'Cough, sore throat and runny nose for _ days.', want: [{ label: 'runny nose for _', line: 1, blank: '_' }] },
    { text: '_ controlled.', want: [{ label: '_', line: 1, blank: '_' }] },
    { text: 'BP _/_ (repeat _/_).', want: [{ label: 'BP _/_', line: 1, blank: '_/_' }, { label: 'repeat _/_', line: 1, blank: '_/_' }] },
    { text: 'sent file_name.pdf and __init__ logs', want: [] },
    { text: 'BP 128/82. Weight [not assessed].', want: [] },
    { text: 'Pain ___/10', want: [{ label: 'Pain ___', line: 1, blank: '___' }] },
  ];
  for (const tc of cases) {
    it(JSON.stringify(tc.text), () => {
      const got = blanksIn(tc.text);
      expect(got.map((b) => ({ label: b.label, line: b.line, blank: tc.text.slice(b.start, b.end) }))).toEqual(tc.want);
    });
  }
});

describe('waive', () => {
  it('replaces one blank with the marker and leaves the others', () => {
    const text = 'BP _/_\nWeight ___';
    const [bp] = blanksIn(text);
    const waived = waive(text, bp);
    expect(waived).toBe(`BP ${waivedBlank}\nWeight ___`);
    expect(blanksIn(waived).map((b) => b.label)).toEqual(['Weight ___']);
  });
});
