// The clinic's quality dashboard (app/quality.go): every measure's figures
// for the clinic and by clinician, and the patients behind the figure the
// person chose. An answer for an earlier choice is dropped.

import { api } from '../api';
import type { QualityDashboard, QualityPatientFilter, QualityPatientPage } from '../types';
import { session } from './session.svelte';
import { live } from './live.svelte';
import { Tickets } from '../tickets';
import { dayOf } from '../dates';

export const qualityPageSize = 100;

class QualityStore {
  dashboard = $state<QualityDashboard | null>(null);
  /** The figure drilled into, and its patients (null until they come). */
  drill = $state<QualityPatientFilter | null>(null);
  patients = $state<QualityPatientPage | null>(null);
  #reads = new Tickets();
  #shown = 0;

  constructor() {
    session.onSignOut(() => this.reset());
    // A chart changed anywhere may move a patient in or out of a numerator.
    live.on(['chart', 'patients'], () => {
      if (this.#shown === 0 || !session.user) return;
      return Promise.all([this.load(), this.drill ? this.readPatients(this.drill) : null]).catch(() => {});
    });
  }

  reset() {
    this.#reads.dropAll();
    this.dashboard = null;
    this.drill = null;
    this.patients = null;
  }

  /** show marks the dashboard as on screen until the answer is called. */
  show(): () => void {
    this.#shown++;
    return () => void this.#shown--;
  }

  async load() {
    const newest = this.#reads.take('dashboard');
    const d = await api.quality.dashboard();
    if (newest()) this.dashboard = d;
  }

  /** drillInto shows the patients behind a figure, from its first page. */
  async drillInto(f: QualityPatientFilter) {
    this.drill = { ...f };
    this.patients = null;
    await this.readPatients(this.drill);
  }

  async page(offset: number) {
    if (!this.drill) return;
    this.drill = { ...this.drill, offset };
    await this.readPatients(this.drill);
  }

  closeDrill() {
    this.#reads.take('patients'); // an answer on its way is dropped
    this.drill = null;
    this.patients = null;
  }

  async readPatients(f: QualityPatientFilter) {
    const newest = this.#reads.take('patients');
    const page = await api.quality.patients($state.snapshot(f) as QualityPatientFilter);
    if (newest()) this.patients = page;
  }

  async exportDashboard(): Promise<string> {
    return api.saveFile(`quality-${dayOf(new Date())}.csv`, await api.quality.dashboardCSV());
  }

  async exportPatients(f: QualityPatientFilter): Promise<string> {
    const name = `quality-${f.measureId}-${f.status || 'all'}-${dayOf(new Date())}.csv`;
    return api.saveFile(name, await api.quality.patientsCSV($state.snapshot(f) as QualityPatientFilter));
  }
}

export const quality = new QualityStore();
