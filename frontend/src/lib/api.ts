// The UI's one door to Go. In the desktop window the services are Wails
// bindings (window.go.app.Service.Method); in a browser served by
// `folio serve` the same calls are POST /api/Service/Method with the
// arguments as a JSON array. Nothing else in the UI knows which it is.

import { toFolioError, type FolioError } from './errors';
import type { LiveState, Notice } from './live';
import type {
  Appointment,
  AppointmentInput,
  AppointmentType,
  AvailabilityBlock,
  Board,
  CalendarRange,
  Clinician,
  MoveInput,
  OpeningHours,
  PatientAppointments,
  Scheduled,
  Scope,
  AuditCheck,
  Allergy,
  AllergyInput,
  AllergyList,
  Code,
  DiagnosisInput,
  Encounter,
  EncounterSummary,
  NoteTemplate,
  NoteText,
  Problem,
  ProblemInput,
  QuickPhrase,
  Series,
  GrowthCharts,
  Alert,
  Drug,
  Immunization,
  ImmunizationInput,
  Vaccine,
  Medication,
  MedicationInput,
  MedicationCheck,
  MedicationHistory,
  Prescription,
  Override,
  VitalsInput,
  VitalsSet,
  DuplicateMatch,
  MergePreview,
  MergeRecord,
  AuditFilter,
  AuditPage,
  AuthStatus,
  BackupFile,
  ClinicExport,
  ClinicKey,
  ChartSummary,
  ChartDocument,
  DocumentFile,
  DocumentInput,
  NewUser,
  Patient,
  PatientHit,
  PatientInput,
  PatientRevision,
  SetupRequest,
  Settings,
  User,
  LabImport,
  LabOrder,
  LabOrderInput,
  LabResult,
  LabResultInput,
  LabReviewItem,
  LabSeries,
  LabTest,
  LabPanel,
  LabPanelOrderInput,
  LabPanelResultInput,
  Disclosure,
  ExportedFile,
  PatientCopy,
  ReferralPreview,
  ReferralRequest,
  ImportHistory,
  ImportReview,
  ImportSummary,
  ImportSource,
  ItemDecision,
  KeptOriginal,
  NetworkStatus,
  CertificateFile,
  Workstation,
} from './types';

type Binding = (...args: unknown[]) => Promise<unknown>;
type Bindings = Record<string, Record<string, Binding>>;

/** The part of the Wails runtime the live updates use: EventsOn answers
 * a function that stops listening. */
export interface WailsEvents {
  EventsOn(name: string, callback: (...data: unknown[]) => void): (() => void) | void;
}

declare global {
  interface Window {
    go?: { app?: Bindings; main?: Bindings };
    runtime?: WailsEvents;
  }
}

/** Transport sends one call to Go and resolves with its result. */
export type Transport = (service: string, method: string, args: unknown[]) => Promise<unknown>;

export function wailsTransport(bindings: Bindings): Transport {
  return async (service, method, args) => {
    const fn = bindings[service]?.[method];
    if (!fn) throw { kind: 'not_found', message: `Folio has no call ${service}.${method}.` };
    try {
      return await fn(...args);
    } catch (e) {
      // The Wails runtime rejects with new Error(<the Go error formatter's
      // JSON string>): hand on the JSON, which toFolioError reads.
      throw e instanceof Error && e.message.startsWith('{') ? e.message : e;
    }
  };
}

