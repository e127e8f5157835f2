// FormState is what every form screen keeps while it talks to Go: whether a
// call is running, the message above the form, and each field's message.

import { toFolioError } from './errors';

export class FormState {
  busy = $state(false);
  message = $state('');
  errors = $state<Record<string, string>>({});

  /** submit runs one call; a failure fills message and errors and returns
   * false, so the screen decides what success means. */
  async submit(call: () => Promise<unknown>): Promise<boolean> {
    this.clear();
    this.busy = true;
    try {
      await call();
      return true;
    } catch (err) {
      const fe = toFolioError(err);
      this.message = fe.message;
      this.errors = fe.fields;
      return false;
    } finally {
      this.busy = false;
    }
  }

  clear() {
    this.message = '';
    this.errors = {};
  }
}
