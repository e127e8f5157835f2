// The open chart's home readings (issue 14): the patient's own cuff,
// scale, meter or oximeter readings, brought in from a file or sent by a
// hub with a device token; the files imported; the tokens; and the
// clinic's saved CSV formats. A file's preview writes nothing; a retracted
// reading stays listed, marked so.

import { api } from '../api';
import type { DeviceToken, HomeReading, ReadingFormat, ReadingImport, ReadingSpec } from '../types';
import { session } from './session.svelte';
import { followChart } from './live.svelte';
import { Tickets } from '../tickets';

export { blankSpec, guessDelimiter, readingValue, kindLabel } from '../readings';

class ReadingsStore {
  patientId = $state('');
  list = $state<HomeReading[]>([]);
  imports = $state<ReadingImport[]>([]);
  tokens = $state<DeviceToken[]>([]);
  formats = $state<ReadingFormat[]>([]);
  #reads = new Tickets();
  /** While the chart is shown, readings a hub or another room adds appear. */
  follow = followChart(['chart'], () => this.patientId, (id) => this.load(id), ['reading', 'device_token', 'patient']);

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.#reads.dropAll();
    this.patientId = '';
    this.list = [];
    this.imports = [];
    this.tokens = [];
    this.formats = [];
  }

  /** load reads a chart's readings, imports and tokens, and the clinic's
   * formats; an answer for a chart no longer open, or overtaken by a
   * later read, is dropped. */
  async load(patientId: string) {
    if (this.patientId !== patientId) {
      this.#reads.dropAll();
      this.list = [];
      this.imports = [];
      this.tokens = [];
    }
    this.patientId = patientId;
    const newest = this.#reads.take('all');
    const [list, imports, tokens, formats] = await Promise.all([
      api.chart.homeReadings(patientId, '2000-01-01', ''),
      api.chart.readingImports(patientId),
      api.chart.deviceTokens(patientId),
      api.chart.readingFormats(),
    ]);
    if (!newest() || this.patientId !== patientId) return;
    this.list = list;
    this.imports = imports;
    this.tokens = tokens;
    this.formats = formats;
  }

  /** importFile brings a previewed file into the open chart, which must be patientId. */
  async importFile(patientId: string, fileName: string, content: string, formatId: string): Promise<ReadingImport> {
    if (patientId !== this.patientId) throw new Error('Another chart was opened: nothing was imported.');
    const done = await api.chart.importReadings(patientId, fileName, content, formatId);
    await this.load(this.patientId);
    return done;
  }

  async saveFormat(name: string, spec: ReadingSpec): Promise<ReadingFormat> {
    const saved = await api.chart.saveReadingFormat(name, spec);
    this.formats = await api.chart.readingFormats();
    return saved;
  }

  async retract(r: HomeReading, reason: string) {
    await api.chart.retractHomeReading(r.id, reason);
    await this.load(this.patientId);
  }

  async issueToken(label: string, device: string) {
    const issued = await api.chart.issueDeviceToken(this.patientId, label, device);
    await this.load(this.patientId);
    return issued;
  }

  async revokeToken(t: DeviceToken, reason: string) {
    await api.chart.revokeDeviceToken(t.id, reason);
    await this.load(this.patientId);
  }
}

export const homeReadings = new ReadingsStore();
