// The clinician's chart: the open patient's problems, allergies and visits,
// and the visit note being written. Drafts are saved as they are typed, and
// what is typed since the last save is kept in the draft store too, so a
// crash, a lock, a lost connection or a reload loses none of it. Every list
// is read again after each change; an answer overtaken by a later read of
// the same list, or meant for another patient, is dropped (Tickets).

import { api } from '../api';
import type {
  Allergy,
  AllergyInput,
  AllergyList,
  Diagnosis,
  DiagnosisInput,
  Encounter,
  FollowUpInput,
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
import { followChart } from './live.svelte';
import { touches, type Notice } from '../live';
import type { FolioError } from '../errors';
import { Editable, trailingSpaceEqual } from '../editable.svelte';
import { Tickets } from '../tickets';
import { drafts } from '../drafts';

/** How long typing may pause before the draft is saved. */
const autosaveAfter = 600;
/** How long to wait before saving again when Folio did not answer. */
const retryAfter = 5000;

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

const blankNote = (): NoteText => ({ subjective: '', objective: '', assessment: '', plan: '' });

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
  /** Counts the diagnoses added or removed here, so that a visit read
   * started before one keeps the list shown (see openEncounter). */
  #dxChanges = 0;
  /** The note as typed, keyed by the encounter's id: what loads later never
   * replaces a part the clinician changed, and typing not yet saved is kept
   * in the draft store (Go trims a saved part's trailing spaces, which is
   * no change). */
  note!: Editable<NoteText>;
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
  /** Whose draft store the open note is kept in (drafts.owner when it
   * opened). */
  #noteOwner = '';
  /** A note whose typing was still to be saved when its clinician was
   * signed out (the host restarted while a save waited for it): ids only,
   * nothing of the text. Opened again by the same clinician, its restored
   * draft is saved at once, as the saves kept for the host are, rather
   * than waiting to be confirmed as a draft from before does. */
  #owed: { owner: string; id: string } | null = null;
  /** The open patient's lists, and the open visit's reads, apart: opening
   * another patient's lists does not drop the visit's. */
  #reads = new Tickets();
  #visitReads = new Tickets();
  /** While a screen shows the chart, what others record in it (vitals, a
   * signed note, an allergy) appears; the forms keep what is typed. */
  follow = followChart(['chart'], () => this.patientId, (id, notices) => this.#reload(id, notices));

  constructor() {
    // The store lives as long as the window: its note keeps its draft
    // through an effect of its own root.
    $effect.root(() => {
      this.note = new Editable(blankNote, { draft: 'note', equal: trailingSpaceEqual });
    });
    session.onSignOut(() => this.reset());
  }

  /** What is typed in the note, saved behind the scenes. */
  get draft(): NoteText {
    return this.note.value;
  }

  reset() {
    clearTimeout(this.#timer);
    const e = this.encounter;
    this.#owed = e && e.status === 'open' && this.note.key === e.id && this.note.dirty && this.saving !== 'conflict'
      ? { owner: this.#noteOwner, id: e.id } : null;
    this.#reads.dropAll();
    this.#visitReads.dropAll();
    this.note.close();
    this.saving = 'saved';
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
      this.#reads.dropAll();
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
    await Promise.all([
      this.#readProblems(),
      this.#readAllergies(),
      this.#read('encounters', () => api.chart.encounters(patientId), (v) => (this.encounters = v)),
      this.#readVitals(),
      this.#readMedications(),
    ]);
  }

  /** #reload reads again the open patient's lists the notices may have
   * changed, each shown over what was shown as it arrives. */
  async #reload(patientId: string, notices: Notice[]) {
    if (patientId !== this.patientId) return;
    const changed = (...records: string[]) => touches(notices, [...records, 'patient', 'import']);
    const reads: Promise<unknown>[] = [];
    if (changed('problem', 'diagnosis')) reads.push(this.#readProblems());
    if (changed('allergy', 'no_known_allergies')) reads.push(this.#readAllergies());
    if (changed('encounter', 'note', 'diagnosis')) {
      reads.push(this.#read('encounters', () => api.chart.encounters(patientId), (v) => (this.encounters = v)));
    }
    if (changed('medication')) reads.push(this.#readMedications());
    if (changed('vitals')) {
      reads.push(this.#readVitals());
      if (this.series) reads.push(this.showSeries(this.series.measure));
      if (this.growth) reads.push(this.showGrowth());
    }
    await Promise.all(reads);
  }

  /** read reads one of the open patient's lists and shows it, unless a
   * later read of it started, or another patient was opened, meanwhile. */
  async #read<T>(what: string, fetch: () => Promise<T>, show: (v: T) => void) {
    const patientId = this.patientId;
    const newest = this.#reads.take(what);
    const v = await fetch();
    if (newest() && this.patientId === patientId) show(v);
  }

  #readProblems() {
    const id = this.patientId;
    return this.#read('problems', () => api.chart.problems(id), (v) => (this.problems = v));
  }

  #readAllergies() {
    const id = this.patientId;
    return this.#read('allergies', () => api.chart.allergies(id), (v) => (this.allergies = v));
  }

  #readVitals() {
    const id = this.patientId;
    return this.#read('vitals', () => api.chart.vitals(id, 10), (v) => (this.vitals = v));
  }

  #readMedications() {
    const id = this.patientId;
    return this.#read('medications', () => api.chart.medications(id), (v) => (this.medications = v));
  }

  async addProblem(p: ProblemInput) {
    await api.chart.addProblem(this.patientId, p);
    await this.#readProblems();
  }

  async resolveProblem(p: Problem) {
    const today = new Date().toISOString().slice(0, 10);
    await api.chart.updateProblem(p.id, { ...p, status: 'resolved', resolvedOn: today }, 'resolved', p.version);
    await this.#readProblems();
  }

  async addAllergy(a: AllergyInput) {
    await api.chart.addAllergy(this.patientId, a);
    await this.#readAllergies();
  }

  async recordNoKnownAllergies() {
    const id = this.patientId;
    await this.#read('allergies', () => api.chart.recordNoKnownAllergies(id), (v) => (this.allergies = v));
  }

  /** updateAllergy changes an allergy the clinician read at version. */
  async updateAllergy(id: string, a: AllergyInput, reason: string, version: number) {
    await api.chart.updateAllergy(id, a, reason, version);
    await this.#readAllergies();
  }

  async retractAllergy(id: string, reason: string, version: number) {
    await api.chart.retractAllergy(id, reason, version);
    await this.#readAllergies();
  }

  /** readAllergy reads the open patient's allergies again and answers
   * allergy id as saved now (undefined if it is not on this chart). */
  async readAllergy(id: string): Promise<Allergy | undefined> {
    const patientId = this.patientId;
    const newest = this.#reads.take('allergies');
    const list = await api.chart.allergies(patientId);
    if (newest() && this.patientId === patientId) this.allergies = list;
    return (list.allergies ?? []).find((a) => a.id === id);
  }

  /** addMedication prescribes or records a medication; alerts that are not
   * overridden with a reason come back as a conflict (FolioError.alerts). */
  async addMedication(m: MedicationInput, overrides: Override[]): Promise<Medication> {
    const added = await api.chart.addMedication(this.patientId, m, overrides);
    await this.#readMedications();
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

  /** readMedications reads the open patient's medications again and
   * answers them (after a refused change, to show what changed). */
  async readMedications(): Promise<Medication[]> {
    const patientId = this.patientId;
    const newest = this.#reads.take('medications');
    const list = await api.chart.medications(patientId);
    if (newest() && this.patientId === patientId) this.medications = list;
    return list;
  }

  async showMedicationHistory(id: string) {
    await this.#read('medicationHistory', () => api.chart.medicationHistory(id),
      (history) => (this.medicationHistory = { id, history }));
  }

  /** printPrescription opens the print view; reading it is audited as printed. */
  async printPrescription(id: string) {
    await this.#read('prescription', () => api.chart.prescription(id), (rx) => (this.prescription = rx));
  }

  hideMedicationHistory() {
    this.medicationHistory = null;
  }

  closePrescription() {
    this.prescription = null;
  }

  async #medicationsChanged() {
    await this.#readMedications();
    const shown = this.medicationHistory?.id;
    if (shown) await this.showMedicationHistory(shown);
  }

  /** recordVitals records a set for the open patient (patientId, when
   * given, must still be the one open: vitals typed on one chart never go
   * to another). */
  async recordVitals(v: VitalsInput, patientId = this.patientId) {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: these vitals were not recorded.');
    await api.chart.recordVitals(patientId, v);
    // Recorded. A save kept while the host was away may be answered after
    // the chart was closed (a sign-in): nothing to show then, and the
    // saved form must not look failed, or it would be saved again.
    if (patientId !== this.patientId) return;
    await this.#readVitals();
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
    const id = this.patientId;
    await this.#read('series', () => api.chart.vitalsSeries(id, measure), (s) => (this.series = s));
  }

  async startVisit(patientId: string): Promise<Encounter> {
    const e = await api.chart.openEncounter(patientId, '');
    this.#opened(e);
    return e;
  }

  /** openVisit opens (or, opened before, finds) an appointment's visit. */
  async openVisit(patientId: string, appointmentId: string): Promise<Encounter> {
    const e = await api.chart.openEncounter(patientId, appointmentId);
    this.#opened(e);
    return e;
  }

  /** openEncounter reads a visit for its screen. The note is typed into as
   * soon as the visit is known; what arrives later only fills the parts
   * not typed into (see #arrived), and an answer for a visit opened before
   * another is dropped. */
  async openEncounter(id: string) {
    if (this.note.key !== id) this.#visitReads.dropAll();
    this.note.open(id, true);
    this.#noteOwner = drafts.owner;
    const newest = this.#visitReads.take('encounter');
    const dxChangesBefore = this.#dxChanges;
    const [read, templates, phrases] = await Promise.all([
      api.chart.encounter(id),
      api.chart.templates(),
      api.chart.quickPhrases(),
    ]);
    if (!newest() || this.note.key !== id) return;
    // A diagnosis added or removed while this read was on its way does not
    // change the visit's version: the list it answered with is older than
    // the one shown.
    const shown = this.encounter;
    const e = this.#dxChanges !== dxChangesBefore && shown?.id === read.id ? { ...read, diagnoses: shown.diagnoses } : read;
    this.templates = templates;
    this.quickPhrases = phrases;
    if (this.encounter?.patientId !== e.patientId) this.visitProblems = [];
    this.#arrived(e);
    await this.#readVisitProblems(e);
  }

  async #readVisitProblems(e: Encounter) {
    const newest = this.#visitReads.take('visitProblems');
    const problems = await api.chart.problems(e.patientId);
    if (newest() && this.encounter?.id === e.id) this.visitProblems = problems;
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
    const changed = await api.chart.addDiagnosis(e.id, d);
    this.#dxChanges++;
    if (this.encounter?.id === e.id) this.encounter = { ...changed, note: this.encounter.note };
    await this.#readVisitProblems(e);
  }

  async removeDiagnosis(d: Diagnosis, reason: string) {
    const e = this.encounter;
    if (!e) return;
    const changed = await api.chart.removeDiagnosis(d.id, reason, d.version);
    this.#dxChanges++;
    if (this.encounter?.id === e.id) this.encounter = { ...changed, note: this.encounter.note };
  }

  /** edit changes the draft and saves it after a pause in typing. */
  edit(part: keyof NoteText, text: string) {
    this.note.value[part] = text;
    this.note.restoredAt = 0;
    if (this.saving === 'conflict') return;
    this.saving = 'unsaved';
    this.#saveSoon();
  }

  #saveSoon() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.saveNow(), autosaveAfter);
  }

  /** discardDraft drops the note's text restored from the draft store: the
   * note as last saved shows again. */
  discardDraft() {
    clearTimeout(this.#timer);
    this.note.discard();
    if (this.saving !== 'conflict') this.saving = 'saved';
  }

  applyTemplate(t: NoteTemplate) {
    for (const part of ['subjective', 'objective', 'assessment', 'plan'] as const) {
      if (t[part]) this.edit(part, this.draft[part] ? `${this.draft[part]}\n${t[part]}` : t[part]);
    }
  }

  /** saveNow saves the draft at once (before signing, or on leaving). */
  async saveNow(): Promise<void> {
    clearTimeout(this.#timer);
    // Each save waits for the one before (a save kept while the host was
    // away may hold several back): a save started meanwhile goes first.
    while (this.#inFlight) await this.#inFlight;
    const e = this.encounter;
    if (!e || e.status !== 'open' || this.saving === 'saved' || this.saving === 'conflict') return;
    if (this.note.key !== e.id) return;
    const sent = $state.snapshot(this.note.value) as NoteText;
    this.saving = 'saving';
    this.#inFlight = api.chart
      .saveDraft(e.id, sent, e.note.draftVersion)
      .then((saved) => {
        if (this.note.key !== saved.id) return; // another visit was opened meanwhile
        this.encounter = saved;
        // What Go saved is not shown back: it trims, and the clinician may
        // be typing at the end of a part.
        this.note.saved(sent);
        const changedMeanwhile = this.note.dirty;
        this.saving = changedMeanwhile ? 'unsaved' : 'saved';
        this.saveError = '';
        if (changedMeanwhile) this.#saveSoon();
      })
      .catch((err: FolioError) => {
        // A save kept while the host was away, refused after its visit was
        // closed (a sign-in): the draft store still has the text, and the
        // visit, opened again, merges it with what the host has.
        if (this.note.key !== e.id) return;
        this.saving = err.kind === 'conflict' ? 'conflict' : 'failed';
        this.saveError = err.message;
        // Folio not answering (a lost connection): the text is kept in the
        // draft store meanwhile, and saved when it answers again.
        if (err.kind === 'unreachable' || err.kind === 'internal') {
          clearTimeout(this.#timer);
          this.#timer = setTimeout(() => this.saveNow(), retryAfter);
        }
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

  /** saveInstructions writes the open visit's instructions for the patient
   * over the version the visit showed. */
  async saveInstructions(text: string) {
    const e = this.encounter;
    if (!e) return;
    const saved = await api.chart.saveVisitInstructions(e.id, text, e.instructions?.version ?? 0);
    if (this.encounter?.id === e.id) this.encounter = { ...this.encounter, instructions: saved };
    return saved;
  }

  /** setFollowUp sets, changes or clears (in '') the open visit's follow-up. */
  async setFollowUp(f: FollowUpInput) {
    const e = this.encounter;
    if (!e) return;
    const saved = await api.chart.setFollowUp(e.id, f);
    if (this.encounter?.id === e.id) this.encounter = { ...this.encounter, followUp: saved };
    return saved;
  }

  async addAddendum(text: string) {
    const e = this.encounter;
    if (e) this.#show(await api.chart.addAddendum(e.id, text));
  }

  async retract(reason: string) {
    const e = this.encounter;
    if (e) this.#show(await api.chart.retractNote(e.id, reason, e.version));
  }

  /** opened shows a visit just opened or found from the chart, the board
   * or the calendar: its screen opens it again (openEncounter), and the note
   * may be typed into meanwhile. */
  #opened(e: Encounter) {
    if (this.note.key !== e.id) this.#visitReads.dropAll();
    this.note.open(e.id, true);
    this.#noteOwner = drafts.owner;
    this.#arrived(e);
  }

  /**
   * arrived takes a visit as read from Go. An answer older than the visit
   * this store holds (one read before a save of the note) is dropped. The
   * note's parts the clinician has not changed show it; changed parts keep
   * what was typed. A part that was also changed elsewhere (another window)
   * is a conflict for the clinician to resolve.
   */
  #arrived(e: Encounter) {
    if (this.note.key !== e.id) return;
    const held = this.encounter;
    if (held?.id === e.id && (e.version < held.version || e.note.draftVersion < held.note.draftVersion)) return;
    this.encounter = e;
    if (e.status !== 'open') {
      // Signed or retracted elsewhere: nothing is typed into it any more.
      clearTimeout(this.#timer);
      this.note.reset(noteOf(e));
      this.saving = 'saved';
      return;
    }
    const clashes = this.note.fill(noteOf(e));
    if (clashes.length) {
      clearTimeout(this.#timer);
      this.saving = 'conflict';
      this.saveError = 'This note was saved elsewhere meanwhile.';
      return;
    }
    if (this.saving === 'conflict' || this.saving === 'saving') return;
    if (!this.note.dirty) {
      this.saving = 'saved';
      return;
    }
    // Typed before the visit arrived, or not saved before a lock or a lost
    // connection: saved now. A draft restored from the draft store waits
    // for the clinician (to go on typing, or to discard it), unless it was
    // on its way when the host signed the clinician out (#owed).
    this.saving = 'unsaved';
    const owed = this.#owed?.id === e.id && this.#owed.owner === drafts.owner;
    if (owed) this.#owed = null;
    if (!this.note.restoredAt || owed) this.#saveSoon();
  }

  /** show shows a visit as Go has it now, replacing the note's text (after
   * signing, an addendum, a retraction, or choosing the other version). */
  #show(e: Encounter) {
    clearTimeout(this.#timer);
    this.encounter = e;
    this.note.open(e.id);
    this.note.reset(noteOf(e));
    this.saving = 'saved';
  }
}

export const chart = new ChartStore();
