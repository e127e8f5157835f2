// The open chart's immunization history: doses given here and those the
// patient had elsewhere. A dose entered in error stays listed, marked so.

import { api } from '../api';
import type { Immunization, ImmunizationInput } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';
import { Tickets } from '../tickets';

export function blankImmunization(): ImmunizationInput {
  return {
    cvx: '', occurredOn: '', lotNumber: '', expirationDate: '', manufacturer: '', site: '', route: '',
    dose: '', source: 'given_here', performer: '', note: '',
  };
}

class ImmunizationStore {
  patientId = $state('');
  list = $state<Immunization[]>([]);
  #reads = new Tickets();
  /** While a screen shows the list, doses recorded elsewhere appear. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id), ['immunization', 'patient', 'import']);

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.#reads.dropAll();
    this.patientId = '';
    this.list = [];
  }

  /** load reads a chart's list; an answer overtaken by a later read, or for
   * a chart no longer open, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.list = [];
    }
    this.patientId = patientId;
    const newest = this.#reads.take('list');
    const list = await api.chart.immunizations(patientId);
    if (newest() && this.patientId === patientId) this.list = list;
  }

  /** record records a dose for the open chart, which must be patientId. */
  async record(input: ImmunizationInput, patientId = this.patientId): Promise<Immunization> {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: the dose was not recorded.');
    const recorded = await api.chart.recordImmunization(patientId, input);
    await this.load(this.patientId);
    return recorded;
  }

  async retract(m: Immunization, reason: string) {
    await api.chart.retractImmunization(m.id, reason, m.version);
    await this.load(this.patientId);
  }
}

export const immunizations = new ImmunizationStore();
