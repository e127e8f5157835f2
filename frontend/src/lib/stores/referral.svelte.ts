// What leaves the clinic about the open chart: the referral preview with
// what the clinician ticked, the archive just made, the patient's copy on
// screen, and the list of disclosures. Go records every export as a
// disclosure; this store only keeps what the screens show.

import { api } from '../api';
import type {
  Disclosure,
  ExportedFile,
  PatientCopy,
  ReferralPreview,
  ReferralRequest,
  ReferralSectionKey,
} from '../types';
import { session } from './session.svelte';

/** The letter and where it goes: the form beside the ticked items. */
export interface ReferralForm {
  recipient: string;
  purpose: string;
  reason: string;
  question: string;
  letter: string;
  passphrase: string;
}

export const blankReferralForm = (): ReferralForm => ({
  recipient: '',
  purpose: 'referral',
  reason: '',
  question: '',
  letter: '',
  passphrase: '',
});

class ReferralStore {
  patientId = $state('');
  preview = $state<ReferralPreview | null>(null);
  /** ticked says, by item id, what is to leave (documents too). */
  ticked = $state<Record<string, boolean>>({});
  /** sent is the archive made last, for this chart. */
  sent = $state<ExportedFile | null>(null);
  copy = $state<PatientCopy | null>(null);
  disclosures = $state<Disclosure[]>([]);

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.patientId = '';
    this.preview = null;
    this.ticked = {};
    this.sent = null;
    this.copy = null;
    this.disclosures = [];
  }

  private forPatient(patientId: string) {
    if (this.patientId !== patientId) {
      this.reset();
      this.patientId = patientId;
    }
  }

  /** loadPreview reads what could leave, ticked as Go suggests. */
  async loadPreview(patientId: string) {
    this.forPatient(patientId);
    this.sent = null;
    const preview = await api.chart.referralPreview(patientId);
    if (this.patientId !== patientId) return;
    const ticked: Record<string, boolean> = {};
    for (const s of preview.sections) for (const it of s.items) ticked[it.id] = it.included;
    this.preview = preview;
    this.ticked = ticked;
  }

  /** tickSection ticks or unticks every item of a section. */
  tickSection(key: ReferralSectionKey, on: boolean) {
    const s = this.preview?.sections.find((x) => x.key === key);
    if (!s) return;
    const next = { ...this.ticked };
    for (const it of s.items) next[it.id] = on;
    this.ticked = next;
  }

  /** request is the form with the ticked ids: items and documents apart. */
  request(form: ReferralForm): ReferralRequest {
    const includedIds: string[] = [];
    const documentIds: string[] = [];
    for (const s of this.preview?.sections ?? []) {
      for (const it of s.items) {
        if (!this.ticked[it.id]) continue;
        (s.key === 'documents' ? documentIds : includedIds).push(it.id);
      }
    }
    return { includedIds, documentIds, ...form };
  }

  /** exportReferral makes the archive and hands it to the saver. The
   * disclosure is recorded when Go makes the file, saved or not. */
  async exportReferral(form: ReferralForm) {
    const patientId = this.patientId;
    const out = await api.chart.exportReferral(patientId, this.request(form));
    this.sent = out;
    this.loadDisclosures(patientId).catch(() => {});
    await this.saveSent();
    return out;
  }

  async saveSent() {
    if (this.sent) await api.saveBytes(this.sent.fileName, this.sent.data, archiveType(this.sent));
  }

  /** makeCopy makes the patient's own copy and keeps it to show. */
  async makeCopy(patientId: string) {
    this.forPatient(patientId);
    this.copy = await api.chart.patientCopy(patientId);
    this.loadDisclosures(patientId).catch(() => {});
    return this.copy;
  }

  closeCopy() {
    this.copy = null;
  }

  async saveCopyHTML() {
    if (this.copy) await api.saveFile(this.copy.htmlFileName, this.copy.html, 'text/html');
  }

  async saveCopyArchive() {
    if (this.copy) await api.saveBytes(this.copy.fileName, this.copy.data, archiveType(this.copy));
  }

  #disclosuresRead = 0;

  /** loadDisclosures reads the list again; only the latest read counts, so
   * a read from before a copy was made, answered late, never hides it. */
  async loadDisclosures(patientId: string) {
    this.forPatient(patientId);
    const mine = ++this.#disclosuresRead;
    const list = await api.chart.disclosures(patientId);
    if (this.patientId === patientId && mine === this.#disclosuresRead) this.disclosures = list;
  }
}

function archiveType(f: ExportedFile): string {
  return f.encrypted ? 'application/octet-stream' : 'application/zip';
}

/** countsText is what an archive held, in words: "2 problems, 1 allergy". */
export function countsText(c: ExportedFile['counts']): string {
  const parts: [number, string, string][] = [
    [c.problems, 'problem', 'problems'],
    [c.allergies, 'allergy', 'allergies'],
    [c.medications, 'medication', 'medications'],
    [c.immunizations, 'immunization', 'immunizations'],
    [c.results, 'result', 'results'],
    [c.vitals, 'vitals set', 'vitals sets'],
    [c.notes ?? 0, 'visit note', 'visit notes'],
    [c.documents, 'document', 'documents'],
  ];
  const words = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return words.length ? words.join(', ') : 'the patient’s details only';
}

export const referral = new ReferralStore();
