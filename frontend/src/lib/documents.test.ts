import { describe, expect, it } from 'vitest';
import { base64ToBytes, kindLabel, saveOnly, shownAs, titleFromFileName, typeLabel } from './documents';

describe('titleFromFileName', () => {
  const cases: [string, string][] = [
    ['cardiology_referral.pdf', 'cardiology referral'],
    ['CBC-2026-03-01.PDF', 'CBC 2026 03 01'],
    ['wound photo.jpeg', 'wound photo'],
    ['noextension', 'noextension'],
  ];
  for (const [name, want] of cases) it(`${name} → ${want}`, () => expect(titleFromFileName(name)).toBe(want));
});

describe('labels', () => {
  it('names kinds and types as clinicians say them', () => {
    expect(kindLabel('discharge_summary')).toBe('Discharge summary');
    expect(kindLabel('image')).toBe('Photo / image');
    expect(typeLabel('application/pdf')).toBe('PDF');
    expect(typeLabel('image/jpeg')).toBe('JPEG');
  });
});

describe('base64ToBytes', () => {
  it('decodes every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const b64 = btoa(String.fromCharCode(...all));
    expect(Array.from(base64ToBytes(b64))).toEqual(Array.from(all));
  });
});

describe('shownAs', () => {
  it('shows only the types Go checks files as; anything else is saved, never rendered', () => {
    for (const t of ['application/pdf', 'image/png', 'image/jpeg', 'image/webp']) expect(shownAs(t)).toBe(t);
    for (const t of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/javascript', saveOnly, '', 'IMAGE/PNG', 'constructor'])
      expect(shownAs(t)).toBe(saveOnly);
  });
});
