// Remote monitoring (app/monitoring.go): the open chart's program (its
// enrolment, days with readings, review minutes) and home readings with
// their averages, the clinicians' Readings to review list, and a month's
// report for printing. An answer for a chart no longer open, or overtaken
// by a later read, is dropped.

import { api } from '../api';
import type {
  EnrolmentInput, HomeReadingsSummary, MonitoringProgram, MonitoringReport, MonitoringTargets, ReadingsToReviewItem,
  SeriesPoint,
} from '../types';
import { session } from './session.svelte';
import { followChart, live } from './live.svelte';
import { Shown } from '../live';
import { Tickets } from '../tickets';

class MonitoringStore {
  patientId = $state('');
  program = $state<MonitoringProgram | null>(null);
  home = $state<HomeReadingsSummary | null>(null);
  /** The Readings to review list; null until read. */
  list = $state<ReadingsToReviewItem[] | null>(null);
  /** The monthly report being printed, null when none is open. */
  report = $state<MonitoringReport | null>(null);
  #reads = new Tickets();
  #listReads = new Tickets();
  #listShown = new Shown<'list'>();
  /** While the chart is shown, readings brought in, reviews and changes
   * to the enrolment made elsewhere appear. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id));

  constructor() {
    session.onSignOut(() => this.reset());
    live.on(['lists', 'chart'], () => {
      if (this.#listShown.has('list') && session.user) return this.loadList().catch(() => {});
    });
  }

  /** followList keeps the list current while a screen shows it; call it
   * in an effect. */
  followList(): () => void {
    return this.#listShown.show('list');
  }

  reset() {
    this.#reads.dropAll();
    this.#listReads.dropAll();
    this.patientId = '';
    this.program = null;
    this.home = null;
    this.list = null;
    this.report = null;
  }

  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.program = null;
      this.home = null;
    }
    this.patientId = patientId;
    const newest = this.#reads.take('chart');
    const [program, home] = await Promise.all([api.chart.monitoring(patientId), api.chart.homeReadingsSummary(patientId)]);
    if (!newest() || this.patientId !== patientId) return;
    this.program = program;
    this.home = home;
  }

  async loadList() {
    const newest = this.#listReads.take('list');
    const list = await api.chart.readingsToReview();
    if (newest()) this.list = list;
  }

  async enrol(patientId: string, e: EnrolmentInput) {
    await api.chart.enrolMonitoring(patientId, e);
    if (this.patientId === patientId) await this.load(patientId);
  }

  async updateTargets(id: string, device: string, t: MonitoringTargets, version: number) {
    const id0 = this.patientId;
    await api.chart.updateMonitoringTargets(id, device, t, version);
    if (this.patientId === id0) await this.load(id0);
  }

  async end(id: string, reason: string) {
    const id0 = this.patientId;
    await api.chart.endMonitoring(id, reason);
    if (this.patientId === id0) await this.load(id0);
  }

  /** review records a review of a patient's readings (from the chart or
   * the list) and reads both again. */
  async review(patientId: string, minutes: number, note: string) {
    await api.chart.reviewReadings(patientId, minutes, note);
    await Promise.all([
      this.patientId === patientId ? this.load(patientId) : null,
      this.#listShown.has('list') ? this.loadList() : null,
    ]);
  }

  async openReport(month: string) {
    const patientId = this.patientId;
    const r = await api.chart.monitoringReport(patientId, month);
    if (this.patientId === patientId) this.report = r;
  }

  closeReport() {
    this.report = null;
  }

  /** homePoints are the home readings of a vitals chart's measure, in its
   * unit (weight in lb when the clinic charts lb). */
  homePoints(measure: string, unit: string): SeriesPoint[] {
    const readings = this.home?.readings ?? [];
    const point = (at: string, value: number | null, value2?: number | null): SeriesPoint[] =>
      value === null ? [] : [{ at, value, value2: value2 ?? undefined, flag: '' }];
    switch (measure) {
      case 'bp':
        return readings.filter((r) => r.kind === 'bp').flatMap((r) => point(r.takenAt, r.systolic, r.diastolic));
      case 'weight':
        return readings.filter((r) => r.kind === 'weight').flatMap((r) =>
          point(r.takenAt, r.weightKg === null ? null : unit === 'lb' ? Math.round((r.weightKg / 0.45359237) * 10) / 10 : r.weightKg));
      case 'spo2':
        return readings.filter((r) => r.kind === 'spo2').flatMap((r) => point(r.takenAt, r.spo2));
      case 'pulse':
        return readings.filter((r) => r.pulse !== null).flatMap((r) => point(r.takenAt, r.pulse));
    }
    return [];
  }
}

export const monitoring = new MonitoringStore();
