// Quick phrases: a clinician types an abbreviation (".sob") and a space or
// tab, and the abbreviation becomes the clinic's phrase for it. Pure, so the
// textarea that uses it stays a thin shell.

import type { QuickPhrase } from './types';

/** Expansion is the text after expanding, and where the caret goes. */
export interface Expansion {
  text: string;
  caret: number;
}

/** phraseIndex maps each active phrase's abbreviation, lower-cased, to its
 * text: abbreviations are matched regardless of case, as Go stores them. */
export function phraseIndex(phrases: QuickPhrase[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const p of phrases) if (p.active) index.set(p.abbreviation.toLowerCase(), p.text);
  return index;
}

/** expandAt expands the word that ends at caret in text, if it is an
 * abbreviation, and appends after (the space typed, or '' for a tab). The
 * word must stand alone: at the start or after white space, so "has.sob"
 * stays as typed. Null when there is nothing to expand. */
export function expandAt(text: string, caret: number, index: Map<string, string>, after = ' '): Expansion | null {
  if (caret < 0 || caret > text.length || index.size === 0) return null;
  let start = caret;
  while (start > 0 && !/\s/.test(text[start - 1])) start--;
  if (start === caret) return null;
  const phrase = index.get(text.slice(start, caret).toLowerCase());
  if (phrase === undefined) return null;
  const inserted = phrase + after;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}