export function httpTransport(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)): Transport {
  return async (service, method, args) => {
    const res = await fetchFn(`${base}/api/${service}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(args),
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (!res.ok) throw body ?? { kind: 'internal', message: `Folio answered ${res.status}.` };
    return body;
  };
}

/** LiveHandlers hear a stream of change notices: each notice (a resync
 * comes as one of topic 'resync'), and how the stream stands; why says why
 * Go ended it ('locked', 'signed_out', 'stopping'). */
export interface LiveHandlers {
  notice(n: Notice): void;
  state(s: LiveState, why?: string): void;
}

/** LiveSource starts a stream of change notices and answers how to stop it. */
export type LiveSource = (h: LiveHandlers) => () => void;

/** How long to wait before trying a refused or lost stream again, at
 * first and at most. */
const reconnectFirst = 1000;
const reconnectMost = 10_000;

type EventSourceClass = {
  new (url: string): EventSource;
  readonly CLOSED: number;
};

/**
 * eventSourceLive is GET /api/events (Server-Sent Events). The browser
 * itself reconnects a dropped stream, sending the last notice's id so that
 * Go fills in what was missed (or says resync); a stream Go refused (no
 * session yet, locked) is tried again here, later and later, with that id
 * too. A stream Go ended (an "end" event) is not tried again: the caller
 * starts a new one once the person is back.
 */
export function eventSourceLive(url = '/api/events', ES: EventSourceClass | undefined = globalThis.EventSource): LiveSource {
  return (h) => {
    if (!ES) {
      h.state('off');
      return () => {};
    }
    const Source = ES;
    let es: EventSource | null = null;
    let lastId = '';
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = reconnectFirst;
    const heard = (e: MessageEvent) => {
      if (e.lastEventId) lastId = e.lastEventId;
    };
    const open = () => {
      if (stopped) return;
      h.state('connecting');
      const source = new Source(lastId ? `${url}?last=${encodeURIComponent(lastId)}` : url);
      es = source;
      source.onopen = () => {
        delay = reconnectFirst;
        h.state('live');
      };
      source.addEventListener('notice', (e) => {
        heard(e as MessageEvent);
        h.notice(JSON.parse((e as MessageEvent).data) as Notice);
      });
      source.addEventListener('resync', (e) => {
        heard(e as MessageEvent);
        h.notice({ ...(JSON.parse((e as MessageEvent).data) as Notice), topic: 'resync' });
      });
      source.addEventListener('end', (e) => {
        source.close();
        es = null;
        h.state('off', JSON.parse((e as MessageEvent).data) as string);
      });
      source.onerror = () => {
        if (es !== source) return;
        h.state('connecting');
        if (source.readyState !== Source.CLOSED) return; // the browser tries again itself
        es = null;
        timer = setTimeout(open, delay);
        delay = Math.min(delay * 2, reconnectMost);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      es?.close();
      es = null;
      h.state('off');
    };
  };
}

/** wailsLive hears the desktop window's events: Go sends notices only
 * while the window is signed in and unlocked, and a resync after. */
export function wailsLive(runtime: WailsEvents): LiveSource {
  return (h) => {
    const offs = [
      runtime.EventsOn('folio:notice', (n) => h.notice(n as Notice)),
      runtime.EventsOn('folio:resync', () =>
        h.notice({ seq: 0, topic: 'resync', at: new Date().toISOString(), id: '' })),
    ];
    h.state('live');
    return () => {
      offs.forEach((off) => typeof off === 'function' && off());
      h.state('off');
    };
  };
}

function defaultLive(): LiveSource {
  if (typeof window !== 'undefined' && window.go?.app && window.runtime) return wailsLive(window.runtime);
  return eventSourceLive();
}

/** Saver puts an exported file (a CSV list) where the person wants it and
 * answers where, or '' when they cancelled. */
export type Saver = (name: string, text: string, type: string) => Promise<string>;

/** browserSaver lets the browser download the file, as any web page does. */
export const browserSaver: Saver = async (name, text, type) => {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
};

/** The desktop window has no downloads: Go asks with a save dialog. */
export function wailsSaver(main: Bindings): Saver {
  return async (name, text) => (await main.Files.SaveText(name, text)) as string;
}

/** BinarySaver is Saver for a binary file (an archive), its bytes as
 * standard base64. */
export type BinarySaver = (name: string, base64: string, type: string) => Promise<string>;

export const browserBinarySaver: BinarySaver = async (name, base64, type) => {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
};

export function wailsBinarySaver(main: Bindings): BinarySaver {
  return async (name, base64) => (await main.Files.SaveBase64(name, base64)) as string;
}

/** FolderChooser asks for a folder and answers its full path, '' when the
 * person cancelled, or null where there is no folder dialog (a browser:
 * the screen then offers a default folder or a typed path). */
export type FolderChooser = (title: string) => Promise<string | null>;

export const browserFolderChooser: FolderChooser = async () => null;

export function wailsFolderChooser(main: Bindings): FolderChooser {
  return async (title) => (await main.Files.ChooseFolder(title)) as string;
}

function defaultFolderChooser(): FolderChooser {
  if (typeof window !== 'undefined' && window.go?.main?.Files) return wailsFolderChooser(window.go.main);
  return browserFolderChooser;
}

function defaultBinarySaver(): BinarySaver {
  if (typeof window !== 'undefined' && window.go?.main?.Files) return wailsBinarySaver(window.go.main);
  return browserBinarySaver;
}

function defaultTransport(): Transport {
  if (typeof window !== 'undefined' && window.go?.app) return wailsTransport(window.go.app);
  return httpTransport();
}

function defaultSaver(): Saver {
  if (typeof window !== 'undefined' && window.go?.main?.Files) return wailsSaver(window.go.main);
  return browserSaver;
}

/** Client is every call the UI makes, typed. */
export function createClient(
  transport: Transport,
  saver: Saver = browserSaver,
  binarySaver: BinarySaver = browserBinarySaver,
  folderChooser: FolderChooser = browserFolderChooser,
  liveSource: LiveSource = eventSourceLive(),
) {
  const listeners = new Set<(e: FolioError, sent: number) => void>();
  // Calls are numbered as they are sent, so that a listener can tell an
  // answer that comes late from one to a call made since (see onError).
  let sentCalls = 0;
  const call = async <T>(service: string, method: string, ...args: unknown[]): Promise<T> => {
    const sent = ++sentCalls;
    try {
      return (await transport(service, method, args)) as T;
    } catch (raw) {
      const err = toFolioError(raw);
      listeners.forEach((fn) => fn(err, sent));
      throw err;
    }
  };
  return {
    /** saveFile saves an export where the person chooses (see Saver). */
    async saveFile(name: string, text: string, type = 'text/csv'): Promise<string> {
      try {
        return await saver(name, text, type);
      } catch (raw) {
        throw toFolioError(raw instanceof Error && raw.message.startsWith('{') ? raw.message : raw);
      }
    },
    /** saveBytes saves a binary export (base64) where the person chooses. */
    async saveBytes(name: string, base64: string, type = 'application/octet-stream'): Promise<string> {
      try {
        return await binarySaver(name, base64, type);
      } catch (raw) {
        throw toFolioError(raw instanceof Error && raw.message.startsWith('{') ? raw.message : raw);
      }
    },
    /** canChooseFolder tells whether this window has a folder dialog (the
     * desktop window does, a browser does not). */
    canChooseFolder: folderChooser !== browserFolderChooser,
    /** chooseFolder asks for a folder (see FolderChooser): its path, '' when
     * cancelled, null when this window has no folder dialog. */
    async chooseFolder(title: string): Promise<string | null> {
      try {
        return await folderChooser(title);
      } catch (raw) {
        throw toFolioError(raw instanceof Error && raw.message.startsWith('{') ? raw.message : raw);
      }
    },
    /** onError hears every failed call, so the session store can show the
     * lock or sign-in screen whichever screen's call found it out; sent is
     * the call's number (see sent). */
    onError(fn: (e: FolioError, sent: number) => void): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** sent is how many calls have been sent so far. */
    sent: () => sentCalls,
    /** subscribe hears what others change (see LiveSource): onNotice gets
     * each notice, onState how the stream stands. It answers how to stop. */
    subscribe(onNotice: (n: Notice) => void, onState: (s: LiveState, why?: string) => void = () => {}): () => void {
      return liveSource({ notice: onNotice, state: onState });
    },
    auth: {
      status: () => call<AuthStatus>('Auth', 'Status'),
      setup: (req: SetupRequest) => call<User>('Auth', 'Setup', req),
      login: (username: string, password: string) => call<User>('Auth', 'Login', username, password),
      logout: () => call<void>('Auth', 'Logout'),
      lock: () => call<void>('Auth', 'Lock'),
      unlock: (password: string) => call<User>('Auth', 'Unlock', password),
      touch: () => call<void>('Auth', 'Touch'),
    },
    patients: {
      register: (p: PatientInput) => call<Patient>('Patients', 'Register', p),
      search: (query: string, limit = 20) => call<PatientHit[]>('Patients', 'Search', query, limit),
      recent: (limit = 10) => call<PatientHit[]>('Patients', 'Recent', limit),
      open: (id: string) => call<Patient>('Patients', 'Open', id),
      correct: (id: string, p: PatientInput, reason: string, version: number) =>
        call<Patient>('Patients', 'Correct', id, p, reason, version),
      history: (id: string) => call<PatientRevision[]>('Patients', 'History', id),
      likelyDuplicates: (p: PatientInput) => call<DuplicateMatch[]>('Patients', 'LikelyDuplicates', p),
      mergePreview: (survivor: string, duplicate: string) =>
        call<MergePreview>('Patients', 'MergePreview', survivor, duplicate),
      merge: (survivorId: string, duplicateId: string, reason: string, survivorVersion: number, duplicateVersion: number) =>
        call<MergeRecord>('Patients', 'Merge', survivorId, duplicateId, reason, survivorVersion, duplicateVersion),
      merges: () => call<MergeRecord[]>('Patients', 'Merges'),
    },
    schedule: {
      clinicians: () => call<Clinician[]>('Schedule', 'Clinicians'),
      types: () => call<AppointmentType[]>('Schedule', 'Types'),
      saveType: (t: AppointmentType) => call<AppointmentType>('Schedule', 'SaveType', t),
      hours: () => call<OpeningHours[]>('Schedule', 'Hours'),
      saveHours: (h: OpeningHours[]) => call<OpeningHours[]>('Schedule', 'SaveHours', h),
      availability: (clinicianId: string) => call<AvailabilityBlock[]>('Schedule', 'Availability', clinicianId),
      saveAvailability: (clinicianId: string, blocks: AvailabilityBlock[]) =>
        call<AvailabilityBlock[]>('Schedule', 'SaveAvailability', clinicianId, blocks),
      book: (a: AppointmentInput) => call<Scheduled>('Schedule', 'Book', a),
      move: (m: MoveInput) => call<Scheduled>('Schedule', 'Move', m),
      cancel: (id: string, reason: string, scope: Scope, version: number) =>
        call<Appointment[]>('Schedule', 'Cancel', id, reason, scope, version),
      noShow: (id: string, reason: string, version: number) => call<Appointment>('Schedule', 'NoShow', id, reason, version),
      advance: (id: string, status: string, version: number) =>
        call<Appointment>('Schedule', 'Advance', id, status, version),
      appointment: (id: string) => call<Appointment>('Schedule', 'Appointment', id),
      /** The week's appointments carry only what the calendar draws; open one with appointment(id). */
      week: (from: string, clinicianId: string) => call<CalendarRange>('Schedule', 'Week', from, clinicianId),
      day: (date: string, clinicianId: string) => call<CalendarRange>('Schedule', 'Day', date, clinicianId),
      board: (date: string) => call<Board>('Schedule', 'Board', date),
      patientAppointments: (patientId: string) =>
        call<PatientAppointments>('Schedule', 'PatientAppointments', patientId),
      callList: () => call<Appointment[]>('Schedule', 'CallList'),
      dayListCSV: (date: string, clinicianId: string) => call<string>('Schedule', 'DayListCSV', date, clinicianId),
      callListCSV: () => call<string>('Schedule', 'CallListCSV'),
    },
    chart: {
      summary: (patientId: string) => call<ChartSummary>('Chart', 'Summary', patientId),
      openEncounter: (patientId: string, appointmentId = '') =>
        call<Encounter>('Chart', 'OpenEncounter', patientId, appointmentId),
      encounters: (patientId: string) => call<EncounterSummary[]>('Chart', 'Encounters', patientId),
      encounter: (id: string) => call<Encounter>('Chart', 'Encounter', id),
      saveDraft: (encounterId: string, note: NoteText, draftVersion: number) =>
        call<Encounter>('Chart', 'SaveDraft', encounterId, note, draftVersion),
      signNote: (encounterId: string, version: number) => call<Encounter>('Chart', 'SignNote', encounterId, version),
      addAddendum: (encounterId: string, text: string) => call<Encounter>('Chart', 'AddAddendum', encounterId, text),
      retractNote: (encounterId: string, reason: string, version: number) =>
        call<Encounter>('Chart', 'RetractNote', encounterId, reason, version),
      templates: () => call<NoteTemplate[]>('Chart', 'Templates'),
      saveTemplate: (t: NoteTemplate) => call<NoteTemplate>('Chart', 'SaveTemplate', t),
      quickPhrases: () => call<QuickPhrase[]>('Chart', 'QuickPhrases'),
      saveQuickPhrase: (p: QuickPhrase) => call<QuickPhrase>('Chart', 'SaveQuickPhrase', p),
      addDiagnosis: (encounterId: string, d: DiagnosisInput) => call<Encounter>('Chart', 'AddDiagnosis', encounterId, d),
      removeDiagnosis: (diagnosisId: string, reason: string, version: number) =>
        call<Encounter>('Chart', 'RemoveDiagnosis', diagnosisId, reason, version),
      searchICD10: (query: string, limit = 12) => call<Code[]>('Chart', 'SearchICD10', query, limit),
      billableICD10: (code: string, limit = 6) => call<Code[]>('Chart', 'BillableICD10', code, limit),
      problems: (patientId: string) => call<Problem[]>('Chart', 'Problems', patientId),
      addProblem: (patientId: string, p: ProblemInput) => call<Problem>('Chart', 'AddProblem', patientId, p),
      updateProblem: (id: string, p: ProblemInput, reason: string, version: number) =>
        call<Problem>('Chart', 'UpdateProblem', id, p, reason, version),
      retractProblem: (id: string, reason: string, version: number) =>
        call<Problem>('Chart', 'RetractProblem', id, reason, version),
      allergies: (patientId: string) => call<AllergyList>('Chart', 'Allergies', patientId),
      addAllergy: (patientId: string, a: AllergyInput) => call<Allergy>('Chart', 'AddAllergy', patientId, a),
      retractAllergy: (id: string, reason: string, version: number) =>
        call<Allergy>('Chart', 'RetractAllergy', id, reason, version),
      searchDrugs: (query: string, limit = 10) => call<Drug[]>('Chart', 'SearchDrugs', query, limit),
      medications: (patientId: string) => call<Medication[]>('Chart', 'Medications', patientId),
      checkMedication: (patientId: string, m: MedicationInput) => call<MedicationCheck>('Chart', 'CheckMedication', patientId, m),
      addMedication: (patientId: string, m: MedicationInput, overrides: Override[]) =>
        call<Medication>('Chart', 'AddMedication', patientId, m, overrides),
      stopMedication: (id: string, reason: string, stopDate: string, version: number) =>
        call<Medication>('Chart', 'StopMedication', id, reason, stopDate, version),
      renewMedication: (id: string, m: MedicationInput, version: number, overrides: Override[]) =>
        call<Medication>('Chart', 'RenewMedication', id, m, version, overrides),
      retractMedication: (id: string, reason: string, version: number) =>
        call<Medication>('Chart', 'RetractMedication', id, reason, version),
      medicationHistory: (id: string) => call<MedicationHistory>('Chart', 'MedicationHistory', id),
      /** prescription reads a prescription for printing; Go audits it as printed. */
      prescription: (id: string) => call<Prescription>('Chart', 'Prescription', id),
      recordVitals: (patientId: string, v: VitalsInput) => call<VitalsSet>('Chart', 'RecordVitals', patientId, v),
      vitals: (patientId: string, limit = 10) => call<VitalsSet[]>('Chart', 'Vitals', patientId, limit),
      vitalsSeries: (patientId: string, measure: string) => call<Series>('Chart', 'VitalsSeries', patientId, measure),
      growthCharts: (patientId: string) => call<GrowthCharts>('Chart', 'GrowthCharts', patientId),
      recordNoKnownAllergies: (patientId: string) => call<AllergyList>('Chart', 'RecordNoKnownAllergies', patientId),
      searchLabTests: (query: string, limit = 10) => call<LabTest[]>('Chart', 'SearchLabTests', query, limit),
      orderLab: (patientId: string, o: LabOrderInput) => call<LabOrder>('Chart', 'OrderLab', patientId, o),
      labPanels: () => call<LabPanel[]>('Chart', 'LabPanels'),
      orderLabPanel: (patientId: string, o: LabPanelOrderInput) =>
        call<LabOrder[]>('Chart', 'OrderLabPanel', patientId, o),
      recordLabPanel: (patientId: string, r: LabPanelResultInput) =>
        call<LabResult[]>('Chart', 'RecordLabPanel', patientId, r),
      cancelLabOrder: (id: string, reason: string, version: number) =>
        call<LabOrder>('Chart', 'CancelLabOrder', id, reason, version),
      labOrders: (patientId: string) => call<LabOrder[]>('Chart', 'LabOrders', patientId),
      recordLabResult: (patientId: string, r: LabResultInput) =>
        call<LabResult>('Chart', 'RecordLabResult', patientId, r),
      importLabResults: (patientId: string, csv: string) => call<LabImport>('Chart', 'ImportLabResults', patientId, csv),
      labResults: (patientId: string) => call<LabResult[]>('Chart', 'LabResults', patientId),
      labSeries: (patientId: string, loinc: string) => call<LabSeries>('Chart', 'LabSeries', patientId, loinc),
      labReviewQueue: () => call<LabReviewItem[]>('Chart', 'LabReviewQueue'),
      reviewLabResult: (id: string, note: string, version: number) =>
        call<LabResult>('Chart', 'ReviewLabResult', id, note, version),
      retractLabResult: (id: string, reason: string, version: number) =>
        call<LabResult>('Chart', 'RetractLabResult', id, reason, version),
      documents: (patientId: string) => call<ChartDocument[]>('Chart', 'Documents', patientId),
      addDocument: (patientId: string, d: DocumentInput) => call<ChartDocument>('Chart', 'AddDocument', patientId, d),
      documentContent: (id: string) => call<DocumentFile>('Chart', 'DocumentContent', id),
      retractDocument: (id: string, reason: string, version: number) =>
        call<ChartDocument>('Chart', 'RetractDocument', id, reason, version),
      searchVaccines: (query: string, limit = 10) => call<Vaccine[]>('Chart', 'SearchVaccines', query, limit),
      immunizations: (patientId: string) => call<Immunization[]>('Chart', 'Immunizations', patientId),
      recordImmunization: (patientId: string, i: ImmunizationInput) =>
        call<Immunization>('Chart', 'RecordImmunization', patientId, i),
      retractImmunization: (id: string, reason: string, version: number) =>
        call<Immunization>('Chart', 'RetractImmunization', id, reason, version),
      referralPreview: (patientId: string) => call<ReferralPreview>('Chart', 'ReferralPreview', patientId),
      exportReferral: (patientId: string, r: ReferralRequest) =>
        call<ExportedFile>('Chart', 'ExportReferral', patientId, r),
      patientCopy: (patientId: string) => call<PatientCopy>('Chart', 'PatientCopy', patientId),
      disclosures: (patientId: string) => call<Disclosure[]>('Chart', 'Disclosures', patientId),
      startImport: (fileName: string, dataBase64: string, passphrase: string) =>
        call<ImportReview>('Chart', 'StartImport', fileName, dataBase64, passphrase),
      importReview: (importId: string) => call<ImportReview>('Chart', 'ImportReview', importId),
      importsInReview: () => call<ImportSummary[]>('Chart', 'ImportsInReview'),
      matchImport: (importId: string, patientId: string) => call<ImportReview>('Chart', 'MatchImport', importId, patientId),
      matchImportDespiteMismatch: (importId: string, patientId: string, reason: string) =>
        call<ImportReview>('Chart', 'MatchImportDespiteMismatch', importId, patientId, reason),
      createPatientFromImport: (importId: string) => call<ImportReview>('Chart', 'CreatePatientFromImport', importId),
      decideImportItems: (importId: string, decisions: ItemDecision[]) =>
        call<ImportReview>('Chart', 'DecideImportItems', importId, decisions),
      finishImport: (importId: string, decisions: ItemDecision[]) =>
        call<ImportReview>('Chart', 'FinishImport', importId, decisions),
      abandonImport: (importId: string) => call<ImportReview>('Chart', 'AbandonImport', importId),
      importSources: (patientId: string) => call<ImportSource[]>('Chart', 'ImportSources', patientId),
      imports: (patientId: string) => call<ImportHistory>('Chart', 'Imports', patientId),
      importOriginal: (itemId: string) => call<KeptOriginal>('Chart', 'ImportOriginal', itemId),
    },
    admin: {
      users: () => call<User[]>('Admin', 'Users'),
      addUser: (u: NewUser) => call<User>('Admin', 'AddUser', u),
      setUserActive: (id: string, active: boolean) => call<User>('Admin', 'SetUserActive', id, active),
      resetPassword: (id: string, password: string) => call<void>('Admin', 'ResetPassword', id, password),
      setLicenceNumber: (id: string, licence: string) => call<User>('Admin', 'SetLicenceNumber', id, licence),
      settings: () => call<Settings>('Admin', 'Settings'),
      saveSettings: (s: Settings) => call<Settings>('Admin', 'SaveSettings', s),
      audit: (f: AuditFilter) => call<AuditPage>('Admin', 'Audit', f),
      verifyAudit: () => call<AuditCheck>('Admin', 'VerifyAudit'),
      backup: () => call<BackupFile>('Admin', 'Backup'),
      backups: () => call<BackupFile[]>('Admin', 'Backups'),
      clinicKey: () => call<ClinicKey>('Admin', 'ClinicKey'),
      startClinicExport: (dir: string) => call<ClinicExport>('Admin', 'StartClinicExport', dir),
      clinicExportStatus: () => call<ClinicExport>('Admin', 'ClinicExportStatus'),
    },
    network: {
      status: () => call<NetworkStatus>('Network', 'Status'),
      share: (on: boolean) => call<NetworkStatus>('Network', 'Share', on),
      certificate: () => call<CertificateFile>('Network', 'Certificate'),
    },
    workstations: {
      list: () => call<Workstation[]>('Workstations', 'List'),
      approve: (id: string, code: string) => call<Workstation>('Workstations', 'Approve', id, code),
      refuse: (id: string, reason: string) => call<Workstation>('Workstations', 'Refuse', id, reason),
      revoke: (id: string, reason: string) => call<Workstation>('Workstations', 'Revoke', id, reason),
    },
  };
}

export type Client = ReturnType<typeof createClient>;

export const api: Client = createClient(defaultTransport(), defaultSaver(), defaultBinarySaver(), defaultFolderChooser(),
  defaultLive());
