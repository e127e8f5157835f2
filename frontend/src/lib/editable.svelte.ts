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
import { merge3, mergeChoosing, mineFrom, same, strict, theirChanges, type Choice, type Equal, type TheirChange } from './threeway';

export { merge3, same, type Equal } from './threeway';

/** trailingSpaceEqual treats texts as equal when they differ only in
 * trailing white space, as Go trims a note's text when it saves it: the
 * saved copy coming back is then not a change from elsewhere. */
export const trailingSpaceEqual: Equal = (a, b) =>
  typeof a === 'string' && typeof b === 'string' ? a.trimEnd() === b.trimEnd() : a === b;

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
  /** Whether a field changed elsewhere that the person changed too, to
   * something else, stops the form until the person chooses (conflict),
   * rather than keeping the person's value quietly. */
  asks?: boolean;
}

/** Which version of a record the form has, and who saved it when. */
export interface RecordMeta {
  version?: number;
  /** Full name of who saved it ('' unknown). */
  by?: string;
  /** When (RFC 3339; '' unknown). */
  at?: string;
}

/**
 * Conflict is a record changed elsewhere while the person edited it: what
 * the other person changed, field by field, with what the person has, and
 * for fields both changed whose value stays. The person's values stay in
 * the form meanwhile. removed, when set, says the record is gone (retracted,
 * stopped, cancelled): the person's change is not saved, whatever they
 * choose.
 */
