// FormState is what every form screen keeps while it talks to Go: whether a
// call is running, the message above the form, and each field's message.

import { api } from './api';
import { toFolioError, type FolioError } from './errors';

/** HostBack calls fn once the host answers again after it was lost, and
 * answers how to stop waiting. */
export type HostBack = (fn: () => unknown) => () => void;

const hostBack: HostBack = (fn) => {
  const off = api.host.onChange((s) => {
    if (s !== 'up') return;
    off();
    // Read again by the screen itself, not the person: background.
    api.background(fn).catch(() => {});
  });
  return off;
};

/** What a read that got no answer says: writes never fail so (they are
 * kept until the host is back), so it was a read. */
export const notLoadedMessage = 'Could not load this — the host cannot be reached. It is read again once the host is back.';

export class FormState {
  busy = $state(false);
  message = $state('');
  errors = $state<Record<string, string>>({});
  /** The last call's failure, null after a success: its kind says what to
   * do next (a conflict: see saveAsking). */
  failure = $state.raw<FolioError | null>(null);
  #whenBack: HostBack;
  #stopWaiting: (() => void) | null = null;

  constructor(whenBack: HostBack = hostBack) {
    this.#whenBack = whenBack;
  }

  /** submit runs one call; a failure fills message and errors and returns
   * false, so the screen decides what success means. A call that got no
   * answer runs again by itself once the host is back. */
  async submit(call: () => Promise<unknown>): Promise<boolean> {
    return this.#run(call, true);
  }

  /** act is submit for something the person asked for at that moment (an
   * export or a print, which open a download or a dialog): with no answer
   * it is not run again by itself. */
  async act(call: () => Promise<unknown>): Promise<boolean> {
    return this.#run(call, false);
  }

  async #run(call: () => Promise<unknown>, again: boolean): Promise<boolean> {
    this.#stopWaiting?.();
    this.#stopWaiting = null;
    this.clear();
    this.busy = true;
    try {
      await call();
      return true;
    } catch (err) {
      const fe = toFolioError(err);
      this.failure = fe;
      this.message = fe.kind === 'unreachable' && again ? notLoadedMessage : fe.message;
      this.errors = fe.fields;
      if (fe.kind === 'unreachable' && again) this.#stopWaiting = this.#whenBack(() => this.submit(call));
      return false;
    } finally {
      this.busy = false;
    }
  }

  clear() {
    this.message = '';
    this.errors = {};
    this.failure = null;
  }
}
