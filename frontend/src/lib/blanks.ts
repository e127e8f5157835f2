// Template blanks: the places a template leaves for the clinician to fill.
// A blank is a run of underscores standing alone ("_", "___"), not inside a
// word (snake_case is not a blank); blanks joined by slashes are one blank,
// so a blood pressure's "_/_" is filled (or waived) as one. Go refuses to
// sign a note with a blank left (app/note_blanks.go, the same rules); the
// visit screen shows each with Fill (select it) and Waive (the marker).

/** The marker a waived blank becomes. */
export const waivedBlank = '[not assessed]';

/** A blank of a text: where it is (start, end), its line from 1, and the
 * words before it in its clause that say what it asks ("BP _/_"). */
export interface Blank {
  start: number;
  end: number;
  line: number;
  label: string;
}

const wordChar = /[\p{L}\p{N}_]/u;

/** blanksIn finds text's blanks in order. */
export function blanksIn(text: string): Blank[] {
  const out: Blank[] = [];
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\n') {
      line++;
      lineStart = ++i;
      continue;
    }
    const end = blankEnd(text, i);
    if (end === i) {
      i++;
      continue;
    }
    out.push({ start: i, end, line, label: blankLabel(text.slice(lineStart, i), text.slice(i, end)) });
    i = end;
  }
  return out;
}

function blankEnd(text: string, i: number): number {
  if (text[i] !== '_' || (i > 0 && wordChar.test(text[i - 1]))) return i;
  let j = i;
  while (j < text.length && text[j] === '_') j++;
  while (j + 1 < text.length && text[j] === '/' && text[j + 1] === '_') {
    j++;
    while (j < text.length && text[j] === '_') j++;
  }
  if (j < text.length && wordChar.test(text[j])) return i;
  return j;
}

function blankLabel(before: string, blank: string): string {
  const cut = Math.max(...[...'.,;!?()'].map((c) => before.lastIndexOf(c)));
  const words = before.slice(cut + 1).split(/\s+/).filter(Boolean).slice(-3);
  return words.length ? `${words.join(' ')} ${blank}` : blank;
}

/** waive replaces the blank at [start, end) of text with the marker. */
export function waive(text: string, b: Pick<Blank, 'start' | 'end'>): string {
  return text.slice(0, b.start) + waivedBlank + text.slice(b.end);
}
