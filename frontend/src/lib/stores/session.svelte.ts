// Who is signed in at this window, whether the screen is locked, and the
// idle timer that locks it. The Go side keeps the same state and refuses
// calls from a locked or signed-out session; this store follows it. It
// also follows Folio restarting on a restored clinic (from Admin > Backups
// or the first-run screen): every session is gone then, and the window
// waits for the host to answer again, then shows the sign-in screen.

import { api } from '../api';
import { drafts } from '../drafts';
import type { FolioError } from '../errors';
import type { RestorePreview, RestoreSource, SetupRequest, User } from '../types';

/** How often the host is asked whether it is back from a restart, and
 * how long before the screen says it is taking long. */
const restartPoll = 250;
const restartSlow = 60_000;
/** An old Folio that still answers after this long, with the clinic not
 * restored, did not restart (or restarted without it). */
const restartGiveUp = 20_000;

/** How often activity is reported to Go, which keeps its own idle clock. */
const touchEvery = 60_000;
const activityEvents = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

class SessionStore {
  ready = $state(false);
  setupNeeded = $state(false);
  clinicName = $state('');
  /** The clinic's units for vitals (metric until an admin chooses). */
  units = $state({ weight: 'kg', height: 'cm', temperature: 'C' });
  user = $state<User | null>(null);
  locked = $state(false);
  idleMinutes = $state(10);
  /** A clinic `folio demo` made, which the sign-in screen and the title say. */
  demo = $state(false);
  /** Why the person is back at the sign-in screen, if not by choice. */
  notice = $state('');
  /** The sign-in is sending what was kept while the host was away. */
  sendingKept = $state(false);
  /** Folio is restarting on a restored clinic: 'waiting' for it, 'slow'
   * when it takes long; '' otherwise. */
  restarting = $state<'' | 'waiting' | 'slow'>('');
  /** Why the first-run screen shows again after a restore (it did not apply). */
  restoreNotice = $state('');
  /** The clinic the first-run screen prepared to restore. */
  clinicPreview = $state<RestorePreview | null>(null);
  #clinicPrepares = 0;

  #lastActivity = Date.now();
  #lastTouch = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #onSignOut: Array<() => void> = [];

  /** The calls sent before this window was last signed in or unlocked:
   * their refusals (locked, signed out) come from before and are not news. */
  #sentBefore = 0;

  constructor() {
    api.onError((e, sent) => this.#heard(e, sent));
    // The host back after it was lost: is this window still signed in
    // there? A host that was restarted has forgotten every session.
    api.host.onChange((s) => {
      if (s === 'up' && this.user && !this.restarting) this.#recheck().catch(() => {});
    });
  }

  async #recheck() {
    const st = await api.auth.status();
    if (!this.user) return;
    if (!st.user || st.user.id !== this.user.id) {
      this.#signedOut('The host was restarted, so please sign in again. What you typed is kept and will be sent then.');
    } else if (st.locked && !this.locked) {
      this.locked = true;
      void api.host.signedIn('');
    }
  }

  /** load asks Go where this window stands: on start and after reloads. */
  async load() {
    const st = await api.auth.status();
    this.setupNeeded = st.setupNeeded;
    this.clinicName = st.clinicName;
    if (st.units) this.units = st.units;
    this.demo = !!st.demo;
    this.user = st.user;
    drafts.owner = st.user?.id ?? '';
    this.locked = st.locked;
    this.idleMinutes = st.idleMinutes || 10;
    void api.host.signedIn(st.user && !st.locked ? st.user.id : '');
    this.ready = true;
    this.#watchIdle();
  }

