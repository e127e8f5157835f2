// Live updates: Go tells every open screen what others changed (a topic,
// perhaps a patient's id, never clinical content), and the stores read
// again what they show. NoticeHub hands notices to the stores that follow
// their topics, coalescing a burst into one re-read; Shown counts the
// screens that show a store's view, so that nothing is read (and audited
// as read) for a screen nobody has open.

/** A change notice, as Go's feed.Notice. */
export interface Notice {
  seq: number;
  topic: Topic;
  /** The kind of record changed: 'allergy', 'vitals', 'appointment', ... */
  record?: string;
  patientId?: string;
  date?: string;
  at: string;
  id: string;
}

export type Topic = 'patients' | 'schedule' | 'chart' | 'lists' | 'imports' | 'users' | 'settings' | 'resync';

/** How the stream of notices stands: 'off' while nobody is signed in or
 * the screen is locked, 'connecting' until Go answers (and after a lost
 * connection, while it is tried again), 'live' while notices flow. */
export type LiveState = 'off' | 'connecting' | 'live';

/** How long notices are gathered before the stores read again: a booking
 * of a series, or a merge, sends several at once. */
export const coalesceMs = 150;

type Handler = (notices: Notice[]) => void;

interface Follower {
  topics: Set<Topic>;
  handler: Handler;
  pending: Notice[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class NoticeHub {
  #followers = new Set<Follower>();

  constructor(private wait = coalesceMs) {}

  /** on calls handler with the notices of topics heard within the
   * coalescing window, at most once per window. A resync notice reaches
   * every follower: it means "read everything you show again". */
  on(topics: Topic[], handler: Handler): () => void {
    const f: Follower = { topics: new Set(topics), handler, pending: [], timer: undefined };
    this.#followers.add(f);
    return () => {
      clearTimeout(f.timer);
      this.#followers.delete(f);
    };
  }

  /** deliver hands one notice to its followers. */
  deliver(n: Notice) {
    for (const f of this.#followers) {
      if (n.topic !== 'resync' && !f.topics.has(n.topic)) continue;
      f.pending.push(n);
      f.timer ??= setTimeout(() => {
        const batch = f.pending;
        f.pending = [];
        f.timer = undefined;
        if (this.#followers.has(f)) f.handler(batch);
      }, this.wait);
    }
  }

  /** resync tells every follower to read again (after a reconnection the
   * server could not fill in). */
  resync() {
    this.deliver({ seq: 0, topic: 'resync', at: new Date().toISOString(), id: '' });
  }
}

/** concerns says whether the notices touch patientId's chart (or anything
 * when they include a resync). */
export function concerns(notices: Notice[], patientId: string): boolean {
  return !!patientId && notices.some((n) => n.topic === 'resync' || !n.patientId || n.patientId === patientId);
}

/** touches says whether the notices may have changed records of one of
 * the kinds (or anything, for a resync or a notice that does not say). */
export function touches(notices: Notice[], records: string[]): boolean {
  return notices.some((n) => n.topic === 'resync' || !n.record || records.includes(n.record));
}

/** Shown counts, per view of a store, the screens showing it now: a
 * screen calls show in an effect and the effect's end releases it. */
export class Shown<V extends string> {
  #counts = new Map<V, number>();

  show(view: V): () => void {
    this.#counts.set(view, (this.#counts.get(view) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(view) ?? 1) - 1;
      if (left > 0) this.#counts.set(view, left);
      else this.#counts.delete(view);
    };
  }

  has(view: V): boolean {
    return this.#counts.has(view);
  }
}
