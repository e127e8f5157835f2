// The admin's Clinic network screen: whether this Folio shares the clinic
// with its other computers, the clinic certificate, and the workstations
// that paired or ask to. A pairing request comes from another computer at
// any moment, so while the screen is shown the list is read again when Go
// says the settings changed (workstation.* and network.share notices).

import { api } from '../api';
import { Shown } from '../live';
import { Tickets } from '../tickets';
import type { NetworkStatus, Workstation } from '../types';
import { live } from './live.svelte';
import { session } from './session.svelte';

/** Pending requests first (they wait for the admin), then paired, then
 * the ended ones; within each, as Go lists them (newest first). */
const order: Record<string, number> = { pending: 0, approved: 1, revoked: 2, refused: 3 };

export function byUrgency(list: Workstation[]): Workstation[] {
  return list
    .map((w, i) => ({ w, i }))
    .sort((a, b) => (order[a.w.status] ?? 9) - (order[b.w.status] ?? 9) || a.i - b.i)
    .map(({ w }) => w);
}

class NetworkStore {
  status = $state<NetworkStatus | null>(null);
  workstations = $state<Workstation[]>([]);
  #reads = new Tickets();
  #shown = new Shown<'network'>();

  constructor() {
    session.onSignOut(() => this.reset());
    live.on(['settings'], () => {
      if (!this.#shown.has('network') || !session.user) return;
      return Promise.allSettled([this.loadStatus(), this.loadWorkstations()]);
    });
  }

  /** follow marks the screen as shown until the returned release: while it
   * is, a new pairing request or another admin's decision is read in. */
  follow(): () => void {
    return this.#shown.show('network');
  }

  reset() {
    this.#reads.dropAll();
    this.status = null;
    this.workstations = [];
  }

  get pending(): Workstation[] {
    return this.workstations.filter((w) => w.status === 'pending');
  }

  async loadStatus() {
    const newest = this.#reads.take('status');
    const st = await api.network.status();
    if (newest()) this.status = st;
  }

  /** share turns sharing on or off (the window only); the status answered
   * says whether it serves, and why not. */
  async share(on: boolean) {
    const newest = this.#reads.take('status');
    const st = await api.network.share(on);
    if (newest()) this.status = st;
  }

  /** downloadCertificate saves the clinic's certificate where the person
   * chooses (a browser's download, the window's save dialog) and answers
   * the file's name, '' when cancelled. */
  async downloadCertificate(): Promise<string> {
    const cert = await api.network.certificate();
    return api.saveFile(cert.fileName, cert.pem, 'application/x-x509-ca-cert');
  }

  async loadWorkstations() {
    const newest = this.#reads.take('workstations');
    const list = await api.workstations.list();
    if (newest()) this.workstations = byUrgency(list);
  }

  /** approve pairs a waiting workstation by the code it shows; a wrong
   * code is refused with the field's error and the list is left as it is. */
  async approve(id: string, code: string) {
    this.#put(await api.workstations.approve(id, code.trim()));
    await this.loadWorkstations();
  }

  async refuse(id: string, reason: string) {
    this.#put(await api.workstations.refuse(id, reason));
    await this.loadWorkstations();
  }

  async revoke(id: string, reason: string) {
    this.#put(await api.workstations.revoke(id, reason));
    await this.loadWorkstations();
  }

  /** #put shows a decision at once, before the list is read again; a read
   * already on its way would bring the row back as it was, so it is dropped. */
  #put(w: Workstation) {
    this.#reads.take('workstations');
    this.workstations = byUrgency(this.workstations.map((x) => (x.id === w.id ? w : x)));
  }
}

export const network = new NetworkStore();
