// The first-run screen's other way: make this PC a workstation of the
// clinic's host instead of a clinic of its own. The store lists the hosts
// found on the network (or takes a typed address), asks one to pair, shows
// the code the host's admin approves by, and asks the host every few
// seconds until the admin answers; then the window opens again as the
// host's workstation. Only the desktop window can join (see joinApi).

import { joinApi, type JoinClient } from '../api';
import { toFolioError } from '../errors';
import type { FoundHost, Pairing } from '../types';

/** How often the host is asked whether its admin approved. */
const pollEvery = 2000;

export type JoinStep = 'choose' | 'waiting' | 'approved';

export class JoinStore {
  step = $state<JoinStep>('choose');
  hosts = $state<FoundHost[]>([]);
  /** Looking for hosts now; searched: at least once. */
  searching = $state(false);
  searched = $state(false);
  /** The address typed, and this computer's name as the admin will see it. */
  address = $state('');
  name = $state('');
  pairing = $state<Pairing | null>(null);
  busy = $state(false);
  message = $state('');
  errors = $state<Record<string, string>>({});

  #client: JoinClient | null;
  #reload: () => void;
  #pollMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts requests to pair, so that a poll for an abandoned one is dropped. */
  #attempt = 0;

  constructor(client: JoinClient | null, reload: () => void, pollMs = pollEvery) {
    this.#client = client;
    this.#reload = reload;
    this.#pollMs = pollMs;
  }

  /** available says whether this window can join a host at all. */
  get available(): boolean {
    return this.#client !== null;
  }

  /** find lists the hosts that answer on the network. */
  async find() {
    if (!this.#client || this.searching) return;
    this.searching = true;
    this.message = '';
    try {
      this.hosts = await this.#client.find();
    } catch (e) {
      this.message = toFolioError(e).message;
    } finally {
      this.searching = false;
      this.searched = true;
    }
  }

  /** join asks a host to pair: one found on the network (its announced
   * authority is then checked), or the typed address. */
  async join(host?: FoundHost) {
    if (!this.#client || this.busy) return;
    this.busy = true;
    this.message = '';
    this.errors = {};
    const attempt = ++this.#attempt;
    try {
      const p = await this.#client.begin(host?.address ?? this.address.trim(), this.name.trim(), host?.fingerprint ?? '');
      if (attempt !== this.#attempt) return;
      this.pairing = p;
      this.step = 'waiting';
      this.#schedule(attempt);
    } catch (e) {
      if (attempt !== this.#attempt) return;
      const err = toFolioError(e);
      this.message = err.message;
      this.errors = err.fields;
    } finally {
      if (attempt === this.#attempt) this.busy = false;
    }
  }

  /** cancel stops waiting: back to the choice of host. */
  cancel() {
    this.#attempt++;
    clearTimeout(this.#timer);
    this.busy = false;
    this.step = 'choose';
    this.pairing = null;
    void this.#client?.cancel().catch(() => {});
  }

  #schedule(attempt: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(attempt), this.#pollMs);
  }

  async #check(attempt: number) {
    if (!this.#client || attempt !== this.#attempt) return;
    try {
      const progress = await this.#client.check();
      if (attempt !== this.#attempt) return;
      if (progress.status === 'approved') {
        this.step = 'approved';
        this.#reload();
        return;
      }
      this.#schedule(attempt);
    } catch (e) {
      if (attempt !== this.#attempt) return;
      const err = toFolioError(e);
      // The host out of reach for a moment: ask again. A refusal ends it.
      if (err.kind === 'unreachable') {
        this.#schedule(attempt);
        return;
      }
      this.step = 'choose';
      this.pairing = null;
      this.message = err.message;
    }
  }
}

export const join = new JoinStore(joinApi, () => location.reload());