  /**
   * prepareClinicRestore stages a clinic for a PC with none yet (a replica
   * is restored whole first: up to a minute) and shows what it holds. A
   * preparation the person has since dropped (see dropClinicPreview) is not
   * shown, nor is its failure; it answers whether this one is shown.
   */
  async prepareClinicRestore(src: RestoreSource): Promise<boolean> {
    const mine = ++this.#clinicPrepares;
    this.clinicPreview = null;
    let p: RestorePreview;
    try {
      p = await api.auth.prepareClinicRestore(src);
    } catch (e) {
      if (mine !== this.#clinicPrepares) return false;
      throw e;
    }
    if (mine !== this.#clinicPrepares) return false;
    this.clinicPreview = p;
    return true;
  }

  /** dropClinicPreview forgets the prepared clinic, and any still on its
   * way: the person changed what to restore from. */
  dropClinicPreview() {
    this.#clinicPrepares++;
    this.clinicPreview = null;
  }

  /** restoreClinicNow restarts Folio on the prepared clinic; the sign-in
   * screen shows it once Folio is back. */
  async restoreClinicNow(id: string) {
    await api.auth.restoreClinicNow(id);
    this.restarted(true);
  }

  /**
   * restarted says Folio restarts on a restored clinic now (Go answered
   * the restore, and restarts some 0.3 s later): the window shows so, and
   * asks the host, every 250 ms, until it is a new Folio: the session gone
   * (the admin's restore), the clinic there (the first run's), or it was
   * seen gone and answers again. Then the sign-in screen shows, as the
   * restored clinic's people sign in again.
   */
  restarted(firstRun: boolean) {
    if (this.restarting) return;
    this.restarting = 'waiting';
    this.restoreNotice = '';
    this.clinicPreview = null;
    if (this.user) this.#signedOut('');
    void this.#awaitRestart(firstRun);
  }

  async #awaitRestart(firstRun: boolean) {
    const began = Date.now();
    let gone = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, restartPoll));
      const waited = Date.now() - began;
      if (waited > restartSlow && this.restarting === 'waiting') this.restarting = 'slow';
      let st;
      try {
        st = await api.auth.status();
      } catch {
        gone = true; // not there, or not yet answering
        continue;
      }
      const restored = firstRun ? !st.setupNeeded : !st.user;
      if (!restored && !gone && waited < restartGiveUp) continue; // the old Folio, still closing
      this.setupNeeded = st.setupNeeded;
      this.clinicName = st.clinicName;
      if (st.units) this.units = st.units;
      this.demo = !!st.demo;
      this.idleMinutes = st.idleMinutes || 10;
      this.user = null;
      this.locked = false;
      if (firstRun && st.setupNeeded) {
        this.restoreNotice = 'Folio started again, but the clinic was not restored. Check the backup or replica and try again.';
      } else {
        this.notice = firstRun
          ? 'The clinic is restored. Its people sign in with their own user names and passwords.'
          : 'Folio has restarted to restore the clinic. Please sign in again.';
      }
      this.restarting = '';
      return;
    }
  }

  async setup(req: SetupRequest) {
    this.user = await api.auth.setup(req);
    this.setupNeeded = false;
    this.clinicName = req.clinicName.trim();
    this.#signedIn();
  }

  async login(username: string, password: string) {
    const user = await api.auth.login(username, password);
    // What this person saved while the host was away goes first, before
    // their screens open again: a form then opens without the draft the
    // save has made needless.
    drafts.owner = user.id;
    this.sendingKept = api.host.kept > 0;
    try {
      await api.host.signedIn(user.id);
    } finally {
      this.sendingKept = false;
    }
    this.user = user;
    this.#signedIn();
    // The idle time may have been changed by an admin since this window loaded.
    const st = await api.auth.status();
    this.idleMinutes = st.idleMinutes || 10;
    this.clinicName = st.clinicName;
    if (st.units) this.units = st.units;
  }

  async logout() {
    try {
      await api.auth.logout();
    } finally {
      this.#signedOut('');
    }
  }

  async lock() {
    if (!this.user || this.locked) return;
    this.locked = true;
    void api.host.signedIn('');
    await api.auth.lock();
  }

  async unlock(password: string) {
    try {
      this.user = await api.auth.unlock(password);
    } catch (e) {
      // Too many wrong passwords: Go has signed this window out.
      if ((e as FolioError).kind === 'forbidden') this.#signedOut((e as FolioError).message);
      throw e;
    }
    this.#signedIn();
  }

  /** onSignOut registers a reset for a domain store: nothing of one
   * person's work stays in memory for the next. */
  onSignOut(fn: () => void) {
    this.#onSignOut.push(fn);
  }

  /** activity is a key press or pointer move at this window. */
  activity() {
    const now = Date.now();
    this.#lastActivity = now;
    if (this.user && !this.locked && now - this.#lastTouch > touchEvery) {
      this.#lastTouch = now;
      api.auth.touch().catch(() => {});
    }
  }

  /** checkIdle locks the screen once the idle time has passed. */
  checkIdle(now = Date.now()) {
    if (this.user && !this.locked && now - this.#lastActivity >= this.idleMinutes * 60_000) {
      this.lock().catch(() => {});
    }
  }

  #signedIn() {
    // The forms' drafts are this person's: nobody else's are read.
    drafts.owner = this.user?.id ?? '';
    // The sign-in or unlock call itself is counted: only calls sent after it
    // can tell that this window is locked or signed out again.
    this.#sentBefore = api.sent();
    this.locked = false;
    this.notice = '';
    this.#lastActivity = Date.now();
    this.#lastTouch = this.#lastActivity;
    void api.host.signedIn(this.user?.id ?? '');
  }

  #signedOut(notice: string) {
    void api.host.signedIn('');
    this.user = null;
    drafts.owner = '';
    this.locked = false;
    this.notice = notice;
    this.#onSignOut.forEach((fn) => fn());
  }

  #heard(e: FolioError, sent: number) {
    // A call sent while locked whose refusal arrives after the unlock (a
    // slow answer) must not lock the screen again.
    if (sent <= this.#sentBefore) return;
    if (e.kind === 'locked' && this.user && !this.locked) {
      this.locked = true;
      void api.host.signedIn('');
    }
    if (e.kind === 'unauthenticated' && this.user && !this.locked) {
      this.#signedOut(api.host.kept > 0
        ? 'You were signed out (the host may have been restarted). Please sign in again: what you saved meanwhile is kept and will be sent then.'
        : 'You were signed out. Please sign in again.');
    }
  }

  #watchIdle() {
    if (this.#timer || typeof window === 'undefined') return;
    const onActivity = () => this.activity();
    for (const ev of activityEvents) window.addEventListener(ev, onActivity, { passive: true });
    this.#timer = setInterval(() => this.checkIdle(), 5_000);
  }
}

export const session = new SessionStore();
