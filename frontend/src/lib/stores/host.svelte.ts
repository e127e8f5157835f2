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
}

export const host = new HostStore();
