// The open chart's first screen: the active lists, last vitals with their
// trends, recent visits and what is due, as Chart.Summary puts them
// together. It is read again whenever the chart's lists change, so it never
// shows less than the panels below it.

import { api } from '../api';
import type { ChartSummary } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';

class SummaryStore {
  current = $state<ChartSummary | null>(null);
  error = $state('');
  /** Which read current answers (see asked). */
  answers = $state(0);
  #patientId = '';
  #seq = 0;
  /** While a screen shows the summary, what others record appears in it. */
  follow = followChart(['chart', 'lists', 'patients'], () => this.#patientId, (id) => this.load(id));

  /** asked numbers the reads asked for so far: a screen that opens shows
   * only a summary read after it opened (answers > what asked was then),
   * never one another screen read before the chart was changed. */
  get asked(): number {
    return this.#seq;
  }

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.current = null;
    this.error = '';
    this.#patientId = '';
  }

  /** load reads the summary of patientId; an answer overtaken by a later
   * load (another patient opened meanwhile) is dropped. */
  async load(patientId: string) {
    if (this.#patientId !== patientId) this.current = null;
    this.#patientId = patientId;
    const mine = ++this.#seq;
    try {
      const s = await api.chart.summary(patientId);
      if (mine === this.#seq) {
        this.current = s;
        this.answers = mine;
        this.error = '';
      }
    } catch (e) {
      if (mine === this.#seq) this.error = (e as Error).message;
    }
  }
}

export const summary = new SummaryStore();
