// The desktop window's WebKit takes navigator.language from the POSIX locale,
// and on a PC whose session has none set (a bare kiosk login, or Xvfb) that is
// "C": not a language tag, so every Intl call handed it throws. uPlot builds
// its number format from navigator.language when it loads, and failed there.

/** usableLanguage is tag when Intl accepts it, else the fallback. */
export function usableLanguage(tag: string | undefined, fallback = 'en-US'): string {
  // "POSIX" even passes as a tag (a five-letter language subtag) but names none.
  if (!tag || /^(c|posix)([._@].*)?$/i.test(tag)) return fallback;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? fallback;
  } catch {
    return fallback;
  }
}

/** repairNavigatorLanguage makes navigator.language (and languages) a tag
 * Intl accepts, so libraries that read it work in any locale. */
export function repairNavigatorLanguage(nav: Navigator = navigator): void {
  const usable = usableLanguage(nav.language);
  if (usable === nav.language) return;
  const languages = [usable, ...(nav.languages ?? []).map((l) => usableLanguage(l, '')).filter((l) => l && l !== usable)];
  Object.defineProperty(nav, 'language', { value: usable, configurable: true });
  Object.defineProperty(nav, 'languages', { value: Object.freeze(languages), configurable: true });
}
