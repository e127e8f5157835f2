// The open chart's care gaps (app/care_gaps.go): every care rule that
// applies to the patient with where they stand, and the care records
// (screenings done here or elsewhere, refusals, exclusions) that answer
// them. Any change to the chart may close or open a gap (a result, a dose,
// a blood pressure), so both are read again on any notice of it.

import { api } from '../api';
import type { CareGap, CareRecord, CareRecordInput, CareReminder, ReminderInput } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';
import { Tickets } from '../tickets';

export function blankReminder(): ReminderInput {
  return { title: '', dueOn: '', visitTypeId: '', note: '' };
}

export function blankCareRecord(ruleId = '', kind: CareRecordInput['kind'] = 'done'): CareRecordInput {
  return { kind, ruleId, codeSystem: '', code: '', display: '', performedOn: '', result: '', source: 'elsewhere',
    performer: '', note: '' };
}

class CareStore {
  patientId = $state('');
  gaps = $state<CareGap[]>([]);
  records = $state<CareRecord[]>([]);
  /** The clinician's reminders and the visits' follow-ups, open first. */
  reminders = $state<CareReminder[]>([]);
  #reads = new Tickets();
  /** While a screen shows the gaps, a change anywhere in the chart reads them again. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id));

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.#reads.dropAll();
    this.patientId = '';
    this.gaps = [];
    this.records = [];
    this.reminders = [];
  }

  /** load reads a chart's gaps and records; an answer overtaken by a later
   * read, or for a chart no longer open, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.gaps = [];
      this.records = [];
      this.reminders = [];
    }
    this.patientId = patientId;
    const newest = this.#reads.take('care');
    const [gaps, records, reminders] = await Promise.all([api.chart.careGaps(patientId),
      api.chart.careRecords(patientId), api.chart.careReminders(patientId)]);
    if (newest() && this.patientId === patientId) {
      this.gaps = gaps;
      this.records = records;
      this.reminders = reminders;
    }
  }

  /** record records a screening done, a refusal or an exclusion for the
   * open chart, which must be patientId. */
  async record(input: CareRecordInput, patientId = this.patientId): Promise<CareRecord> {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: nothing was recorded.');
    const saved = await api.chart.recordCare(patientId, input);
    await this.load(this.patientId);
    return saved;
  }

  /** addReminder sets a reminder on the open chart, which must be patientId. */
  async addReminder(input: ReminderInput, patientId = this.patientId): Promise<CareReminder> {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: no reminder was set.');
    const saved = await api.chart.addReminder(patientId, input);
    await this.load(this.patientId);
    return saved;
  }

  /** closeReminder marks a reminder done (note: how) or entered in error (note: why). */
  async closeReminder(r: CareReminder, done: boolean, note: string) {
    await api.chart.closeReminder(r.id, done, note, r.version);
    await this.load(this.patientId);
  }

  async retract(r: CareRecord, reason: string) {
    await api.chart.retractCare(r.id, reason, r.version);
    await this.load(this.patientId);
  }
}

export const care = new CareStore();
