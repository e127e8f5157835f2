// Whether the host answers, and how many saves wait for it, for the banner
// every screen shows and for reads that failed to try again (see reach.ts).

import { api } from '../api';
import type { HostState } from '../reach';

class HostStore {
  state = $state<HostState>(api.host.state);
  kept = $state(api.host.kept);

  constructor() {
    api.host.onChange((s) => (this.state = s));
    api.host.onKept((n) => (this.kept = n));
  }

  /** readAgain runs retry, a read that failed for want of the host, now
   * that it is back: the screen's own doing, which does not keep the
   * session awake (see api.background). */
  readAgain(retry: () => unknown) {
    api.background(retry).catch(() => {});
  }
}

export const host = new HostStore();
