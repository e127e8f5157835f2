// The window's stream of what others change: open while someone is signed
// in and the screen is unlocked, closed otherwise. The domain stores follow
// the topics they show (live.on) and read again; the state is for a screen
// that wants to say whether it is up to date.

import { api } from '../api';
import { concerns, NoticeHub, Shown, touches, type LiveState, type Topic, type Notice } from '../live';
import { session } from './session.svelte';

class LiveStore {
  state = $state<LiveState>('off');
  #hub = new NoticeHub();
  #stop: (() => void) | null = null;
  /** Whether the stream was live since it was opened, and whether the last
   * one was closed by a lock (see #start). */
  #wasLive = false;
  #closedByLock = false;

  constructor() {
    $effect.root(() => {
      $effect(() => {
        const wanted = !!session.user && !session.locked;
        if (wanted) this.#start();
        else this.#end();
      });
    });
    // The host back after it was lost: what is shown is read again (reads
    // that failed meanwhile, and what others changed).
    api.host.onChange((s) => {
      if (s !== 'up') return;
      if (this.#stop) this.#hub.resync();
      else if (session.user && !session.locked) this.#start();
    });
  }

  /** on calls handler, coalesced, with the notices of topics (and resyncs).
   * Its reads, until the promise it answers (if any) settles, are the
   * screen's own doing, not the person's: they do not keep the session
   * awake (see api.background). */
  on(topics: Topic[], handler: (notices: Notice[]) => unknown): () => void {
    return this.#hub.on(topics, (notices) => {
      api.background(() => handler(notices)).catch(() => {});
    });
  }

  #start() {
    if (this.#stop) return;
    this.#wasLive = false;
    const reopened = this.#closedByLock;
    this.#closedByLock = false;
    this.#stop = api.subscribe(
      (n) => this.#hub.deliver(n),
      (s, why) => {
        // A stream opened again after an unlock knows nothing of what
        // changed while it was closed: what is shown is read again once.
        // After a sign-in none is needed (the stores were emptied and the
        // screens read as they open), and a stream the browser got back by
        // itself is filled in by Go.
        if (s === 'live' && !this.#wasLive) {
          this.#wasLive = true;
          if (reopened) this.#hub.resync();
        }
        this.state = s;
        // The host is stopping: the stream is over, and opens again (and
        // what is shown is read again) once the host is back.
        if (s === 'off' && why === 'stopping') {
          this.#stop = null;
          this.#closedByLock = true;
        }
        // Another tab of this browser locked the screen: follow it here.
        if (why === 'locked' && session.user) session.locked = true;
      },
    );
  }

  #end() {
    const stop = this.#stop;
    if (stop) this.#closedByLock = !!session.user;
    this.#stop = null;
    stop?.();
    this.state = 'off';
  }
}

export const live = new LiveStore();

/**
 * followChart is how a store of one chart's lists follows that chart: the
 * answer, called in a screen's effect, marks the chart as on screen until
 * its release, and while it is, a notice of topics for the store's patient
 * (patientId, read when heard) about one of records (any, if not given)
 * reads the store again with reload, given those notices. Call it once per
 * store; reload must keep what it shows until the new answer.
 */
export function followChart(topics: Topic[], patientId: () => string,
  reload: (id: string, notices: Notice[]) => Promise<unknown>, records?: string[]): () => () => void {
  const shown = new Shown<'chart'>();
  live.on(topics, (notices) => {
    const id = patientId();
    const mine = notices.filter((n) => concerns([n], id));
    if (!shown.has('chart') || !session.user || mine.length === 0) return;
    if (records && !touches(mine, records)) return;
    return reload(id, mine).catch(() => {});
  });
  return () => shown.show('chart');
}
