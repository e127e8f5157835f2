// Records imported from another system: the import being reviewed on the
// import screen (with the clinician's choices so far), and, for the open
// chart, where each imported record came from and the originals kept.
// Go stages, decides and writes; this store keeps what the screens show.

import { api } from '../api';
import type {
  Alert,
  ImportChoice,
  ImportHistory,
  ImportItem,
  ImportReview,
  ImportSource,
  ImportSummary,
  ItemDecision,
  KeptOriginal,
} from '../types';
import { readAsBase64 } from '../documents';
import { session } from './session.svelte';
import { Editable } from '../editable.svelte';
import { Tickets } from '../tickets';

type Decisions = { choices: Record<string, ImportChoice>; reasons: Record<string, string> };

/** effectiveChoice is what finishing will do with an item: the
 * clinician's choice, else Folio's suggestion. */
export function effectiveChoice(it: ImportItem, chosen: ImportChoice | undefined): string {
  if (it.decision !== 'pending') return it.decision;
  const c = chosen ?? it.chosen;
  if (c) return c;
  return it.suggested;
}

/** reasonKey names the reason typed for one alert of one item. */
export function reasonKey(it: ImportItem, a: Alert): string {
  return it.id + ' ' + a.key;
}

/** choiceLabel says a choice or decision in the clinician's words. */
export const choiceLabel: Record<string, string> = {
  accept: 'accept',
  accepted: 'written to the chart',
  skip: 'skip',
  skipped: 'skipped',
  already_present: 'already present',
  kept_original: 'kept as original, not charted',
  pending: 'to decide',
};

/** sourceLine is how the chart shows where an imported record came from:
 * "imported from Hillside Clinic, 2026-11-20 (Condition/abc)". */
export function sourceLine(s: ImportSource): string {
  const date = s.sourceDate ? ', ' + s.sourceDate.slice(0, 10) : '';
  const what = s.resourceType ? ` (${s.resourceType}/${s.resourceId})` : '';
  return `imported from ${s.sourceOrg || 'another system'}${date}${what}`;
}

class ImportStore {
  /** The import under review on the import screen. */
  review = $state<ImportReview | null>(null);
  /** The clinician's choices not yet sent and the reasons typed, kept as a
   * draft of the import's: taken up again later (Continue), after a lock or
   * a reload, they are as the clinician left them. */
  decisions!: Editable<Decisions>;
  #opening = 0;
  #reads = new Tickets();

  /** Imports started and not finished or abandoned, to take up again. */
  inReview = $state<ImportSummary[]>([]);

  /** The open chart's imported records: source by "entity/id". */
  patientId = $state('');
  sources = $state<Record<string, ImportSource>>({});
  history = $state<ImportHistory | null>(null);
  /** The original shown in full, or null. */
  original = $state<KeptOriginal | null>(null);

  constructor() {
    $effect.root(() => {
      this.decisions = new Editable<Decisions>(() => ({ choices: {}, reasons: {} }), { draft: 'import' });
    });
    session.onSignOut(() => {
      this.reset();
      this.resetChart();
    });
  }

  /** The clinician's choices not yet sent, by item id. */
  get choices(): Record<string, ImportChoice> {
    return this.decisions.value.choices;
  }

  set choices(v: Record<string, ImportChoice>) {
    this.decisions.value.choices = v;
  }

  /** The reasons typed to continue past items' alerts, by reasonKey. */
  get reasons(): Record<string, string> {
    return this.decisions.value.reasons;
  }

  set reasons(v: Record<string, string>) {
    this.decisions.value.reasons = v;
  }

  reset() {
    this.#opening++;
    this.review = null;
    this.inReview = [];
    this.decisions.close();
  }

  resetChart() {
    this.#reads.dropAll();
    this.patientId = '';
    this.sources = {};
    this.history = null;
    this.original = null;
  }

