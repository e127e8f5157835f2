// The clinician's chart: the open patient's problems, allergies and visits,
// and the visit note being written. Drafts are saved as they are typed, so
// a crash or power cut loses at most the last moment's typing.

import { api } from '../api';
import type {
  AllergyInput,
  AllergyList,
  Diagnosis,
  DiagnosisInput,
  Encounter,
  EncounterSummary,
  NoteTemplate,
  NoteText,
  Problem,
  ProblemInput,
  QuickPhrase,
  Series,
  GrowthCharts,
  Medication,
  MedicationInput,
  MedicationHistory,
  Prescription,
  Override,
  VitalsInput,
  VitalsSet,
} from '../types';
import { session } from './session.svelte';
import type { FolioError } from '../errors';

/** How long typing may pause before the draft is saved. */
const autosaveAfter = 600;

/** visitAction is what a clinician's button says for an appointment's
 * visit: "Start visit" once the patient has arrived, "Open visit" while or
 * after they are seen; '' when there is no visit to open. */
export function visitAction(status: string): string {
  if (status === 'arrived' || status === 'in_room') return 'Start visit';
  if (status === 'with_clinician' || status === 'done') return 'Open visit';
  return '';
}

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
  /** The story of one medication, shown under it (see showMedicationHistory). */
  medicationHistory = $state<{ id: string; history: MedicationHistory } | null>(null);
  /** The prescription in the print view, or null when it is closed. */
  prescription = $state<Prescription | null>(null);
  series = $state<Series | null>(null);
  /** A child's growth charts, once asked for (showGrowth). */
  growth = $state<GrowthCharts | null>(null);

  encounter = $state<Encounter | null>(null);
  /** What is typed in the note, saved behind the scenes. */
  draft = $state<NoteText>({ subjective: '', objective: '', assessment: '', plan: '' });
  /** 'conflict': the note was saved elsewhere (another tab or window)
   * since this editor read it; nothing more is saved until the clinician
   * chooses whose text stays (resolveConflict). */
  saving = $state<'saved' | 'saving' | 'unsaved' | 'failed' | 'conflict'>('saved');
  saveError = $state('');
  quickPhrases = $state<QuickPhrase[]>([]);
  /** The open visit's patient's problems, to pick diagnoses from. */
  visitProblems = $state<Problem[]>([]);

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
    // What one clinician opened is not shown to the next who signs in.
    this.medicationHistory = null;
    this.prescription = null;
  }

  /** load reads a patient's clinical lists for the chart page. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.problems = [];
      this.allergies = null;
      this.encounters = [];
      this.vitals = [];
      this.medications = [];
      this.medicationHistory = null;
      this.prescription = null;
      this.series = null;
      this.growth = null;
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
  async addMedication(m: MedicationInput, overrides: Override[]): Promise<Medication> {
    const added = await api.chart.addMedication(this.patientId, m, overrides);
    this.medications = await api.chart.medications(this.patientId);
    return added;
  }

  async stopMedication(m: Medication, reason: string, stopDate: string) {
    await api.chart.stopMedication(m.id, reason, stopDate, m.version);
    await this.#medicationsChanged();
  }

  /** renewMedication writes a new prescription of m's drug and stops m as
   * renewed; alerts come back as for addMedication. */
  async renewMedication(m: Medication, input: MedicationInput, overrides: Override[]): Promise<Medication> {
    const renewed = await api.chart.renewMedication(m.id, input, m.version, overrides);
    await this.#medicationsChanged();
    return renewed;
  }

  async retractMedication(m: Medication, reason: string) {
    await api.chart.retractMedication(m.id, reason, m.version);
    await this.#medicationsChanged();
  }

  async showMedicationHistory(id: string) {
    this.medicationHistory = { id, history: await api.chart.medicationHistory(id) };
  }

  /** printPrescription opens the print view; reading it is audited as printed. */
  async printPrescription(id: string) {
    this.prescription = await api.chart.prescription(id);
  }

  hideMedicationHistory() {
    this.medicationHistory = null;
  }

  closePrescription() {
    this.prescription = null;
  }

  async #medicationsChanged() {
    this.medications = await api.chart.medications(this.patientId);
    const shown = this.medicationHistory?.id;
    if (shown) await this.showMedicationHistory(shown);
  }

  async recordVitals(v: VitalsInput) {
    await api.chart.recordVitals(this.patientId, v);
    this.vitals = await api.chart.vitals(this.patientId, 10);
    if (this.series) await this.showSeries(this.series.measure);
    if (this.growth) await this.showGrowth();
  }

  /** showGrowth reads the child's growth charts; answers for a chart
   * opened since are dropped. */
  async showGrowth() {
    const patientId = this.patientId;
    const growth = await api.chart.growthCharts(patientId);
    if (this.patientId === patientId) this.growth = growth;
  }

  /** hideGrowth closes the growth charts. */
  hideGrowth() {
    this.growth = null;
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

  /** openVisit opens (or, opened before, finds) an appointment's visit. */
  async openVisit(patientId: string, appointmentId: string): Promise<Encounter> {
    const e = await api.chart.openEncounter(patientId, appointmentId);
    this.#show(e);
    return e;
  }

  async openEncounter(id: string) {
    const [e, templates, phrases] = await Promise.all([
      api.chart.encounter(id),
      api.chart.templates(),
      api.chart.quickPhrases(),
    ]);
    this.templates = templates;
    this.quickPhrases = phrases;
    if (this.encounter?.patientId !== e.patientId) this.visitProblems = [];
    this.#show(e);
    this.visitProblems = await api.chart.problems(e.patientId);
  }

  /** resolveConflict ends a conflicting save: 'mine' saves this editor's
   * text over the other draft (which stays in the note's history),
   * 'theirs' drops this editor's unsaved text for the other draft. */
  async resolveConflict(keep: 'mine' | 'theirs') {
    const e = this.encounter;
    if (!e) return;
    const latest = await api.chart.encounter(e.id);
    if (keep === 'theirs' || latest.status !== 'open') {
      this.#show(latest);
      return;
    }
    this.encounter = latest;
    this.saving = 'unsaved';
    await this.saveNow();
  }

  async addDiagnosis(d: DiagnosisInput) {
    const e = this.encounter;
    if (!e) return;
    this.encounter = { ...(await api.chart.addDiagnosis(e.id, d)), note: this.encounter?.note ?? e.note };
    this.visitProblems = await api.chart.problems(e.patientId);
  }

  async removeDiagnosis(d: Diagnosis, reason: string) {
    const e = this.encounter;
    if (!e) return;
    this.encounter = { ...(await api.chart.removeDiagnosis(d.id, reason, d.version)), note: this.encounter?.note ?? e.note };
  }

  /** edit changes the draft and saves it after a pause in typing. */
  edit(part: keyof NoteText, text: string) {
    this.draft[part] = text;
    if (this.saving === 'conflict') return;
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
    if (!e || e.status !== 'open' || this.saving === 'saved' || this.saving === 'conflict') return;
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
      .catch((err: FolioError) => {
        this.saving = err.kind === 'conflict' ? 'conflict' : 'failed';
        this.saveError = err.message;
      })
      .finally(() => (this.#inFlight = null));
    await this.#inFlight;
  }

  async sign() {
    await this.saveNow();
    if (this.saving === 'failed' || this.saving === 'conflict') throw new Error(this.saveError);
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
