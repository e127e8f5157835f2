// The calendar each person last chose (day or week, the whole clinic or
// one clinician), kept per user in this PC's localStorage as drafts are
// (drafts.ts): every key starts with the user's id, so another person
// signing in at the same PC gets their own.

export type CalendarView = 'day' | 'week';

/** The calendar a person last chose, so that each opens it the way they work. */
export interface CalendarChoice {
  view: CalendarView;
  clinicianId: string;
}

const choiceKey = (userId: string) => `folio.calendar:${userId}`;

/** The calendar opens on today's day with a column per clinician, unless
 * the person chose otherwise before. */
export const defaultChoice: CalendarChoice = { view: 'day', clinicianId: '' };

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readChoice(userId: string, store: Storage | null = storage()): CalendarChoice {
  try {
    const c = JSON.parse(store?.getItem(choiceKey(userId)) ?? 'null') as Partial<CalendarChoice> | null;
    if (c && (c.view === 'day' || c.view === 'week')) return { view: c.view, clinicianId: String(c.clinicianId ?? '') };
  } catch {
    // A choice that cannot be read is no choice: the default.
  }
  return { ...defaultChoice };
}

export function keepChoice(userId: string, c: CalendarChoice, store: Storage | null = storage()) {
  try {
    store?.setItem(choiceKey(userId), JSON.stringify(c));
  } catch {
    // A full or refused storage only forgets the choice.
  }
}
