// Video visits: the patient's consent to telehealth, asked once before the
// first video visit starts, and starting one (its link opened in the
// browser, its visit opened as virtual).

import { api, openExternal } from '../api';
import type { ConsentInput, Encounter, TelehealthConsents } from '../types';
import { Tickets } from '../tickets';
import { chart } from './chart.svelte';
import { session } from './session.svelte';

class TelehealthStore {
  /** Each patient's consent, as read last (the board shows several video
   * visits at once); a patient not read yet is not here. */
  byPatient = $state<Record<string, TelehealthConsents>>({});
  #reads = new Tickets();

  /** consentOf is a patient's consent as read last, null until read. */
  consentOf(patientId: string): TelehealthConsents | null {
    return this.byPatient[patientId] ?? null;
  }

  /** loadConsent reads a patient's consent; an answer older than another
   * read or a change of that patient's consent is dropped. */
  async loadConsent(patientId: string): Promise<void> {
    const newest = this.#reads.take(patientId);
    const c = await api.chart.telehealthConsent(patientId);
    if (newest()) this.byPatient[patientId] = c;
  }

  /** recordConsent records the patient's consent to video visits. */
  async recordConsent(patientId: string, input: ConsentInput) {
    const c = await api.chart.recordTelehealthConsent(patientId, input);
    this.#reads.take(patientId); // a read still on its way is older
    this.byPatient[patientId] = c;
  }

  /** retractConsent retracts a consent with the reason. */
  async retractConsent(patientId: string, id: string, reason: string, version: number) {
    const c = await api.chart.retractTelehealthConsent(id, reason, version);
    this.#reads.take(patientId);
    this.byPatient[patientId] = c;
  }

  /** forget drops what was read (someone signed out). */
  forget() {
    this.#reads.dropAll();
    this.byPatient = {};
  }

  /**
   * startVideoVisit opens the video call and the visit of an appointment
   * whose patient's consent is recorded. The link opens first, while the
   * click that asked is still fresh (a browser opens no tab for a click
   * long past); the visit then opens as virtual.
   */
  async startVideoVisit(patientId: string, appointmentId: string, meetingLink: string): Promise<Encounter> {
    openExternal(meetingLink);
    return chart.openVisit(patientId, appointmentId);
  }
}

export const telehealth = new TelehealthStore();
session.onSignOut(() => telehealth.forget());
