import { describe, expect, it } from 'vitest';
import { repairNavigatorLanguage, usableLanguage } from './locale';

describe('usableLanguage', () => {
  it.each([
    ['en-US', 'en-US'],
    ['de-de', 'de-DE'],
    ['C', 'en-US'],
    ['POSIX', 'en-US'],
    ['', 'en-US'],
    [undefined, 'en-US'],
    ['en_US', 'en-US'],
    ['C.UTF-8', 'en-US'],
  ])('%s -> %s', (tag, want) => {
    expect(usableLanguage(tag)).toBe(want);
  });
});

describe('repairNavigatorLanguage', () => {
  it('replaces the POSIX locale so Intl accepts navigator.language', () => {
    const nav = { language: 'C', languages: ['C', 'fr-FR'] } as unknown as Navigator;
    expect(() => new Intl.NumberFormat(nav.language)).toThrow();
    repairNavigatorLanguage(nav);
    expect(nav.language).toBe('en-US');
    expect(nav.languages).toEqual(['en-US', 'fr-FR']);
    expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  });

  it('leaves a real language alone', () => {
    const nav = { language: 'pt-BR', languages: ['pt-BR'] } as unknown as Navigator;
    repairNavigatorLanguage(nav);
    expect(nav.language).toBe('pt-BR');
  });
});
