// The open chart's first screen: the active lists, last vitals with their
// trends, recent visits and what is due, as Chart.Summary puts them
// together. It is read again whenever the chart's lists change, so it never
// shows less than the panels below it.

import { api } from '../api';
import type { ChartSummary } from '../types';
import { session } from './session.svelte';

class SummaryStore {
  current = $state<ChartSummary | null>(null);
  error = $state('');
  #patientId = '';
  #seq = 0;

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
        this.error = '';
      }
    } catch (e) {
      if (mine === this.#seq) this.error = (e as Error).message;
    }
  }
}

export const summary = new SummaryStore();
