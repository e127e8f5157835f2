// The desk's recall list (app/recalls.go): everyone due or overdue for a
// care rule, filtered, and the desk's work on each row. The filter is the
// person's: a page read again never changes it, and an answer for an older
// filter is dropped.

import { api } from '../api';
import type { OutreachInput, RecallFilter, RecallLetters, RecallPage } from '../types';
import { session } from './session.svelte';
import { live } from './live.svelte';
import { Tickets } from '../tickets';
import { dayOf } from '../dates';

export function blankRecallFilter(): RecallFilter {
  return { ruleIds: [], clinicianId: '', minAge: 0, maxAge: 0, overdueDays: 0, snoozed: false, limit: 200 };
}

class RecallStore {
  page = $state<RecallPage | null>(null);
  #reads = new Tickets();
  #filter: RecallFilter = blankRecallFilter();
  #shown = 0;

  constructor() {
    session.onSignOut(() => this.reset());
    // A chart changed anywhere may close a row; the desk's work on a row shows.
    live.on(['chart', 'lists'], () => {
      if (this.#shown > 0 && session.user) return this.load(this.#filter).catch(() => {});
    });
  }

  reset() {
    this.#reads.dropAll();
    this.page = null;
  }

  /** show marks the list as on screen until the answer is called. */
  show(): () => void {
    this.#shown++;
    return () => void this.#shown--;
  }

  async load(f: RecallFilter) {
    this.#filter = $state.snapshot(f) as RecallFilter;
    const newest = this.#reads.take('page');
    const page = await api.schedule.recalls(this.#filter);
    if (newest()) this.page = page;
  }

  async record(o: OutreachInput) {
    await api.schedule.recordOutreach(o);
    await this.load(this.#filter);
  }

  /** printLetters makes the letters of the rows f chooses; each row then says a letter went. */
  async printLetters(f: RecallFilter): Promise<RecallLetters> {
    const letters = await api.schedule.printRecallLetters($state.snapshot(f) as RecallFilter);
    await this.load(this.#filter);
    return letters;
  }

  async exportCSV(f: RecallFilter): Promise<string> {
    return api.saveFile(`recalls-${dayOf(new Date())}.csv`, await api.schedule.recallsCSV(f));
  }
}

export const recalls = new RecallStore();
