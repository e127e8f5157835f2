// Editable is what a form owns that the person types: the values shown,
// the record they were loaded from, and which of them the person changed.
// Forms own what the user typed (STYLE.md 13): a record that arrives after
// the person started typing fills only the fields they have not touched, an
// answer for an earlier record (another patient, clinician or visit) or an
// older request is dropped, and `loaded` tells the screen when Save may be
// offered. With a draft name it also keeps what is typed in the per-user
// draft store (drafts.ts), so a lock, a lost connection or a reload loses
// nothing: the form opens with the draft restored (`restoredAt`) until it is
// saved or discarded.

import { untrack } from 'svelte';
import { drafts } from './drafts';

/** Equal says whether two field values are the same for this form. */
export type Equal = (a: unknown, b: unknown) => boolean;

const strict: Equal = (a, b) => a === b;

/** trailingSpaceEqual treats texts as equal when they differ only in
 * trailing white space, as Go trims a note's text when it saves it: the
 * saved copy coming back is then not a change from elsewhere. */
export const trailingSpaceEqual: Equal = (a, b) =>
  typeof a === 'string' && typeof b === 'string' ? a.trimEnd() === b.trimEnd() : a === b;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** same compares plain values (objects key by key, arrays item by item),
 * leaves with eq. */
export function same(a: unknown, b: unknown, eq: Equal = strict): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i], eq));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k], eq)) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b) || isRecord(a) || isRecord(b)) return false;
  return eq(a, b);
}

/**
 * merge3 is what the person's values (mine) become when a newer record
 * (incoming) arrives for values they edited from base: objects field by
 * field; in each field the person's change wins, an untouched field takes
 * what arrived. A field both changed, differently, keeps the person's value
 * and its path is added to clashes. Arrays are one field.
 */
export function merge3(base: unknown, mine: unknown, incoming: unknown, eq: Equal = strict, clashes: string[] = [],
  path = ''): unknown {
  if (isRecord(mine) && isRecord(incoming)) {
    const b = isRecord(base) ? base : {};
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(mine), ...Object.keys(incoming)])) {
      out[k] = merge3(b[k], mine[k], incoming[k], eq, clashes, path ? `${path}.${k}` : k);
    }
    return out;
  }
  if (same(incoming, base, eq)) return mine; // nothing new for this field
  if (same(mine, base, eq)) return incoming; // untouched: take what arrived
  if (!same(mine, incoming, eq)) clashes.push(path);
  return mine;
}

function copy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export interface EditableOptions<T> {
  /** The form's name in the draft store; none: nothing is kept. */
  draft?: string;
  /** Fields never written to the draft store (passwords). */
  omit?: (keyof T)[];
  /** How two field values compare; strict equality unless given. */
  equal?: Equal;
}

export class Editable<T extends object> {
  /** What the form shows and the person edits; bind inputs to its fields. */
  value = $state<T>() as T;
  /** The record this form is for ('' for a form of no record, e.g. a new
   * patient); null until open. */
  key = $state<string | null>(null);
  /** Whether the record's saved values have arrived (Save waits for this). */
  loaded = $state(false);
  /** When the draft shown was typed (ms), if it was restored from the draft
   * store; 0 otherwise. */
  restoredAt = $state(0);
  /** The values as loaded (or saved) last: what the person edits from. */
  #base = $state.raw<T>() as T;
  #blank: () => T;
  #form: string;
  #omit: (keyof T)[];
  #eq: Equal = strict;
  #seq = 0;

