// The front desk's patients: the search box, the recently opened, the chart
// being looked at, and its history of corrections.

import { api } from '../api';
import type { DuplicateMatch, Patient, PatientHit, PatientInput, PatientRevision } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';

const maxRecent = 10;

export function emptyPatient(): PatientInput {
  return {
    familyName: '',
    givenNames: '',
    preferredName: '',
    birthDate: '',
    sex: '',
    genderIdentity: '',
    phone: '',
    phone2: '',
    email: '',
    addressLine: '',
    city: '',
    region: '',
    postalCode: '',
    language: '',
    emergencyName: '',
    emergencyRelationship: '',
    emergencyPhone: '',
    insurancePayer: '',
    insuranceMemberId: '',
    insuranceGroup: '',
    primaryClinicianId: '',
    photo: '',
    deskNote: '',
  };
}

/** inputOf is the form's part of a patient: every field a person edits. */
export function inputOf(p: Patient): PatientInput {
  const input = emptyPatient();
  for (const key of Object.keys(input) as (keyof PatientInput)[]) {
    (input as unknown as Record<string, string>)[key] = (p[key] as string) ?? '';
  }
  return input;
}

function hitOf(p: Patient): PatientHit {
  const { id, mrn, familyName, givenNames, birthDate, sex, phone } = p;
  return { id, mrn, familyName, givenNames, birthDate, sex, phone };
}

class PatientsStore {
  query = $state('');
  results = $state<PatientHit[]>([]);
  searching = $state(false);
  searchError = $state('');
  recent = $state<PatientHit[]>([]);
  /** The highlighted row of what the search box shows, for ↑ ↓ Enter. */
  selected = $state(0);

  current = $state<Patient | null>(null);
  history = $state<PatientRevision[]>([]);
  /** Existing charts that look like the one being registered. */
  duplicates = $state<DuplicateMatch[]>([]);

  // Answers can arrive out of order when typing fast; only the newest counts.
  #searchSeq = 0;

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.#opening = '';
    this.query = '';
    this.results = [];
    this.searchError = '';
    this.recent = [];
    this.current = null;
    this.history = [];
  }

  /** showing is the search's answer, or the recently opened when the box is empty. */
  get showing(): PatientHit[] {
    return this.query.trim() ? this.results : this.recent;
  }

  async search(query: string) {
    this.query = query;
    this.selected = 0;
    const seq = ++this.#searchSeq;
    if (!query.trim()) {
      this.results = [];
      this.searchError = '';
      this.searching = false;
      return;
    }
    this.searching = true;
    try {
      const hits = await api.patients.search(query, 20);
      if (seq !== this.#searchSeq) return;
      this.results = hits;
      this.searchError = '';
    } catch (e) {
      if (seq !== this.#searchSeq) return;
      this.results = [];
      this.searchError = (e as Error).message;
    } finally {
      if (seq === this.#searchSeq) this.searching = false;
    }
  }

  // Only the answer to the latest form state counts, as for search.
  #dupSeq = 0;

  /** checkDuplicates looks for existing charts while the form is filled in. */
  async checkDuplicates(input: PatientInput) {
    const seq = ++this.#dupSeq;
    const found = await api.patients.likelyDuplicates(input).catch(() => [] as DuplicateMatch[]);
    if (seq === this.#dupSeq) this.duplicates = found;
  }

  clearDuplicates() {
    this.#dupSeq++;
    this.duplicates = [];
  }

  /** loadRecent lists the patients this person opened lately, from any
   * window or earlier session (the audit trail remembers). */
  async loadRecent() {
    this.recent = await api.patients.recent(maxRecent);
  }

  /** register registers input; a likely duplicate of a chart is refused
   * (a conflict whose duplicates name the charts) unless differentFrom
   * holds the ids of the charts the person confirmed are someone else. */
  async register(input: PatientInput, differentFrom: string[] = []): Promise<Patient> {
    const p = differentFrom.length
      ? await api.patients.registerDifferentPerson(input, differentFrom)
      : await api.patients.register(input);
    this.#opened(p);
    return p;
  }

  /** clearSearch empties the search box: a chart was opened from it. */
  clearSearch() {
    this.#searchSeq++; // an answer still on its way is for a search no longer shown
    this.query = '';
    this.results = [];
    this.searchError = '';
    this.searching = false;
    this.selected = 0;
  }

  // The chart asked for last: an answer for one asked for before is dropped.
  #opening = '';
  #historySeq = 0;

  /** While a chart is on screen, corrections made elsewhere show in it (a
   * correction being typed keeps what was typed: see PatientChart). */
  follow = followChart(['patients'], () => this.current?.id ?? '', (id) => this.open(id));

  async open(id: string) {
    if (this.current?.id !== id) {
      this.current = null;
      this.history = [];
    }
    this.#opening = id;
    const p = await api.patients.open(id);
    if (this.#opening !== id) return;
    if (this.current && this.current.id === p.id && this.current.version > p.version) return; // older than shown
    this.#opened(p);
  }

  /** correct saves a correction of the open patient, who must be
   * patientId when given (a correction typed on one chart never goes to
   * another), made from the patient's version (the one open unless given):
   * saved by someone else since, it is refused as a conflict. */
  async correct(input: PatientInput, reason: string, patientId = this.current?.id, version = this.current?.version): Promise<Patient> {
    const cur = this.current;
    if (!cur) throw new Error('No patient is open.');
    if (cur.id !== patientId) throw new Error('Another chart was opened: the correction was not saved.');
    const p = await api.patients.correct(cur.id, input, reason, version ?? cur.version);
    if (this.current?.id === p.id) this.#opened(p);
    await this.loadHistory();
    return p;
  }

  async loadHistory() {
    const cur = this.current;
    if (!cur) return;
    const mine = ++this.#historySeq;
    const history = await api.patients.history(cur.id);
    if (mine === this.#historySeq && this.current?.id === cur.id) this.history = history;
  }

  #opened(p: Patient) {
    this.current = p;
    this.recent = [hitOf(p), ...this.recent.filter((r) => r.id !== p.id)].slice(0, maxRecent);
  }
}

export const patients = new PatientsStore();
