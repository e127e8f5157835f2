// Labs: the open chart's orders and results with the trend of one test,
// and the signed-in clinician's list of results waiting for review.

import { api } from '../api';
import type {
  LabImport, LabOrder, LabOrderInput, LabPanel, LabPanelOrderInput, LabPanelResultInput, LabResult, LabResultInput,
  LabReviewItem, LabSeries,
} from '../types';
import { session } from './session.svelte';
import { followChart, live } from './live.svelte';
import { Shown } from '../live';
import { Tickets } from '../tickets';

class LabsStore {
  patientId = $state('');
  orders = $state<LabOrder[]>([]);
  results = $state<LabResult[]>([]);
  series = $state<LabSeries | null>(null);
  /** The signed-in clinician's results to review, across charts. */
  queue = $state<LabReviewItem[]>([]);
  /** The panels that can be ordered and entered as one (the same for every chart). */
  panels = $state<LabPanel[]>([]);
  #reads = new Tickets();
  #queueReads = new Tickets();
  /** While a screen shows the chart's labs, orders and results made
   * elsewhere appear. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id), ['lab', 'lab_result', 'patient', 'import']);
  #queueShown = new Shown<'queue'>();

  constructor() {
    session.onSignOut(() => this.reset());
    live.on(['lists', 'chart'], () => {
      if (this.#queueShown.has('queue') && session.user) return this.loadQueue().catch(() => {});
    });
  }

  /** followQueue keeps the results to review current while a screen (or
   * the menu's count) shows them; call it in an effect. */
  followQueue(): () => void {
    return this.#queueShown.show('queue');
  }

  reset() {
    this.#reads.dropAll();
    this.#queueReads.dropAll();
    this.patientId = '';
    this.orders = [];
    this.results = [];
    this.series = null;
    this.queue = [];
  }

  /** load reads a chart's orders and results; an answer overtaken by a
   * later read, or for a chart no longer open, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.orders = [];
      this.results = [];
      this.series = null;
    }
    this.patientId = patientId;
    const newest = this.#reads.take('lists');
    const [orders, results] = await Promise.all([api.chart.labOrders(patientId), api.chart.labResults(patientId)]);
    if (!newest() || this.patientId !== patientId) return;
    this.orders = orders;
    this.results = results;
    if (this.series) await this.showSeries(this.series.loinc);
  }

  async order(o: LabOrderInput) {
    await api.chart.orderLab(this.patientId, o);
    await this.load(this.patientId);
  }

  async loadPanels() {
    if (!this.panels.length) this.panels = await api.chart.labPanels();
  }

  async orderPanel(o: LabPanelOrderInput) {
    await api.chart.orderLabPanel(this.patientId, o);
    await this.load(this.patientId);
  }

  /** recordPanel saves a panel's results in one go and charts its first test. */
  async recordPanel(r: LabPanelResultInput): Promise<LabResult[]> {
    const saved = await api.chart.recordLabPanel(this.patientId, r);
    await this.load(this.patientId);
    const first = saved.find((x) => x.value !== null);
    if (first) await this.showSeries(first.loinc);
    return saved;
  }

  async cancel(o: LabOrder, reason: string) {
    await api.chart.cancelLabOrder(o.id, reason, o.version);
    await this.load(this.patientId);
  }

  /** record records a result for the open chart, which must be patientId. */
  async record(r: LabResultInput, patientId = this.patientId): Promise<LabResult> {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: the result was not recorded.');
    const saved = await api.chart.recordLabResult(patientId, r);
    await this.load(this.patientId);
    await this.showSeries(saved.loinc);
    return saved;
  }

  async importCSV(csv: string): Promise<LabImport> {
    const done = await api.chart.importLabResults(this.patientId, csv);
    await this.load(this.patientId);
    return done;
  }

  /** showSeries reads one test's results over time for its trend chart. */
  async showSeries(loinc: string) {
    const patientId = this.patientId;
    const newest = this.#reads.take('series');
    const series = await api.chart.labSeries(patientId, loinc);
    if (newest() && this.patientId === patientId) this.series = series;
  }

  async review(r: LabResult, note: string) {
    await api.chart.reviewLabResult(r.id, note, r.version);
    if (this.patientId === r.patientId) await this.load(this.patientId);
    await this.loadQueue();
  }

  async retract(r: LabResult, reason: string) {
    await api.chart.retractLabResult(r.id, reason, r.version);
    await this.load(this.patientId);
  }

  async loadQueue() {
    const newest = this.#queueReads.take('queue');
    const queue = await api.chart.labReviewQueue();
    if (newest()) this.queue = queue;
  }
}

export const labs = new LabsStore();