  /** Whether the person changed anything from the record as loaded. */
  dirty = $derived(!same(this.value, this.#base, this.#eq));

  /**
   * blank gives the empty form. With a draft name the form keeps its draft
   * with an effect, so it must be made while a component is set up (or
   * inside $effect.root, for a store).
   */
  constructor(blank: () => T, opts: EditableOptions<T> = {}) {
    this.#blank = blank;
    this.#form = opts.draft ?? '';
    this.#omit = opts.omit ?? [];
    this.#eq = opts.equal ?? strict;
    this.value = blank();
    this.#base = blank();
    if (this.#form) {
      $effect(() => {
        const key = this.key;
        const value = $state.snapshot(this.value) as T;
        const base = this.#base;
        const dirty = this.dirty;
        untrack(() => this.#keep(key, dirty, base, value));
      });
    }
  }

  #keep(key: string | null, dirty: boolean, base: T, value: T) {
    if (key === null) return;
    if (!dirty) {
      // Back to the record as loaded: no draft is kept, nor said to be shown.
      drafts.remove(this.#form, key);
      this.restoredAt = 0;
      return;
    }
    // Omitted fields (passwords) are kept as in the blank form, in both.
    const blank = this.#blank() as Record<string, unknown>;
    const keptValue = { ...value } as Record<string, unknown>;
    const keptBase = { ...base } as Record<string, unknown>;
    for (const k of this.#omit as string[]) keptValue[k] = keptBase[k] = blank[k];
    drafts.put(this.#form, key, { at: Date.now(), base: keptBase as T, value: keptValue as T });
  }

  /** base is the record as loaded or saved last. */
  get base(): T {
    return this.#base;
  }

  /**
   * open makes this the form of record key. Another key than before starts
   * from the blank form (or the person's draft for that record, restored)
   * and drops every answer still on its way for the one before. loading
   * says the record's values are still to come (see load, fill).
   */
  open(key: string, loading = false) {
    if (key === this.key) return;
    this.#seq++;
    this.key = key;
    this.loaded = !loading;
    this.restoredAt = 0;
    this.value = this.#blank();
    this.#base = this.#blank();
    const d = this.#form ? drafts.get<T>(this.#form, key) : null;
    if (d) {
      this.#base = { ...this.#blank(), ...d.base };
      this.value = { ...this.#blank(), ...d.value };
      this.restoredAt = d.at;
    }
  }

  /** follow keeps a form with nothing to load (an add form) open for the
   * record key() names, as that changes; made while a component is set up. */
  follow(key: () => string) {
    $effect(() => {
      const k = key();
      untrack(() => this.open(k));
    });
  }

  /** close forgets the record (at sign-out): the form is blank and keeps
   * no draft until opened again. */
  close() {
    this.#seq++;
    this.key = null;
    this.loaded = false;
    this.restoredAt = 0;
    this.value = this.#blank();
    this.#base = this.#blank();
  }

  /**
   * load opens record key and reads its values with read; they fill the
   * form (see fill) unless another record was opened, or a later load
   * started, before they arrived. It answers whether they were used.
   */
  async load(key: string, read: () => Promise<T>): Promise<boolean> {
    this.open(key, true);
    const mine = ++this.#seq;
    const data = await read();
    if (mine !== this.#seq || this.key !== key) return false;
    this.fill(data);
    return true;
  }

  /** ticket is for a load the caller runs itself: still() says whether its
   * answer is still wanted (same record, no later ticket or load). */
  ticket(): () => boolean {
    const mine = ++this.#seq;
    const key = this.key;
    return () => mine === this.#seq && this.key === key;
  }

  /**
   * fill takes the record's values as they arrived: each field the person
   * has not changed shows them; a changed one keeps what the person typed.
   * It answers the fields that were also changed elsewhere, differently.
   */
  fill(data: T): string[] {
    const clashes: string[] = [];
    const incoming = copy(data);
    this.value = merge3(this.#base, $state.snapshot(this.value), incoming, this.#eq, clashes) as T;
    this.#base = incoming;
    this.loaded = true;
    return clashes;
  }

  /**
   * saved says the form's values sent were saved. Fields changed since
   * they were sent stay changed; with the record as Go answered it (result)
   * the untouched fields show that.
   */
  saved(sent: T, result?: T) {
    this.#base = copy(sent);
    if (result) this.fill(result);
    if (!this.#changed()) this.#forget();
  }

  /** reset shows data (the blank form unless given) as the record,
   * changed by nobody: after an add form is saved, or to replace it all. */
  reset(data?: T) {
    this.#seq++;
    this.value = data ? copy(data) : this.#blank();
    this.#base = data ? copy(data) : this.#blank();
    this.loaded = true;
    this.#forget();
  }

  /**
   * added says an add form's values sent were saved, so the form is ready
   * for the next entry: each field still as sent goes blank, while a field
   * the person changed while the save was on its way keeps what they typed
   * (reset would wipe it).
   */
  added(sent: T) {
    this.#seq++;
    this.#base = copy(sent);
    this.fill(this.#blank());
    if (!this.#changed()) this.#forget();
  }

  /** discard drops the person's changes: the record as loaded shows again. */
  discard() {
    this.value = copy(this.#base);
    this.#forget();
  }

  /** changed is dirty computed now: a save kept while the host was away
   * may be answered after its form's component is gone, when the derived
   * dirty no longer follows. */
  #changed(): boolean {
    return !same(this.value, this.#base, this.#eq);
  }

  /** forget lets the draft go now, not at the effect's next run: the form
   * may be about to close (a saved registration opens the new chart). */
  #forget() {
    this.restoredAt = 0;
    if (this.#form && this.key !== null) drafts.remove(this.#form, this.key);
  }

  /** edited says whether the person changed field k. */
  edited(k: keyof T): boolean {
    return !same(this.value[k], this.#base[k], this.#eq);
  }
}
