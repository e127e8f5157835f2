// Drafts: what a person typed into a form and has not saved yet, kept per
// signed-in user, form and record, so that a lock, a lost connection or a
// reload loses nothing. They live in memory and in the browser's
// localStorage (the desktop window has one too); a draft is gone once its
// form is saved or discarded. Another user signing in at the same PC never
// sees them: every key starts with the user's id, and nothing is read while
// nobody is signed in.

/** A draft: the form's values when last changed, and the values they were
 * edited from (the record as loaded), so that a newer record that arrives
 * later is merged field by field (see Editable). */
export interface Draft<T = unknown> {
  /** When it was last changed, in ms since 1970. */
  at: number;
  base: T;
  value: T;
}

/** How long an untouched draft is kept: a month, then it is let go. */
export const keepDraftsFor = 30 * 24 * 3600_000;

const prefix = 'folio.draft:';

export class DraftStore {
  #memory = new Map<string, Draft>();
  #storage: Storage | null;
  #owner = '';

  constructor(storage: Storage | null) {
    this.#storage = storage;
  }

  /** owner is the signed-in user's id, '' while nobody is. */
  get owner(): string {
    return this.#owner;
  }

  set owner(userId: string) {
    if (userId === this.#owner) return;
    this.#owner = userId;
    this.#memory.clear();
    if (userId) this.prune();
  }

  #key(form: string, record: string) {
    return `${prefix}${this.#owner}:${form}:${record}`;
  }

  get<T>(form: string, record: string, now = Date.now()): Draft<T> | null {
    if (!this.#owner) return null;
    const key = this.#key(form, record);
    let d = this.#memory.get(key) ?? null;
    if (!d && this.#storage) {
      try {
        const text = this.#storage.getItem(key);
        d = text ? (JSON.parse(text) as Draft) : null;
      } catch {
        d = null;
      }
    }
    if (d && now - d.at > keepDraftsFor) {
      this.remove(form, record);
      return null;
    }
    return d as Draft<T> | null;
  }

  put<T>(form: string, record: string, draft: Draft<T>) {
    if (!this.#owner) return;
    const key = this.#key(form, record);
    this.#memory.set(key, draft);
    try {
      this.#storage?.setItem(key, JSON.stringify(draft));
    } catch {
      // Full or refused (a private window): memory still keeps it for this window.
    }
  }

  remove(form: string, record: string) {
    if (!this.#owner) return;
    const key = this.#key(form, record);
    this.#memory.delete(key);
    try {
      this.#storage?.removeItem(key);
    } catch {
      // Nothing more to do: the memory copy is gone.
    }
  }

  #added = new Set<(form: string, record: string, sent: unknown, from: object) => void>();

  /**
   * added tells every form of the same name and record that values were
   * saved as a new record from one of them (from). A save kept while the
   * host was away can be answered after its form was gone and the screen
   * made again (a sign-in), with a new form that restored the same values
   * from the draft: that form must not offer them to be saved a second time.
   */
  added(form: string, record: string, sent: unknown, from: object) {
    this.#added.forEach((fn) => fn(form, record, sent, from));
  }

  /** onAdded hears added; it answers the function that stops it. */
  onAdded(fn: (form: string, record: string, sent: unknown, from: object) => void): () => void {
    this.#added.add(fn);
    return () => this.#added.delete(fn);
  }

  /** prune lets go of every user's drafts older than keepDraftsFor. */
  prune(now = Date.now()) {
    const s = this.#storage;
    if (!s) return;
    try {
      const old: string[] = [];
      for (let i = 0; i < s.length; i++) {
        const key = s.key(i);
        if (!key?.startsWith(prefix)) continue;
        try {
          const d = JSON.parse(s.getItem(key) ?? '') as Draft;
          if (!(now - d.at <= keepDraftsFor)) old.push(key);
        } catch {
          old.push(key);
        }
      }
      old.forEach((key) => s.removeItem(key));
    } catch {
      // Storage refused: there is nothing kept there to prune.
    }
  }
}

function browserStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export const drafts = new DraftStore(browserStorage());