  /** start reads a chosen file and stages it; Go verifies and parses it. */
  async start(file: File, passphrase: string) {
    const mine = ++this.#opening;
    const data = await readAsBase64(file);
    const review = await api.chart.startImport(file.name, data, passphrase);
    if (mine !== this.#opening) return review; // another import was opened meanwhile
    this.#show(review);
    return review;
  }

  async loadInReview() {
    const newest = this.#reads.take('inReview');
    const list = await api.chart.importsInReview();
    if (newest()) this.inReview = list;
  }

  /** open takes up an import in review; an answer for one chosen before
   * another is dropped. */
  async open(importId: string) {
    const mine = ++this.#opening;
    const review = await api.chart.importReview(importId);
    if (mine === this.#opening) this.#show(review);
  }

  #show(review: ImportReview) {
    this.review = review;
    this.decisions.open(review.id);
  }

  /** update shows the review Go answered, if it is still the one open. */
  #update(review: ImportReview) {
    if (this.review?.id === review.id) this.review = review;
  }

  async match(patientId: string) {
    if (!this.review) return;
    this.#update(await api.chart.matchImport(this.review.id, patientId));
  }

  /** matchDespiteMismatch matches a chart whose patient's details differ
   * from the file's (Go refuses MatchImport then), with the clinician's
   * reason; Go keeps the reason with the import and audits it. */
  async matchDespiteMismatch(patientId: string, reason: string) {
    if (!this.review) return;
    this.review = await api.chart.matchImportDespiteMismatch(this.review.id, patientId, reason);
  }

  async createPatient() {
    if (!this.review) return;
    this.#update(await api.chart.createPatientFromImport(this.review.id));
  }

  choose(itemId: string, choice: ImportChoice) {
    this.choices = { ...this.choices, [itemId]: choice };
  }

  /** acceptAllSuggested forgets every choice: finishing follows Folio. */
  acceptAllSuggested() {
    const next: Record<string, ImportChoice> = {};
    for (const s of this.review?.sections ?? []) for (const it of s.items) if (it.decision === 'pending') next[it.id] = '';
    this.choices = next;
  }

  /** finish sends the choices and writes the import in one step each:
   * the choices are kept by Go (and the review it returns shows the alerts
   * of the items as now chosen), then every item is decided together, with
   * the reasons typed for the alerts. Go refuses the whole import while an
   * accepted item's alert has no reason. */
  async finish() {
    const open = this.review;
    if (!open) return;
    const decisions: ItemDecision[] = Object.entries(this.choices).map(([itemId, decision]) => ({ itemId, decision }));
    let review = open;
    if (decisions.length) {
      review = await api.chart.decideImportItems(open.id, decisions);
      this.#update(review);
    }
    // The choices are Go's now; the reasons stay until the import is done.
    if (this.review?.id === open.id) this.choices = {};
    const done = await api.chart.finishImport(open.id, this.overrides(review));
    this.#update(done);
    if (this.review?.id === open.id) this.decisions.reset();
    return done;
  }

  /** overrides are the reasons typed for each pending item's alerts, with
   * the item's choice as Go keeps it (so sending them changes no choice). */
  overrides(review: ImportReview): ItemDecision[] {
    const out: ItemDecision[] = [];
    for (const s of review.sections)
      for (const it of s.items) {
        if (it.decision !== 'pending' || !it.alerts?.length) continue;
        out.push({
          itemId: it.id,
          decision: it.chosen,
          overrides: it.alerts.map((a) => ({ alertKey: a.key, reason: this.reasons[reasonKey(it, a)] ?? '' })),
        });
      }
    return out;
  }

  async abandon() {
    if (!this.review) return;
    const id = this.review.id;
    this.#update(await api.chart.abandonImport(id));
    if (this.review?.id === id) this.decisions.reset();
  }

  /** loadChart reads where the open chart's imported records came from. */
  async loadChart(patientId: string) {
    if (this.patientId !== patientId) this.resetChart();
    this.patientId = patientId;
    const newest = this.#reads.take('chart');
    const [sources, history] = await Promise.all([api.chart.importSources(patientId), api.chart.imports(patientId)]);
    if (!newest() || this.patientId !== patientId) return;
    const byRecord: Record<string, ImportSource> = {};
    for (const s of sources) byRecord[s.entity + '/' + s.recordId] = s;
    this.sources = byRecord;
    this.history = history;
  }

  sourceOf(entity: string, id: string): ImportSource | undefined {
    return this.sources[entity + '/' + id];
  }

  async showOriginal(itemId: string) {
    const newest = this.#reads.take('original');
    const original = await api.chart.importOriginal(itemId);
    if (newest()) this.original = original;
  }

  closeOriginal() {
    this.original = null;
  }
}

export const imports = new ImportStore();
