// The open chart's documents, and the one being viewed. A file is fetched
// only to be viewed (the list never carries files), turned into a blob URL
// the viewer shows, and let go when the viewer closes or the user signs out.

import { api } from '../api';
import { base64ToBytes, shownAs } from '../documents';
import type { ChartDocument, DocumentInput } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';
import { Tickets } from '../tickets';

/** Viewing is the document open in the viewer. */
export interface Viewing {
  doc: ChartDocument;
  mediaType: string;
  /** The file's bytes, for the PDF renderer. */
  bytes: Uint8Array;
  /** A blob URL of the file: the image's source, or the file to save. */
  url: string;
  /** The name to save it under. */
  saveAs: string;
  /** Why it is to be saved, not shown (see DocumentFile.notice). */
  notice: string;
}

class DocumentsStore {
  patientId = $state('');
  list = $state<ChartDocument[]>([]);
  viewing = $state.raw<Viewing | null>(null);
  /** Why the last file could not be opened (a damaged file, say). */
  viewError = $state('');
  opening = $state('');
  #reads = new Tickets();
  /** While a screen shows the list, documents added elsewhere appear. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id), ['document', 'patient', 'import']);

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.close();
    this.#reads.dropAll();
    this.patientId = '';
    this.list = [];
  }

  /** load reads a chart's list; an answer overtaken by a later read, or for
   * a chart no longer open, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.close();
      this.#reads.dropAll();
      this.list = [];
    }
    this.patientId = patientId;
    const newest = this.#reads.take('list');
    const list = await api.chart.documents(patientId);
    if (newest() && this.patientId === patientId) this.list = list;
  }

  /** add attaches a document to the open chart, which must be patientId. */
  async add(input: DocumentInput, patientId = this.patientId) {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: the document was not attached.');
    const added = await api.chart.addDocument(patientId, input);
    await this.load(patientId);
    return added;
  }

  async retract(doc: ChartDocument, reason: string) {
    await api.chart.retractDocument(doc.id, reason, doc.version);
    await this.load(this.patientId);
    if (this.viewing?.doc.id === doc.id) this.close();
  }

  /** view fetches a document's file (Go checks it against its checksum
   * first) and opens it in the viewer. */
  async view(doc: ChartDocument) {
    this.close();
    this.opening = doc.id;
    try {
      const file = await api.chart.documentContent(doc.id);
      if (this.opening !== doc.id) return; // another was chosen meanwhile
      const bytes = base64ToBytes(file.data);
      const mediaType = shownAs(file.mediaType);
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mediaType }));
      this.viewing = { doc, mediaType, bytes, url, saveAs: file.saveAs || doc.fileName, notice: file.notice };
    } catch (err) {
      this.viewError = (err as Error).message;
    } finally {
      if (this.opening === doc.id) this.opening = '';
    }
  }

  close() {
    if (this.viewing) URL.revokeObjectURL(this.viewing.url);
    this.viewing = null;
    this.viewError = '';
  }
}

export const documents = new DocumentsStore();
