import { describe, expect, it } from 'vitest';
import { expandAt, phraseIndex } from './quickphrase';
import type { QuickPhrase } from './types';

const phrase = (abbreviation: string, text: string, active = true): QuickPhrase => ({
  id: abbreviation, abbreviation, text, active, version: 1,
});

const index = phraseIndex([
  phrase('.sob', 'Short of breath on exertion'),
  phrase('.NAD', 'No acute distress.'),
  phrase('.old', 'retired wording', false),
]);

describe('expandAt', () => {
  const cases: { name: string; text: string; caret?: number; after?: string; want: string | null; caretAt?: number }[] = [
    { name: 'at the start', text: '.sob', want: 'Short of breath on exertion ' },
    { name: 'after words', text: 'Patient is .sob', want: 'Patient is Short of breath on exertion ' },
    { name: 'after a new line', text: 'HPI:\n.nad', want: 'HPI:\nNo acute distress. ' },
    { name: 'any case', text: '.Sob', want: 'Short of breath on exertion ' },
    { name: 'tab adds nothing', text: '.nad', after: '', want: 'No acute distress.' },
    {
      name: 'in the middle keeps the rest', text: 'a .sob b', caret: 6,
      want: 'a Short of breath on exertion  b', caretAt: 30,
    },
    { name: 'glued to a word', text: 'has.sob', want: null },
    { name: 'not a phrase', text: 'the .xyz', want: null },
    { name: 'a retired phrase', text: '.old', want: null },
    { name: 'after a space', text: '.sob ', want: null },
    { name: 'empty', text: '', want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = expandAt(c.text, c.caret ?? c.text.length, index, c.after ?? ' ');
      if (c.want === null) {
        expect(got).toBeNull();
        return;
      }
      expect(got?.text).toBe(c.want);
      expect(got?.caret).toBe(c.caretAt ?? c.want.length);
    });
  }

  it('does nothing without phrases', () => {
    expect(expandAt('.sob', 4, phraseIndex([]))).toBeNull();
  });
});
