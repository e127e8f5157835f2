// The admin's screens: accounts, clinic settings, the audit trail, backups.

import { api } from '../api';
import type { AuditCheck, AuditEntry, AuditFilter, BackupFile, ClinicKey, NewUser, Settings, User } from '../types';
import { session } from './session.svelte';

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

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.users = [];
    this.settings = null;
    this.audit = [];
    this.auditMore = false;
    this.auditCheck = null;
    this.backups = [];
    this.clinicKey = null;
  }

  async loadUsers() {
    this.users = await api.admin.users();
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

  async loadSettings() {
    this.settings = await api.admin.settings();
  }

  /** loadClinicKey shows the clinic's signing key; the first look makes it. */
  async loadClinicKey() {
    this.clinicKey = await api.admin.clinicKey();
  }

  async saveSettings(s: Settings) {
    this.settings = await api.admin.saveSettings(s);
    session.idleMinutes = this.settings.idleMinutes;
    session.clinicName = this.settings.clinicName;
  }

  /** loadAudit lists the newest entries matching f; more() pages back. */
  async loadAudit(f: AuditFilter) {
    const page = await api.admin.audit({ ...f, beforeSeq: 0 });
    this.audit = page.entries ?? [];
    this.auditMore = page.more;
  }

  async moreAudit(f: AuditFilter) {
    const last = this.audit[this.audit.length - 1];
    if (!last) return;
    const page = await api.admin.audit({ ...f, beforeSeq: last.seq });
    this.audit = [...this.audit, ...(page.entries ?? [])];
    this.auditMore = page.more;
  }

  async verifyAudit() {
    this.auditCheck = await api.admin.verifyAudit();
  }

  async loadBackups() {
    this.backups = await api.admin.backups();
  }

  async backup(): Promise<BackupFile> {
    const b = await api.admin.backup();
    await this.loadBackups();
    return b;
  }
}

export const admin = new AdminStore();