export interface Conflict {
  changes: TheirChange[];
  choices: Record<string, Choice>;
  by: string;
  at: string;
  removed: string;
  /** Whether a save was refused (rather than a newer record arriving while
   * the person typed). */
  refused: boolean;
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
  /** The version of the record the values were loaded from (see fill):
   * the version a save is made at. */
  version = $state(0);
  /** A change elsewhere the person must answer before saving, or null. */
  conflict = $state<Conflict | null>(null);
  /** The values as loaded (or saved) last: what the person edits from. */
  #base = $state.raw<T>() as T;
  /** While a conflict is open: the record as the person began editing it. */
  #edBase = $state.raw<T>() as T;
  #asks = false;
  #blank: () => T;
  #form: string;
  #omit: (keyof T)[];
  #eq: Equal = strict;
  #seq = 0;
  #answers = 0;

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
    this.#asks = opts.asks ?? false;
    this.value = blank();
    this.#base = blank();
    if (this.#form) {
      $effect(() => {
        const key = this.key;
        const value = $state.snapshot(this.value) as T;
        // While a conflict is open the draft keeps what the person edited
        // from, not the record as saved now: after a reload the record
        // arrives against it and asks again, rather than the person's
        // values quietly winning over the other person's.
        const open = this.conflict && !this.conflict.removed;
        const base = open ? this.#edBase : this.#base;
        const dirty = this.dirty;
        untrack(() => this.#keep(key, dirty, base, value));
      });
      // The same values saved from another form of this record (see
      // drafts.added): taken as this form's own save.
      $effect(() =>
        drafts.onAdded((form, record, sent, from) => {
          if (from !== this && form === this.#form && record === this.key) this.#tookAdded(sent as T);
        }),
      );
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
    this.conflict = null;
    this.version = 0;
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
    this.conflict = null;
    this.version = 0;
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
   * fill takes the record's values as they arrived (meta: its version and
   * who saved it): each field the person has not changed shows them; a
   * changed one keeps what the person typed. It answers the fields that
   * were also changed elsewhere, differently; with asks, those make a
   * conflict for the person to resolve (and a conflict already open takes
   * the newer record in).
   */
  fill(data: T, meta: RecordMeta = {}): string[] {
    const incoming = copy(data);
    const mine = $state.snapshot(this.value) as T;
    if (meta.version !== undefined && meta.version < this.version) return []; // older than what the form has
    if (this.conflict && !this.conflict.removed) {
      this.#raise(this.#edBase, incoming, meta, this.conflict.refused);
      return this.conflict.changes.filter((c) => c.both).map((c) => c.path);
    }
    const clashes: string[] = [];
    const merged = merge3(this.#base, mine, incoming, this.#eq, clashes) as T;
    if (clashes.length && this.#asks) {
      this.#raise(this.#base, incoming, meta, false);
      return clashes;
    }
    this.value = merged;
    this.#base = incoming;
    if (meta.version !== undefined) this.version = meta.version;
    this.loaded = true;
    return clashes;
  }

  /**
   * conflicted says a save was refused because the record changed
   * elsewhere, and gives it as it is now (current, with meta): the form
   * keeps what the person typed, takes what only the other person changed,
   * and the conflict lists the other person's changes against sentBase,
   * the values the refused save was edited from (base when it was sent).
   */
  conflicted(current: T, meta: RecordMeta, sentBase: T) {
    const edBase = this.conflict && !this.conflict.removed ? this.#edBase : copy(sentBase);
    this.#raise(edBase, copy(current), meta, true);
  }

  /** removed says the record was removed meanwhile (retracted, stopped,
   * cancelled; sentence says so, by whom and when): nothing the person
   * typed is saved, and the form shows it until the person closes it. */
  removed(sentence: string) {
    this.conflict = { changes: [], choices: {}, by: '', at: '', removed: sentence, refused: true };
  }

  /** #raise opens (or renews) a conflict: the person edited from edBase,
   * and theirs is the record saved now. */
  #raise(edBase: T, theirs: T, meta: RecordMeta, refused: boolean) {
    const mine = mineFrom(edBase, this.#base, $state.snapshot(this.value), this.#eq) as T;
    const changes = theirChanges(edBase, mine, theirs, this.#eq);
    const before = this.conflict?.choices ?? {};
    const choices: Record<string, Choice> = {};
    for (const c of changes) if (c.both) choices[c.path] = before[c.path] ?? 'mine';
    this.#edBase = edBase;
    this.value = mergeChoosing(edBase, mine, theirs, choices, this.#eq) as T;
    this.#base = theirs;
    if (meta.version !== undefined) this.version = meta.version;
    this.loaded = true;
    this.conflict = { changes, choices, by: meta.by ?? '', at: meta.at ?? '', removed: '', refused };
  }

  /** choose says whose value stays in a field both changed. */
  choose(path: string, choice: Choice) {
    const c = this.conflict;
    if (!c || !(path in c.choices)) return;
    c.choices[path] = choice;
  }

  /**
   * keepMine ends a conflict with the person's values over the record as
   * saved now: fields only the other person changed keep theirs, fields both
   * changed keep whose the person chose. The form is then to be saved again,
   * at version.
   */
  keepMine() {
    const c = this.conflict;
    if (!c || c.removed) return;
    const mine = mineFrom(this.#edBase, this.#base, $state.snapshot(this.value), this.#eq);
    this.value = mergeChoosing(this.#edBase, mine, this.#base, $state.snapshot(c.choices), this.#eq) as T;
    this.conflict = null;
    this.#answers++;
  }

  /** useTheirs ends a conflict by dropping the person's changes: the
   * record as saved now shows (see discard). */
  useTheirs() {
    this.discard();
  }

  /**
   * saved says the form's values sent were saved. Fields changed since
   * they were sent stay changed; with the record as Go answered it (result)
   * the untouched fields show that.
   */
  saved(sent: T, result?: T, meta: RecordMeta = {}) {
    this.conflict = null;
    this.#base = copy(sent);
    if (meta.version !== undefined) this.version = meta.version;
    if (result) this.fill(result, meta);
    if (!this.#changed()) this.#forget();
  }

  /** reset shows data (the blank form unless given) as the record,
   * changed by nobody: after an add form is saved, or to replace it all. */
  reset(data?: T, meta: RecordMeta = {}) {
    this.#seq++;
    this.conflict = null;
    this.version = meta.version ?? 0;
    this.value = data ? copy(data) : this.#blank();
    this.#base = data ? copy(data) : this.#blank();
    this.loaded = true;
    this.#forget();
  }

  /**
   * added says an add form's values sent were saved, so the form is ready
   * for the next entry: each field still as sent goes blank, while a field
   * the person changed while the save was on its way keeps what they typed
   * (reset would wipe it). sent is best taken with sending, which knows
   * the record it was for.
   */
  added(sent: T) {
    // The record the values were typed for: the form may show another by
    // now (a save kept while the host was away is answered after a sign-in
    // opened the screen again).
    const key = this.#sentFor.get(sent) ?? this.key;
    if (key === this.key) {
      this.#tookAdded(sent);
    } else if (this.#form && key !== null) {
      const d = drafts.get<T>(this.#form, key);
      if (d && same(d.value, sent, this.#eq)) drafts.remove(this.#form, key);
    }
    if (this.#form && key !== null) drafts.added(this.#form, key, copy(sent), this);
  }

  /** sending is the form's values as they are sent, for added: it
   * remembers the record they were typed for. */
  sending(): T {
    const sent = copy($state.snapshot(this.value) as T);
    if (this.key !== null) this.#sentFor.set(sent, this.key);
    return sent;
  }

  #sentFor = new WeakMap<object, string>();

  #tookAdded(sent: T) {
    this.#seq++;
    this.conflict = null;
    this.#base = copy(sent);
    this.fill(this.#blank());
    if (!this.#changed()) this.#forget();
  }

  /** discard drops the person's changes: the record as loaded shows again. */
  discard() {
    this.conflict = null;
    this.value = copy(this.#base);
    this.#answers++;
    this.#forget();
  }

  /** answers counts the person's answers to this form's changes (Keep
   * mine, Use theirs, discard): a save's refusal read again after one came
   * is no longer the person's question (see saveAsking). */
  get answers(): number {
    return this.#answers;
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
