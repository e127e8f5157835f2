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
  /** The clinician's choices not yet sent, by item id. */
  choices = $state<Record<string, ImportChoice>>({});
  /** The reasons typed to continue past items' alerts, by reasonKey. */
  reasons = $state<Record<string, string>>({});

  /** Imports started and not finished or abandoned, to take up again. */
  inReview = $state<ImportSummary[]>([]);

  /** The open chart's imported records: source by "entity/id". */
  patientId = $state('');
  sources = $state<Record<string, ImportSource>>({});
  history = $state<ImportHistory | null>(null);
  /** The original shown in full, or null. */
  original = $state<KeptOriginal | null>(null);

  constructor() {
    session.onSignOut(() => {
      this.reset();
      this.resetChart();
    });
  }

  reset() {
    this.review = null;
    this.inReview = [];
    this.choices = {};
    this.reasons = {};
  }

  resetChart() {
    this.patientId = '';
    this.sources = {};
    this.history = null;
    this.original = null;
  }

  /** start reads a chosen file and stages it; Go verifies and parses it. */
  async start(file: File, passphrase: string) {
    const data = await readAsBase64(file);
    this.review = await api.chart.startImport(file.name, data, passphrase);
    this.choices = {};
    this.reasons = {};
    return this.review;
  }

  async loadInReview() {
    this.inReview = await api.chart.importsInReview();
  }

  async open(importId: string) {
    this.review = await api.chart.importReview(importId);
    this.choices = {};
  }

  async match(patientId: string) {
    if (!this.review) return;
    this.review = await api.chart.matchImport(this.review.id, patientId);
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
    this.review = await api.chart.createPatientFromImport(this.review.id);
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
    if (!this.review) return;
    const decisions: ItemDecision[] = Object.entries(this.choices).map(([itemId, decision]) => ({ itemId, decision }));
    if (decisions.length) this.review = await api.chart.decideImportItems(this.review.id, decisions);
    this.choices = {};
    this.review = await api.chart.finishImport(this.review.id, this.overrides(this.review));
    this.reasons = {};
    return this.review;
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
    this.review = await api.chart.abandonImport(this.review.id);
  }

  /** loadChart reads where the open chart's imported records came from. */
  async loadChart(patientId: string) {
    if (this.patientId !== patientId) this.resetChart();
    this.patientId = patientId;
    const [sources, history] = await Promise.all([api.chart.importSources(patientId), api.chart.imports(patientId)]);
    if (this.patientId !== patientId) return;
    const byRecord: Record<string, ImportSource> = {};
    for (const s of sources) byRecord[s.entity + '/' + s.recordId] = s;
    this.sources = byRecord;
    this.history = history;
  }

  sourceOf(entity: string, id: string): ImportSource | undefined {
    return this.sources[entity + '/' + id];
  }

  async showOriginal(itemId: string) {
    this.original = await api.chart.importOriginal(itemId);
  }

  closeOriginal() {
    this.original = null;
  }
}

export const imports = new ImportStore();
