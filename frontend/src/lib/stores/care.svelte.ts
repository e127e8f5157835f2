// The open chart's care gaps (app/care_gaps.go): every care rule that
// applies to the patient with where they stand, and the care records
// (screenings done here or elsewhere, refusals, exclusions) that answer
// them. Any change to the chart may close or open a gap (a result, a dose,
// a blood pressure), so both are read again on any notice of it.

import { api } from '../api';
import type { CareGap, CareRecord, CareRecordInput } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';
import { Tickets } from '../tickets';

export function blankCareRecord(ruleId = '', kind: CareRecordInput['kind'] = 'done'): CareRecordInput {
  return { kind, ruleId, codeSystem: '', code: '', display: '', performedOn: '', result: '', source: 'elsewhere',
    performer: '', note: '' };
}

class CareStore {
  patientId = $state('');
  gaps = $state<CareGap[]>([]);
  records = $state<CareRecord[]>([]);
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
  }

  /** load reads a chart's gaps and records; an answer overtaken by a later
   * read, or for a chart no longer open, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.gaps = [];
      this.records = [];
    }
    this.patientId = patientId;
    const newest = this.#reads.take('care');
    const [gaps, records] = await Promise.all([api.chart.careGaps(patientId), api.chart.careRecords(patientId)]);
    if (newest() && this.patientId === patientId) {
      this.gaps = gaps;
      this.records = records;
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

  async retract(r: CareRecord, reason: string) {
    await api.chart.retractCare(r.id, reason, r.version);
    await this.load(this.patientId);
  }
}

export const care = new CareStore();
