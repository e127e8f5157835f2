// Whether the host answers. A call that fails at the network level (no
// answer at all: refused, reset, the host gone) says it is down at once;
// from then on a cheap call probes it, later and later, and any answer
// (even an error with a message) says it is back. A dropped change stream
// makes it probe at once. Writes that failed meanwhile wait in Kept and go
// again, in order, once it is back (see api.ts).

export type HostState = 'up' | 'down';

/** How long to wait before probing again, at first and at most. */
export const probeFirst = 500;
export const probeMost = 5000;

export interface ReachOptions {
  first?: number;
  most?: number;
}

export class Reach {
  state: HostState = 'up';
  #probe: () => Promise<boolean>;
  #first: number;
  #most: number;
  #delay: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #probing = false;
  #listeners = new Set<(s: HostState) => void>();

  /** probe makes one cheap call and answers whether the host answered. */
  constructor(probe: () => Promise<boolean>, opts: ReachOptions = {}) {
    this.#probe = probe;
    this.#first = opts.first ?? probeFirst;
    this.#most = opts.most ?? probeMost;
    this.#delay = this.#first;
  }

  /** onChange hears the host go down and come back. */
  onChange(fn: (s: HostState) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** lost: a call got no answer. The host is down until a probe answers. */
  lost() {
    if (this.state === 'down') return;
    this.#set('down');
    this.#delay = this.#first;
    this.#later();
  }

  /** answered: a call got an answer (a result or an error with a message). */
  answered() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#delay = this.#first;
    if (this.state === 'up') return;
    this.#set('up');
  }

  /** suspect: something hints the host is gone (the change stream
   * dropped): probe now rather than wait for the next call to fail. */
  suspect() {
    if (this.state === 'down') return;
    void this.#try();
  }

  #later() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#try(), this.#delay);
    this.#delay = Math.min(this.#delay * 2, this.#most);
  }

  async #try() {
    if (this.#probing) return;
    this.#probing = true;
    let ok = false;
    try {
      ok = await this.#probe();
    } finally {
      this.#probing = false;
    }
    if (ok) this.answered();
    else if (this.state === 'up') this.lost();
    else this.#later();
  }

  #set(s: HostState) {
    this.state = s;
    this.#listeners.forEach((fn) => fn(s));
  }
}

/** newRequestId names one write call (see Folio-Request-Id in Go's serve
 * package): the same id is sent again when the call is sent again. */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
