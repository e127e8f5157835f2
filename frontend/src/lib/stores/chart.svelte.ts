// The clinician's chart: the open patient's problems, allergies and visits,
// and the visit note being written. Drafts are saved as they are typed, so
// a crash or power cut loses at most the last moment's typing.

import { api } from '../api';
import type {
  AllergyInput,
  AllergyList,
  Encounter,
  EncounterSummary,
  NoteTemplate,
  NoteText,
  Problem,
  ProblemInput,
  Series,
  Medication,
  MedicationInput,
  Override,
  VitalsInput,
  VitalsSet,
} from '../types';
import { session } from './session.svelte';

/** How long typing may pause before the draft is saved. */
const autosaveAfter = 600;

export function noteOf(e: Encounter): NoteText {
  const { subjective, objective, assessment, plan } = e.note;
  return { subjective, objective, assessment, plan };
}

class ChartStore {
  patientId = $state('');
  problems = $state<Problem[]>([]);
  allergies = $state<AllergyList | null>(null);
  encounters = $state<EncounterSummary[]>([]);
  templates = $state<NoteTemplate[]>([]);
  vitals = $state<VitalsSet[]>([]);
  medications = $state<Medication[]>([]);
  series = $state<Series | null>(null);

  encounter = $state<Encounter | null>(null);
  /** What is typed in the note, saved behind the scenes. */
  draft = $state<NoteText>({ subjective: '', objective: '', assessment: '', plan: '' });
  saving = $state<'saved' | 'saving' | 'unsaved' | 'failed'>('saved');
  saveError = $state('');

  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<void> | null = null;

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    clearTimeout(this.#timer);
    this.patientId = '';
    this.problems = [];
    this.allergies = null;
    this.encounters = [];
    this.encounter = null;
  }

  /** load reads a patient's clinical lists for the chart page. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.problems = [];
      this.allergies = null;
      this.encounters = [];
      this.vitals = [];
      this.medications = [];
      this.series = null;
    }
    this.patientId = patientId;
    const [problems, allergies, encounters, vitals] = await Promise.all([
      api.chart.problems(patientId),
      api.chart.allergies(patientId),
      api.chart.encounters(patientId),
      api.chart.vitals(patientId, 10),
    ]);
    if (this.patientId !== patientId) return;
    this.medications = await api.chart.medications(patientId);
    this.vitals = vitals;
    this.problems = problems;
    this.allergies = allergies;
    this.encounters = encounters;
  }

  async addProblem(p: ProblemInput) {
    await api.chart.addProblem(this.patientId, p);
    this.problems = await api.chart.problems(this.patientId);
  }

  async resolveProblem(p: Problem) {
    const today = new Date().toISOString().slice(0, 10);
    await api.chart.updateProblem(p.id, { ...p, status: 'resolved', resolvedOn: today }, 'resolved', p.version);
    this.problems = await api.chart.problems(this.patientId);
  }

  async addAllergy(a: AllergyInput) {
    await api.chart.addAllergy(this.patientId, a);
    this.allergies = await api.chart.allergies(this.patientId);
  }

  async recordNoKnownAllergies() {
    this.allergies = await api.chart.recordNoKnownAllergies(this.patientId);
  }

  async retractAllergy(id: string, reason: string, version: number) {
    await api.chart.retractAllergy(id, reason, version);
    this.allergies = await api.chart.allergies(this.patientId);
  }

  /** addMedication prescribes or records a medication; alerts that are not
   * overridden with a reason come back as a conflict (FolioError.alerts). */
  async addMedication(m: MedicationInput, overrides: Override[]) {
    await api.chart.addMedication(this.patientId, m, overrides);
    this.medications = await api.chart.medications(this.patientId);
  }

  async recordVitals(v: VitalsInput) {
    await api.chart.recordVitals(this.patientId, v);
    this.vitals = await api.chart.vitals(this.patientId, 10);
    if (this.series) await this.showSeries(this.series.measure);
  }

  /** showSeries reads one measure over time for its chart. */
  async showSeries(measure: string) {
    this.series = await api.chart.vitalsSeries(this.patientId, measure);
  }

  async startVisit(patientId: string): Promise<Encounter> {
    const e = await api.chart.openEncounter(patientId, '');
    this.#show(e);
    return e;
  }

  async openEncounter(id: string) {
    const [e, templates] = await Promise.all([api.chart.encounter(id), api.chart.templates()]);
    this.templates = templates;
    this.#show(e);
  }

  /** edit changes the draft and saves it after a pause in typing. */
  edit(part: keyof NoteText, text: string) {
    this.draft[part] = text;
    this.saving = 'unsaved';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.saveNow(), autosaveAfter);
  }

  applyTemplate(t: NoteTemplate) {
    for (const part of ['subjective', 'objective', 'assessment', 'plan'] as const) {
      if (t[part]) this.edit(part, this.draft[part] ? `${this.draft[part]}\n${t[part]}` : t[part]);
    }
  }

  /** saveNow saves the draft at once (before signing, or on leaving). */
  async saveNow(): Promise<void> {
    clearTimeout(this.#timer);
    if (this.#inFlight) await this.#inFlight;
    const e = this.encounter;
    if (!e || e.status !== 'open' || this.saving === 'saved') return;
    const sent = { ...this.draft };
    this.saving = 'saving';
    this.#inFlight = api.chart
      .saveDraft(e.id, sent, e.note.draftVersion)
      .then((saved) => {
        this.encounter = saved;
        const changedMeanwhile = (Object.keys(sent) as (keyof NoteText)[]).some((k) => sent[k] !== this.draft[k]);
        this.saving = changedMeanwhile ? 'unsaved' : 'saved';
        this.saveError = '';
        if (changedMeanwhile) this.#timer = setTimeout(() => this.saveNow(), autosaveAfter);
      })
      .catch((err: Error) => {
        this.saving = 'failed';
        this.saveError = err.message;
      })
      .finally(() => (this.#inFlight = null));
    await this.#inFlight;
  }

  async sign() {
    await this.saveNow();
    if (this.saving === 'failed') throw new Error(this.saveError);
    const e = this.encounter;
    if (!e) return;
    this.#show(await api.chart.signNote(e.id, e.version));
  }

  async addAddendum(text: string) {
    const e = this.encounter;
    if (e) this.#show(await api.chart.addAddendum(e.id, text));
  }

  async retract(reason: string) {
    const e = this.encounter;
    if (e) this.#show(await api.chart.retractNote(e.id, reason, e.version));
  }

  #show(e: Encounter) {
    this.encounter = e;
    this.draft = noteOf(e);
    this.saving = 'saved';
  }
}

export const chart = new ChartStore();
