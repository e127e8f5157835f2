// The admin's screens: accounts, clinic settings, the audit trail, backups
// (made now or on a schedule), the continuous replica, and restoring.

import { api } from '../api';
import type {
  AuditCheck, AuditEntry, AuditFilter, BackupEncryptionInput, BackupFile, BackupSchedule, BackupScheduleInput,
  CareRuleInput, CareRuleSetting, ClinicExport, ClinicKey, NewUser,
  ReplicaTarget, Replication, RestoreChoices, RestorePreview, RestoreSource, Settings, StorageFinding, User,
} from '../types';
import { session } from './session.svelte';
import { live } from './live.svelte';
import { Shown } from '../live';
import { Tickets } from '../tickets';

export function blankSettings(): Settings {
  return {
    clinicName: '', idleMinutes: 10, dateOrder: 'mdy', weightUnit: 'kg', heightUnit: 'cm', temperatureUnit: 'C',
    clinicAddress: '', clinicPhone: '', meetingLinkTemplate: '', suggestedMeetingLink: '',
  };
}

export function emptyAuditFilter(): AuditFilter {
  return { username: '', action: '', patientId: '', from: '', to: '', beforeSeq: 0, limit: 100 };
}

class AdminStore {
  users = $state<User[]>([]);
  settings = $state<Settings | null>(null);
  audit = $state<AuditEntry[]>([]);
  auditMore = $state(false);
  auditCheck = $state<AuditCheck | null>(null);
  backups = $state<BackupFile[]>([]);
  clinicKey = $state<ClinicKey | null>(null);
  storage = $state<StorageFinding | null>(null);
  clinicExport = $state<ClinicExport | null>(null);
  /** Where the charts are replicated and how far the replica has got. */
  replication = $state<Replication | null>(null);
  /** When Folio backs up by itself, and how the last backup and drill went. */
  schedule = $state<BackupSchedule | null>(null);
  /** What can be restored: the backups and the replica's span. */
  restoreChoices = $state<RestoreChoices | null>(null);
  /** The restore prepared, and the choice it was prepared for (see prepareRestore). */
  restorePreview = $state<RestorePreview | null>(null);
  restorePreviewFor = $state('');
  /** The care rules and how the clinic runs each. */
  careRules = $state<CareRuleSetting[]>([]);
  #reads = new Tickets();
  #scheduleShown = new Shown<'schedule'>();
  #replicaShown = new Shown<'replica'>();
  /** Counts the replica's saves and stops as they start and end: a read
   * that overlapped one may show the replica as it was before it, so its
   * answer counts for nothing (a later read says how it is now). */
  #replicaWrites = 0;
  #replicaWriting = 0;
  private exportPoll: ReturnType<typeof setTimeout> | undefined;
  private followingExport = false;

