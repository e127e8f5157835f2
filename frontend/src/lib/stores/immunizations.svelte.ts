// The open chart's immunization history: doses given here and those the
// patient had elsewhere. A dose entered in error stays listed, marked so.

import { api } from '../api';
import type { Immunization, ImmunizationInput } from '../types';
import { session } from './session.svelte';

export function blankImmunization(): ImmunizationInput {
  return {
    cvx: '', occurredOn: '', lotNumber: '', expirationDate: '', manufacturer: '', site: '', route: '',
    dose: '', source: 'given_here', performer: '', note: '',
  };
}

class ImmunizationStore {
  patientId = $state('');
  list = $state<Immunization[]>([]);

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.patientId = '';
    this.list = [];
  }

  async load(patientId: string) {
    if (this.patientId !== patientId) this.list = [];
    this.patientId = patientId;
    const list = await api.chart.immunizations(patientId);
    if (this.patientId === patientId) this.list = list;
  }

  async record(input: ImmunizationInput): Promise<Immunization> {
    const recorded = await api.chart.recordImmunization(this.patientId, input);
    await this.load(this.patientId);
    return recorded;
  }

  async retract(m: Immunization, reason: string) {
    await api.chart.retractImmunization(m.id, reason, m.version);
    await this.load(this.patientId);
  }
}

export const immunizations = new ImmunizationStore();
