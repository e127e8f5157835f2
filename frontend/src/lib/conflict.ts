// A save refused because someone else saved the same record first: the
// form reads the record again, shows what the other person changed next to
// what this person typed, and asks whose changes stay (Editable's
// conflict, shown by SaveConflict.svelte). Nothing is overwritten quietly
// and nothing typed is lost while it asks.

import type { Editable, RecordMeta } from './editable.svelte';
import type { FormState } from './form.svelte';
import { toFolioError } from './errors';
import { dateTime } from './format';

/** A form's record as it is saved now, read again after a refused save:
 * its values as the form holds them, its version and who saved it, or
 * removed: the sentence saying it is gone (see removedSentence). */
export interface Current<T> {
  value: T;
  meta: RecordMeta;
  removed?: string;
  /** Whether it is another record than the one the save was for (a
   * renewal made elsewhere, which the form now acts on): its version is
   * not comparable. */
  moved?: boolean;
}

/** What a form says while a conflict waits for an answer. */
export const answerFirst = 'Someone else changed this meanwhile: choose whose changes stay first.';

/**
 * saveAsking saves a form through f with call, which must save at
 * edit.version. When Folio refuses it because the record changed since
 * the form read it, current reads the record again and the form's conflict
 * opens (or, the record being gone, says so); it answers whether the save
 * was made.
 */
export async function saveAsking<T extends object>(f: FormState, edit: Editable<T>, call: () => Promise<unknown>,
  current: () => Promise<Current<T>>): Promise<boolean> {
  if (edit.conflict) {
    f.message = edit.conflict.removed || answerFirst;
    return false;
  }
  const key = edit.key;
  const answers = edit.answers;
  const version = edit.version;
  const sentBase = JSON.parse(JSON.stringify(edit.base)) as T;
  if (await f.submit(call)) return true;
  const failure = f.failure;
  // A refusal of another kind (or alerts to answer, which come as a
  // conflict too) stays the form's message.
  if (failure?.kind !== 'conflict' || failure.alerts.length) return false;
  try {
    const now = await current();
    if (edit.key !== key) return false; // the form moved on to another record meanwhile
    if (edit.answers !== answers) {
      // The person already answered this change (it reached the form live
      // while the save was on its way): asking again would undo that.
      f.message = '';
      return false;
    }
    if (now.removed) {
      edit.removed(now.removed);
    } else if (now.meta.version === version && !now.moved) {
      return false; // not changed since: the refusal was for another reason, and says it
    } else {
      edit.conflicted(now.value, now.meta, sentBase);
    }
    f.message = '';
  } catch (err) {
    f.message = `${failure.message} ${toFolioError(err).message}`;
  }
  return false;
}

/** byWhom says who changed a record and when, for a sentence: " by Dr
 * Lee at 2026-03-10 10:02", or less as less is known. */
export function byWhom(by: string, at: string): string {
  const when = at ? dateTime(at) : '';
  return `${by ? ` by ${by}` : ''}${when ? ` at ${when}` : ''}`;
}

/** removedSentence says a record is gone and the person's change was not
 * saved: "Dr Lee retracted this allergy at 10:02: your change was not
 * saved." what is "retracted this allergy", "cancelled this appointment". */
export function removedSentence(what: string, by: string, at: string): string {
  const who = by || 'Someone else';
  const when = at ? ` at ${dateTime(at)}` : '';
  return `${who} ${what}${when}: your change was not saved.`;
}