  constructor() {
    session.onSignOut(() => this.reset());
    // Another admin set or stopped the replica: the Backups screen shows it.
    live.on(['settings'], () => {
      if (!this.#replicaShown.has('replica') || !session.user) return;
      return this.loadReplication();
    });
    // ...or the backup schedule.
    live.on(['settings'], () => {
      if (!this.#scheduleShown.has('schedule') || !session.user) return;
      return this.loadSchedule();
    });
  }

  reset() {
    this.#reads.dropAll();
    this.users = [];
    this.settings = null;
    this.audit = [];
    this.auditMore = false;
    this.auditCheck = null;
    this.backups = [];
    this.clinicKey = null;
    this.storage = null;
    this.replication = null;
    this.schedule = null;
    this.restoreChoices = null;
    this.restorePreview = null;
    this.restorePreviewFor = '';
    this.stopExportPoll();
    this.clinicExport = null;
  }

  async loadUsers() {
    const newest = this.#reads.take('users');
    const users = await api.admin.users();
    if (newest()) this.users = users;
  }

  async addUser(u: NewUser) {
    await api.admin.addUser(u);
    await this.loadUsers();
  }

  async setActive(id: string, active: boolean) {
    await api.admin.setUserActive(id, active);
    await this.loadUsers();
  }

  async setLicenceNumber(id: string, licence: string) {
    await api.admin.setLicenceNumber(id, licence);
    await this.loadUsers();
  }

  async resetPassword(id: string, password: string) {
    await api.admin.resetPassword(id, password);
    await this.loadUsers();
  }

  /** loadSettings reads the clinic's settings (and answers them). */
  async loadSettings(): Promise<Settings> {
    const s = await api.admin.settings();
    this.settings = s;
    return s;
  }

  /** loadClinicKey shows the clinic's signing key; the first look makes it. */
  async loadClinicKey() {
    this.clinicKey = await api.admin.clinicKey();
  }

  async loadCareRules() {
    this.careRules = await api.admin.careRules();
  }

  async setCareRule(input: CareRuleInput) {
    this.careRules = await api.admin.setCareRule(input);
  }

  async saveSettings(s: Settings) {
    this.settings = await api.admin.saveSettings(s);
    session.idleMinutes = this.settings.idleMinutes;
    session.clinicName = this.settings.clinicName;
    session.units = { weight: this.settings.weightUnit, height: this.settings.heightUnit, temperature: this.settings.temperatureUnit };
  }

  /** loadAudit lists the newest entries matching f; more() pages back. */
  async loadAudit(f: AuditFilter) {
    const newest = this.#reads.take('audit');
    const page = await api.admin.audit({ ...f, beforeSeq: 0 });
    if (!newest()) return; // filtered again meanwhile
    this.audit = page.entries ?? [];
    this.auditMore = page.more;
  }

  async moreAudit(f: AuditFilter) {
    const last = this.audit[this.audit.length - 1];
    if (!last) return;
    const newest = this.#reads.take('audit');
    const page = await api.admin.audit({ ...f, beforeSeq: last.seq });
    if (!newest()) return;
    this.audit = [...this.audit, ...(page.entries ?? [])];
    this.auditMore = page.more;
  }

  async verifyAudit() {
    this.auditCheck = await api.admin.verifyAudit();
  }

  /** loadClinicExport reads how the clinic's export stands, and follows it
   * while it runs. */
  async loadClinicExport() {
    this.clinicExport = await api.admin.clinicExportStatus();
    if (this.clinicExport.running) this.pollClinicExport();
  }

  /** startClinicExport starts the whole-clinic export into dir ('' for a
   * new folder in the data folder) and follows its progress. */
  async startClinicExport(dir: string) {
    this.clinicExport = await api.admin.startClinicExport(dir);
    this.pollClinicExport();
  }

  /** The export runs in Go; its progress is read every 300 ms until it ends
   * or the screen stops following it. */
  private pollClinicExport() {
    clearTimeout(this.exportPoll);
    this.followingExport = true;
    this.exportPoll = setTimeout(async () => {
      try {
        this.clinicExport = await api.admin.clinicExportStatus();
      } catch {
        return; // signed out or locked: the session store shows that screen
      }
      if (this.followingExport && this.clinicExport.running) this.pollClinicExport();
    }, 300);
  }

  stopExportPoll() {
    clearTimeout(this.exportPoll);
    this.followingExport = false;
  }

  async loadBackups() {
    const newest = this.#reads.take('backups');
    const backups = await api.admin.backups();
    if (newest()) this.backups = backups;
  }

  /** loadStorage finds out whether the data folder's disk is encrypted. */
  async loadStorage() {
    const newest = this.#reads.take('storage');
    const found = await api.admin.storageEncryption();
    if (newest()) this.storage = found;
  }

  /** loadReplication reads how the replica stands; it answers what Go
   * said, which replication shows unless a later read or a save overtook it. */
  async loadReplication(): Promise<Replication> {
    const newest = this.#reads.take('replication');
    const writes = this.#replicaWrites;
    const r = await api.admin.replication();
    if (newest() && writes === this.#replicaWrites && !this.#replicaWriting) this.replication = r;
    return r;
  }

  /**
   * followReplication reads the replica's state every `every` ms (at once
   * too, with atOnce) until the returned release: the Backups screen
   * follows it closely, every admin screen now and then (the banner). The
   * reads are the screen's own doing, so they keep no one signed in, and
   * none is made while signed out or locked.
   */
  followReplication(every: number, atOnce = false): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (stopped) return;
      if (session.user?.role === 'admin' && !session.locked) {
        await api.background(() => this.loadReplication()).catch(() => {});
      }
      if (!stopped) timer = setTimeout(tick, every);
    };
    timer = setTimeout(tick, atOnce ? 0 : every);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** showReplication marks the replica as on screen until the returned
   * release: while it is, a change notice reads it again. */
  showReplication(): () => void {
    return this.#replicaShown.show('replica');
  }

  /** setReplica checks, saves and (when none runs) starts the replica. */
  setReplica(t: ReplicaTarget): Promise<Replication> {
    return this.#replicaWrite(() => api.admin.setReplica(t));
  }

  /** stopReplica stops replicating when Folio next starts. */
  stopReplica(reason: string): Promise<Replication> {
    return this.#replicaWrite(() => api.admin.stopReplica(reason));
  }

  async #replicaWrite(write: () => Promise<Replication>): Promise<Replication> {
    this.#replicaWrites++;
    this.#replicaWriting++;
    try {
      const r = await write();
      this.replication = r;
      return r;
    } finally {
      this.#replicaWriting--;
      this.#replicaWrites++;
    }
  }

  async backup(): Promise<BackupFile> {
    const b = await api.admin.backup();
    await this.loadBackups();
    // The Restore panel lists it too; its list failing to read again is no failure of the backup.
    if (this.restoreChoices) this.loadRestoreChoices().catch(() => {});
    return b;
  }

  /** loadSchedule reads the backup schedule (and answers it); a read that
   * a later read or a save overtook is not shown. */
  async loadSchedule(): Promise<BackupSchedule> {
    const newest = this.#reads.take('schedule');
    const s = await api.admin.backupSchedule();
    if (newest()) this.schedule = s;
    return s;
  }

  /** showSchedule marks the schedule as on screen until the returned
   * release: while it is, another admin's change is read at once. */
  showSchedule(): () => void {
    return this.#scheduleShown.show('schedule');
  }

  async setSchedule(input: BackupScheduleInput): Promise<BackupSchedule> {
    const s = await api.admin.setBackupSchedule(input);
    this.#reads.take('schedule'); // a read started before the save says the old setting
    this.schedule = s;
    return s;
  }

  async setEncryption(input: BackupEncryptionInput): Promise<BackupSchedule> {
    const s = await api.admin.setBackupEncryption(input);
    this.#reads.take('schedule');
    this.schedule = s;
    return s;
  }

  /** loadRestoreChoices lists what can be restored (reading the replica's
   * span may take some seconds for one off site). */
  async loadRestoreChoices() {
    const newest = this.#reads.take('restoreChoices');
    const c = await api.admin.restoreChoices();
    if (newest()) this.restoreChoices = c;
  }

  /**
   * prepareRestore stages src (for the choice named key) and shows what it
   * holds. A replica is restored whole first: up to a minute. Only the
   * newest preparation counts: one for a choice the admin has since
   * changed (see dropRestorePreview) is not shown, nor is its failure.
   * It answers whether the preview shown is this one.
   */
  async prepareRestore(src: RestoreSource, key: string): Promise<boolean> {
    const newest = this.#reads.take('restorePreview');
    this.restorePreview = null;
    this.restorePreviewFor = '';
    let p: RestorePreview;
    try {
      p = await api.admin.prepareRestore(src);
    } catch (e) {
      if (!newest()) return false;
      throw e;
    }
    if (!newest()) return false;
    this.restorePreview = p;
    this.restorePreviewFor = key;
    return true;
  }

  /** dropRestorePreview forgets the preview, and any still on its way: the
   * admin chose something else. */
  dropRestorePreview() {
    this.#reads.take('restorePreview');
    this.restorePreview = null;
    this.restorePreviewFor = '';
  }

  /** restoreNow restarts Folio on the prepared restore: everyone is signed
   * out, and this window waits for Folio to be back (see session.restarted). */
  async restoreNow(id: string) {
    await api.admin.restoreNow(id);
    session.restarted(false);
  }
}

export const admin = new AdminStore();
