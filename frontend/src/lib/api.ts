// The UI's one door to Go. In the desktop window the services are Wails
// bindings (window.go.app.Service.Method); in a browser served by
// `folio serve` the same calls are POST /api/Service/Method with the
// arguments as a JSON array, and so they are in the desktop window of a
// workstation (its Go passes them to the clinic's host). Nothing else in
// the UI knows which it is.

import { toFolioError, unreachableMessage, type FolioError } from './errors';
import { newRequestId, Reach, type HostState } from './reach';
import type { LiveState, Notice } from './live';
import type {
  Appointment,
  AppointmentInput,
  AppointmentLetter,
  AppointmentType,
  AvailabilityBlock,
  Board,
  CalendarRange,
  Clinician,
  MoveInput,
  RescheduleInput,
  FreeSlot,
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
  ConsentInput,
  TelehealthConsents,
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
  CareGap,
  CareRecord,
  CareReminder,
  FollowUpInput,
  ReminderInput,
  CareRecordInput,
  CareRuleInput,
  OutreachInput,
  Recall,
  RecallFilter,
  RecallLetters,
  RecallPage,
  CareRuleSetting,
  QualityDashboard,
  QualityPatientFilter,
  Enrolment,
  EnrolmentInput,
  HomeReadingsSummary,
  MonitoringProgram,
  MonitoringReport,
  MonitoringTargets,
  ReadingReview,
  ReadingsToReviewItem,
  QualityPatientPage,
  Vaccine,
  Medication,
  MedicationInput,
  MedicationCheck,
  MedicationHistory,
  Prescription,
  NotePrintout,
  VisitSummary,
  PatientGuidance,
  Override,
  VitalsInput,
  VitalsSet,
  HomeReading,
  ReadingPreview,
  ReadingImport,
  ReadingSpec,
  ReadingFormat,
  DeviceToken,
  IssuedDeviceToken,
  DuplicateMatch,
  MergePreview,
  MergeRecord,
  AuditFilter,
  AuditPage,
  AuthStatus,
  BackupFile,
  BackupSchedule,
  BackupScheduleInput,
  BackupEncryptionInput,
  RestoreChoices,
  RestorePreview,
  RestoreSource,
  ClinicExport,
  ClinicKey,
  StorageFinding,
  Replication,
  ReplicaTarget,
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
  FoundHost,
  Pairing,
  JoinProgress,
  WindowMode,
} from './types';

type Binding = (...args: unknown[]) => Promise<unknown>;
type Bindings = Record<string, Record<string, Binding>>;

/** The part of the Wails runtime the live updates use: EventsOn answers
 * a function that stops listening. */
export interface WailsEvents {
  EventsOn(name: string, callback: (...data: unknown[]) => void): (() => void) | void;
}

/** The part of the Wails runtime that opens an address in the PC's own
 * browser (the desktop window itself shows only Folio). */
export interface WailsBrowser {
  BrowserOpenURL(url: string): void;
}

declare global {
  interface Window {
    go?: { app?: Bindings; main?: Bindings; workstation?: Bindings };
    runtime?: WailsEvents & Partial<WailsBrowser>;
  }
}

/**
 * openExternal opens an address outside Folio, such as a video visit's
 * meeting link: in the PC's browser from the desktop window (Wails'
 * BrowserOpenURL), in a new tab from a browser. Only https addresses are
 * opened: a link is the clinic's template filled in, and anything else is
 * refused rather than handed to the system. Folio itself sends nothing
 * there; the browser does, for the call. It answers whether it opened.
 */
export function openExternal(
  url: string,
  runtime: Partial<WailsBrowser> | undefined = typeof window !== 'undefined' ? window.runtime : undefined,
  open: (url: string) => unknown = (u) => window.open(u, '_blank', 'noopener,noreferrer'),
): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:') return false;
  if (runtime?.BrowserOpenURL) {
    runtime.BrowserOpenURL(parsed.href);
    return true;
  }
  open(parsed.href);
  return true;
}

/** Transport sends one call to Go and resolves with its result; a write
 * carries its request id, the same each time it is sent (see Kept); a read
 * the screen makes by itself is marked background (see Client.background). */
export type Transport = (service: string, method: string, args: unknown[], requestId?: string,
  background?: boolean) => Promise<unknown>;

/** The desktop window's calls carry neither request ids nor the background
 * mark: its Go session lives in the window's own process, so no answer is
 * lost on a network, and only this screen, which locks itself when idle
 * (calling Auth.Lock), can use it (see Go's app.Call). */
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

/** How long a call may go unanswered before the host counts as lost (a
 * host switched off or cut from the network without a word never answers):
 * the probe is answered at once by a host that is there; a call that sends
 * or makes a large file may take long on a slow network, and has no limit. */
const probeTimeout = 5000;
const callTimeout = 30_000;
const slowCalls = new Set(['Chart/AddDocument', 'Chart/StartImport', 'Chart/DocumentContent', 'Admin/Backup',
  'Admin/StartClinicExport', 'Chart/ExportReferral', 'Chart/PatientCopy',
  // Saving a replica connects to it (up to 10 s), twice when it starts at once.
  'Admin/SetReplica',
  // Preparing a restore from a replica restores the whole database first.
  'Admin/PrepareRestore', 'Auth/PrepareClinicRestore']);

export function timeoutFor(service: string, method: string): number {
  const name = `${service}/${method}`;
  if (name === 'Auth/Status') return probeTimeout;
  return slowCalls.has(name) ? 0 : callTimeout;
}

export function httpTransport(base = '', fetchFn: typeof fetch = (...a) => fetch(...a), timeout = timeoutFor): Transport {
  return async (service, method, args, requestId, background) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (requestId) headers['Folio-Request-Id'] = requestId;
    if (background) headers['Folio-Background'] = '1';
    // fetch rejects (a TypeError) when no answer comes: refused, reset, the
    // host gone. That is what toFolioError calls unreachable; so is no
    // answer in time (a write sent again then is run once by the host).
    const ms = timeout(service, method);
    let res: Response;
    try {
      res = await fetchFn(`${base}/api/${service}/${method}`, {
        method: 'POST',
        headers,
        credentials: 'same-origin',
        body: JSON.stringify(args),
        signal: ms ? AbortSignal.timeout(ms) : undefined,
      });
    } catch (e) {
      const name = (e as { name?: string })?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw { kind: 'unreachable', message: unreachableMessage };
      throw e;
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null; // not Folio's answer: a gateway's page
    }
    if (res.ok) return body;
    // A gateway between (the workstation's proxy, or another) that could
    // not reach the host: as good as no answer.
    if (!body && [502, 503, 504].includes(res.status)) {
      throw { kind: 'unreachable', message: unreachableMessage };
    }
    throw body ?? { kind: 'internal', message: `Folio answered ${res.status}.` };
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

/** windowMode asks the desktop window's Go once what the window is (see
 * WindowMode); null outside a window that can be either. */
function windowMode(): Promise<WindowMode> | null {
  if (typeof window === 'undefined') return null;
  const joining = window.go?.workstation?.Joining;
  if (!window.go?.app || !joining) return null;
  return (joining.Mode() as Promise<WindowMode>).catch(() => ({ workstation: false }));
}
const mode = windowMode();

/** windowTransport is the desktop window's, which can be either: the bound
 * services for the clinic's own window, HTTP for a workstation's. The
 * bindings are there in both (a first-run window that joined a host keeps
 * them), so Go says which, once. */
export function windowTransport(bindings: Bindings, mode: Promise<WindowMode>, http: Transport = httpTransport()): Transport {
  const chosen = mode.then((m) => (m.workstation ? http : wailsTransport(bindings)));
  return async (service, method, args, requestId) => (await chosen)(service, method, args, requestId);
}

/** windowLive is the window's change notices, as windowTransport's calls:
 * its Go's events, or a workstation's stream from the host. */
export function windowLive(runtime: WailsEvents, mode: Promise<WindowMode>, stream: LiveSource = eventSourceLive()): LiveSource {
  const chosen = mode.then((m) => (m.workstation ? stream : wailsLive(runtime)));
  return (h) => {
    let stop: (() => void) | null = null;
    let stopped = false;
    void chosen.then((source) => {
      if (!stopped) stop = source(h);
    });
    return () => {
      stopped = true;
      if (stop) stop();
      else h.state('off');
    };
  };
}

function defaultLive(): LiveSource {
  if (typeof window !== 'undefined' && window.go?.app && window.runtime) {
    return mode ? windowLive(window.runtime, mode) : wailsLive(window.runtime);
  }
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
  if (typeof window !== 'undefined' && window.go?.app) {
    return mode ? windowTransport(window.go.app, mode) : wailsTransport(window.go.app);
  }
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
  // Whether the host answers; the probe is the cheapest call there is.
  const reach = new Reach(async () => {
    try {
      await transport('Auth', 'Status', []);
      return true;
    } catch (raw) {
      return toFolioError(raw).kind !== 'unreachable';
    }
  });
  const heard = (err: FolioError | null) => {
    if (err?.kind === 'unreachable') reach.lost();
    else reach.answered();
  };
  // How many background scopes are running (see background below).
  let backgroundScopes = 0;
  const call = async <T>(service: string, method: string, ...args: unknown[]): Promise<T> => {
    const sent = ++sentCalls;
    try {
      const result = (await transport(service, method, args, undefined, backgroundScopes > 0)) as T;
      heard(null);
      return result;
    } catch (raw) {
      const err = toFolioError(raw);
      heard(err);
      listeners.forEach((fn) => fn(err, sent));
      throw err;
    }
  };

  // Writes that got no answer wait here, with their request id, for the
  // host to be back and their person to be signed in; then they go again,
  // in the order they were made, and their callers get the answer as if it
  // had come the first time. The host answers a repeat of an id it already
  // ran with its first answer, so a save whose answer was lost is not made
  // twice. Only the person who made them sends them: they wait, in memory,
  // through a sign-in (the host restarted) but never go out as someone else.
  const kept: Kept[] = [];
  const keptListeners = new Set<(n: number) => void>();
  let signedIn = '';
  let sending = false;
  const keptChanged = () => keptListeners.forEach((fn) => fn(kept.length));
  const attempt = async (k: Kept): Promise<'done' | 'lost'> => {
    k.sent = ++sentCalls;
    try {
      const result = await transport(k.service, k.method, k.args, k.id);
      heard(null);
      k.resolve(result);
      return 'done';
    } catch (raw) {
      const err = toFolioError(raw);
      heard(err);
      if (err.kind === 'unreachable') return 'lost';
      listeners.forEach((fn) => fn(err, k.sent));
      // Refused for the session (the host restarted, or the screen locked
      // elsewhere): it waits for the person to sign in again.
      if (k.waited && (err.kind === 'unauthenticated' || err.kind === 'locked')) return 'lost';
      k.reject(err);
      return 'done';
    }
  };
  /** sendKept sends the signed-in person's kept writes, one at a time. A
   * call while they are being sent has them sent again after: the person
   * may have signed in while a write sent before was still on its way, to
   * be refused for the session the host had forgotten. */
  let sendAgain = false;
  const sendKept = async () => {
    if (sending) {
      sendAgain = true;
      return;
    }
    sending = true;
    try {
      do {
        sendAgain = false;
        for (;;) {
          const next = kept.find((k) => k.owner === signedIn);
          if (!next || reach.state === 'down' || !signedIn) break;
          if ((await attempt(next)) === 'lost') break;
          kept.splice(kept.indexOf(next), 1);
          keptChanged();
        }
      } while (sendAgain);
    } finally {
      sending = false;
    }
  };
  reach.onChange((s) => {
    if (s === 'up') void sendKept();
  });
  const write = <T>(service: string, method: string, ...args: unknown[]): Promise<T> =>
    new Promise<unknown>((resolve, reject) => {
      const k: Kept = { service, method, args, id: newRequestId(), owner: signedIn, sent: 0, waited: false, resolve, reject };
      void attempt(k).then((how) => {
        if (how === 'done') return;
        k.waited = true;
        kept.push(k);
        keptChanged();
        if (reach.state === 'up') void sendKept();
      });
    }) as Promise<T>;

  return {
    /**
     * background runs fn, a re-read the screen makes by itself (a change
     * notice came, the host is back): the reads started until the promise
     * fn answers settles are marked so, and Go does not count them as the
     * person's activity. Calls do not say who started them, so a read the
     * person starts meanwhile is marked too; that only errs towards
     * locking, and the person's key presses and pointer moves report
     * activity to Go anyway (Auth.Touch, see the session store). Writes
     * are never marked: they are the person's.
     */
    async background<T>(fn: () => T | Promise<T>): Promise<T> {
      backgroundScopes++;
      try {
        return await fn();
      } finally {
        backgroundScopes--;
      }
    },
    /** host says whether the host answers (see Reach), and hears it change. */
    host: {
      get state(): HostState {
        return reach.state;
      },
      onChange: (fn: (s: HostState) => void) => reach.onChange(fn),
      /** kept is how many writes wait for the host; onKept hears it change. */
      get kept() {
        return kept.length;
      },
      onKept(fn: (n: number) => void): () => void {
        keptListeners.add(fn);
        return () => keptListeners.delete(fn);
      },
      /** signedIn tells who is signed in and unlocked here now ('' nobody):
       * that person's kept writes are sent, and it answers once they are
       * (or the host is lost again). */
      async signedIn(userId: string): Promise<void> {
        signedIn = userId;
        await sendKept();
      },
    },
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
      let wasLive = false;
      return liveSource({
        notice: onNotice,
        state: (st, why) => {
          // A stream that was flowing and dropped, or that the host ended
          // because it is stopping: is the host still there?
          if ((st === 'connecting' && wasLive) || why === 'stopping') reach.suspect();
          wasLive = st === 'live';
          onState(st, why);
        },
      });
    },
    auth: {
      status: () => call<AuthStatus>('Auth', 'Status'),
      setup: (req: SetupRequest) => call<User>('Auth', 'Setup', req),
      login: (username: string, password: string) => call<User>('Auth', 'Login', username, password),
      logout: () => call<void>('Auth', 'Logout'),
      lock: () => call<void>('Auth', 'Lock'),
      unlock: (password: string) => call<User>('Auth', 'Unlock', password),
      touch: () => call<void>('Auth', 'Touch'),
      /** prepareClinicRestore stages a clinic from a replica or a backup file, on a PC with no clinic yet. */
      prepareClinicRestore: (src: RestoreSource) => call<RestorePreview>('Auth', 'PrepareClinicRestore', src),
      /** restoreClinicNow restarts Folio on the prepared clinic (not a kept write: the host it would be sent to again is gone). */
      restoreClinicNow: (id: string) => call<void>('Auth', 'RestoreClinicNow', id),
    },
    patients: {
      register: (p: PatientInput) => write<Patient>('Patients', 'Register', p),
      /** registerDifferentPerson registers p although it looks like the charts
       * differentFrom (ids), which the person confirmed are someone else. */
      registerDifferentPerson: (p: PatientInput, differentFrom: string[]) =>
        write<Patient>('Patients', 'RegisterDifferentPerson', p, differentFrom),
      search: (query: string, limit = 20) => call<PatientHit[]>('Patients', 'Search', query, limit),
      recent: (limit = 10) => call<PatientHit[]>('Patients', 'Recent', limit),
      open: (id: string) => call<Patient>('Patients', 'Open', id),
      correct: (id: string, p: PatientInput, reason: string, version: number) =>
        write<Patient>('Patients', 'Correct', id, p, reason, version),
      history: (id: string) => call<PatientRevision[]>('Patients', 'History', id),
      likelyDuplicates: (p: PatientInput) => call<DuplicateMatch[]>('Patients', 'LikelyDuplicates', p),
      mergePreview: (survivor: string, duplicate: string) =>
        call<MergePreview>('Patients', 'MergePreview', survivor, duplicate),
      merge: (survivorId: string, duplicateId: string, reason: string, survivorVersion: number, duplicateVersion: number) =>
        write<MergeRecord>('Patients', 'Merge', survivorId, duplicateId, reason, survivorVersion, duplicateVersion),
      merges: () => call<MergeRecord[]>('Patients', 'Merges'),
    },
    schedule: {
      clinicians: () => call<Clinician[]>('Schedule', 'Clinicians'),
      types: () => call<AppointmentType[]>('Schedule', 'Types'),
      saveType: (t: AppointmentType) => write<AppointmentType>('Schedule', 'SaveType', t),
      hours: () => call<OpeningHours[]>('Schedule', 'Hours'),
      saveHours: (h: OpeningHours[]) => write<OpeningHours[]>('Schedule', 'SaveHours', h),
      availability: (clinicianId: string) => call<AvailabilityBlock[]>('Schedule', 'Availability', clinicianId),
      saveAvailability: (clinicianId: string, blocks: AvailabilityBlock[]) =>
        write<AvailabilityBlock[]>('Schedule', 'SaveAvailability', clinicianId, blocks),
      book: (a: AppointmentInput) => write<Scheduled>('Schedule', 'Book', a),
      move: (m: MoveInput) => write<Scheduled>('Schedule', 'Move', m),
      reschedule: (r: RescheduleInput) => write<Scheduled>('Schedule', 'Reschedule', r),
      /** from: a date, a "YYYY-MM-DDTHH:MM" time, or '' for now. */
      nextFreeSlot: (clinicianId: string, typeId: string, from: string) =>
        call<FreeSlot>('Schedule', 'NextFreeSlot', clinicianId, typeId, from),
      cancel: (id: string, reason: string, scope: Scope, version: number) =>
        write<Appointment[]>('Schedule', 'Cancel', id, reason, scope, version),
      noShow: (id: string, reason: string, version: number) => write<Appointment>('Schedule', 'NoShow', id, reason, version),
      /** newMeetingLink gives a video visit a new room; the old link stays in its history. */
      newMeetingLink: (id: string, version: number) => write<Appointment>('Schedule', 'NewMeetingLink', id, version),
      appointmentLetter: (id: string) => call<AppointmentLetter>('Schedule', 'AppointmentLetter', id),
      advance: (id: string, status: string, version: number) =>
        write<Appointment>('Schedule', 'Advance', id, status, version),
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
      recalls: (f: RecallFilter) => call<RecallPage>('Schedule', 'Recalls', f),
      recallsCSV: (f: RecallFilter) => call<string>('Schedule', 'RecallsCSV', f),
      recordOutreach: (o: OutreachInput) => write<Recall>('Schedule', 'RecordOutreach', o),
      printRecallLetters: (f: RecallFilter) => write<RecallLetters>('Schedule', 'PrintRecallLetters', f),
    },
    chart: {
      summary: (patientId: string) => call<ChartSummary>('Chart', 'Summary', patientId),
      openEncounter: (patientId: string, appointmentId = '') =>
        write<Encounter>('Chart', 'OpenEncounter', patientId, appointmentId),
      telehealthConsent: (patientId: string) => call<TelehealthConsents>('Chart', 'TelehealthConsent', patientId),
      recordTelehealthConsent: (patientId: string, c: ConsentInput) =>
        write<TelehealthConsents>('Chart', 'RecordTelehealthConsent', patientId, c),
      retractTelehealthConsent: (id: string, reason: string, version: number) =>
        write<TelehealthConsents>('Chart', 'RetractTelehealthConsent', id, reason, version),
      encounters: (patientId: string) => call<EncounterSummary[]>('Chart', 'Encounters', patientId),
      encounter: (id: string) => call<Encounter>('Chart', 'Encounter', id),
      saveDraft: (encounterId: string, note: NoteText, draftVersion: number) =>
        write<Encounter>('Chart', 'SaveDraft', encounterId, note, draftVersion),
      signNote: (encounterId: string, version: number) => write<Encounter>('Chart', 'SignNote', encounterId, version),
      addAddendum: (encounterId: string, text: string) => write<Encounter>('Chart', 'AddAddendum', encounterId, text),
      retractNote: (encounterId: string, reason: string, version: number) =>
        write<Encounter>('Chart', 'RetractNote', encounterId, reason, version),
      templates: () => call<NoteTemplate[]>('Chart', 'Templates'),
      saveTemplate: (t: NoteTemplate) => write<NoteTemplate>('Chart', 'SaveTemplate', t),
      quickPhrases: () => call<QuickPhrase[]>('Chart', 'QuickPhrases'),
      saveQuickPhrase: (p: QuickPhrase) => write<QuickPhrase>('Chart', 'SaveQuickPhrase', p),
      addDiagnosis: (encounterId: string, d: DiagnosisInput) => write<Encounter>('Chart', 'AddDiagnosis', encounterId, d),
      removeDiagnosis: (diagnosisId: string, reason: string, version: number) =>
        write<Encounter>('Chart', 'RemoveDiagnosis', diagnosisId, reason, version),
      searchICD10: (query: string, limit = 12) => call<Code[]>('Chart', 'SearchICD10', query, limit),
      billableICD10: (code: string, limit = 6) => call<Code[]>('Chart', 'BillableICD10', code, limit),
      problems: (patientId: string) => call<Problem[]>('Chart', 'Problems', patientId),
      addProblem: (patientId: string, p: ProblemInput) => write<Problem>('Chart', 'AddProblem', patientId, p),
      updateProblem: (id: string, p: ProblemInput, reason: string, version: number) =>
        write<Problem>('Chart', 'UpdateProblem', id, p, reason, version),
      retractProblem: (id: string, reason: string, version: number) =>
        write<Problem>('Chart', 'RetractProblem', id, reason, version),
      allergies: (patientId: string) => call<AllergyList>('Chart', 'Allergies', patientId),
      addAllergy: (patientId: string, a: AllergyInput) => write<Allergy>('Chart', 'AddAllergy', patientId, a),
      updateAllergy: (id: string, a: AllergyInput, reason: string, version: number) =>
        write<Allergy>('Chart', 'UpdateAllergy', id, a, reason, version),
      retractAllergy: (id: string, reason: string, version: number) =>
        write<Allergy>('Chart', 'RetractAllergy', id, reason, version),
      searchDrugs: (query: string, limit = 10) => call<Drug[]>('Chart', 'SearchDrugs', query, limit),
      medications: (patientId: string) => call<Medication[]>('Chart', 'Medications', patientId),
      checkMedication: (patientId: string, m: MedicationInput) => call<MedicationCheck>('Chart', 'CheckMedication', patientId, m),
      addMedication: (patientId: string, m: MedicationInput, overrides: Override[]) =>
        write<Medication>('Chart', 'AddMedication', patientId, m, overrides),
      stopMedication: (id: string, reason: string, stopDate: string, version: number) =>
        write<Medication>('Chart', 'StopMedication', id, reason, stopDate, version),
      renewMedication: (id: string, m: MedicationInput, version: number, overrides: Override[]) =>
        write<Medication>('Chart', 'RenewMedication', id, m, version, overrides),
      retractMedication: (id: string, reason: string, version: number) =>
        write<Medication>('Chart', 'RetractMedication', id, reason, version),
      medicationHistory: (id: string) => call<MedicationHistory>('Chart', 'MedicationHistory', id),
      /** prescription reads a prescription for printing; Go audits it as printed. */
      prescription: (id: string) => call<Prescription>('Chart', 'Prescription', id),
      notePrintout: (encounterId: string) => call<NotePrintout>('Chart', 'NotePrintout', encounterId),
      visitSummary: (encounterId: string) => call<VisitSummary>('Chart', 'VisitSummary', encounterId),
      saveVisitInstructions: (encounterId: string, text: string, version: number) =>
        write<PatientGuidance>('Chart', 'SaveVisitInstructions', encounterId, text, version),
      recordVitals: (patientId: string, v: VitalsInput) => write<VitalsSet>('Chart', 'RecordVitals', patientId, v),
      vitals: (patientId: string, limit = 10) => call<VitalsSet[]>('Chart', 'Vitals', patientId, limit),
      vitalsSeries: (patientId: string, measure: string) => call<Series>('Chart', 'VitalsSeries', patientId, measure),
      growthCharts: (patientId: string) => call<GrowthCharts>('Chart', 'GrowthCharts', patientId),
      recordNoKnownAllergies: (patientId: string) => write<AllergyList>('Chart', 'RecordNoKnownAllergies', patientId),
      searchLabTests: (query: string, limit = 10) => call<LabTest[]>('Chart', 'SearchLabTests', query, limit),
      orderLab: (patientId: string, o: LabOrderInput) => write<LabOrder>('Chart', 'OrderLab', patientId, o),
      labPanels: () => call<LabPanel[]>('Chart', 'LabPanels'),
      orderLabPanel: (patientId: string, o: LabPanelOrderInput) =>
        write<LabOrder[]>('Chart', 'OrderLabPanel', patientId, o),
      recordLabPanel: (patientId: string, r: LabPanelResultInput) =>
        write<LabResult[]>('Chart', 'RecordLabPanel', patientId, r),
      cancelLabOrder: (id: string, reason: string, version: number) =>
        write<LabOrder>('Chart', 'CancelLabOrder', id, reason, version),
      labOrders: (patientId: string) => call<LabOrder[]>('Chart', 'LabOrders', patientId),
      recordLabResult: (patientId: string, r: LabResultInput) =>
        write<LabResult>('Chart', 'RecordLabResult', patientId, r),
      importLabResults: (patientId: string, csv: string) => write<LabImport>('Chart', 'ImportLabResults', patientId, csv),
      labResults: (patientId: string) => call<LabResult[]>('Chart', 'LabResults', patientId),
      labSeries: (patientId: string, loinc: string) => call<LabSeries>('Chart', 'LabSeries', patientId, loinc),
      labReviewQueue: () => call<LabReviewItem[]>('Chart', 'LabReviewQueue'),
      reviewLabResult: (id: string, note: string, version: number) =>
        write<LabResult>('Chart', 'ReviewLabResult', id, note, version),
      retractLabResult: (id: string, reason: string, version: number) =>
        write<LabResult>('Chart', 'RetractLabResult', id, reason, version),
      documents: (patientId: string) => call<ChartDocument[]>('Chart', 'Documents', patientId),
      addDocument: (patientId: string, d: DocumentInput) => write<ChartDocument>('Chart', 'AddDocument', patientId, d),
      documentContent: (id: string) => call<DocumentFile>('Chart', 'DocumentContent', id),
      retractDocument: (id: string, reason: string, version: number) =>
        write<ChartDocument>('Chart', 'RetractDocument', id, reason, version),
      searchVaccines: (query: string, limit = 10) => call<Vaccine[]>('Chart', 'SearchVaccines', query, limit),
      immunizations: (patientId: string) => call<Immunization[]>('Chart', 'Immunizations', patientId),
      recordImmunization: (patientId: string, i: ImmunizationInput) =>
        write<Immunization>('Chart', 'RecordImmunization', patientId, i),
      retractImmunization: (id: string, reason: string, version: number) =>
        write<Immunization>('Chart', 'RetractImmunization', id, reason, version),
      careGaps: (patientId: string) => call<CareGap[]>('Chart', 'CareGaps', patientId),
      careRecords: (patientId: string) => call<CareRecord[]>('Chart', 'CareRecords', patientId),
      recordCare: (patientId: string, c: CareRecordInput) => write<CareRecord>('Chart', 'RecordCare', patientId, c),
      retractCare: (id: string, reason: string, version: number) =>
        write<CareRecord>('Chart', 'RetractCare', id, reason, version),
      careReminders: (patientId: string) => call<CareReminder[]>('Chart', 'CareReminders', patientId),
      previewReadings: (patientId: string, fileName: string, content: string, formatId: string) =>
        call<ReadingPreview>('Chart', 'PreviewReadings', patientId, fileName, content, formatId),
      previewMappedReadings: (patientId: string, fileName: string, content: string, spec: ReadingSpec) =>
        call<ReadingPreview>('Chart', 'PreviewMappedReadings', patientId, fileName, content, spec),
      importReadings: (patientId: string, fileName: string, content: string, formatId: string) =>
        write<ReadingImport>('Chart', 'ImportReadings', patientId, fileName, content, formatId),
      homeReadings: (patientId: string, from = '', to = '') =>
        call<HomeReading[]>('Chart', 'HomeReadings', patientId, from, to),
      retractHomeReading: (id: string, reason: string) => write<HomeReading>('Chart', 'RetractHomeReading', id, reason),
      readingImports: (patientId: string) => call<ReadingImport[]>('Chart', 'ReadingImports', patientId),
      saveReadingFormat: (name: string, spec: ReadingSpec) => write<ReadingFormat>('Chart', 'SaveReadingFormat', name, spec),
      readingFormats: () => call<ReadingFormat[]>('Chart', 'ReadingFormats'),
      retireReadingFormat: (id: string, reason: string) => write<ReadingFormat>('Chart', 'RetireReadingFormat', id, reason),
      issueDeviceToken: (patientId: string, label: string, device: string) =>
        write<IssuedDeviceToken>('Chart', 'IssueDeviceToken', patientId, label, device),
      deviceTokens: (patientId: string) => call<DeviceToken[]>('Chart', 'DeviceTokens', patientId),
      revokeDeviceToken: (id: string, reason: string) => write<DeviceToken>('Chart', 'RevokeDeviceToken', id, reason),
      addReminder: (patientId: string, r: ReminderInput) => write<CareReminder>('Chart', 'AddReminder', patientId, r),
      closeReminder: (id: string, done: boolean, note: string, version: number) =>
        write<CareReminder>('Chart', 'CloseReminder', id, done, note, version),
      setFollowUp: (encounterId: string, f: FollowUpInput) => write<CareReminder>('Chart', 'SetFollowUp', encounterId, f),
      // Remote monitoring (app/monitoring.go).
      monitoring: (patientId: string) => call<MonitoringProgram>('Chart', 'Monitoring', patientId),
      enrolMonitoring: (patientId: string, e: EnrolmentInput) => write<Enrolment>('Chart', 'EnrolMonitoring', patientId, e),
      updateMonitoringTargets: (id: string, device: string, t: MonitoringTargets, version: number) =>
        write<Enrolment>('Chart', 'UpdateMonitoringTargets', id, device, t, version),
      endMonitoring: (id: string, reason: string) => write<Enrolment>('Chart', 'EndMonitoring', id, reason),
      homeReadingsSummary: (patientId: string) => call<HomeReadingsSummary>('Chart', 'HomeReadingsSummary', patientId),
      readingsToReview: () => call<ReadingsToReviewItem[]>('Chart', 'ReadingsToReview'),
      reviewReadings: (patientId: string, minutes: number, note: string) =>
        write<ReadingReview>('Chart', 'ReviewReadings', patientId, minutes, note),
      /** monitoringReport reads a month's report for printing; Go audits it as printed. */
      monitoringReport: (patientId: string, month: string) =>
        call<MonitoringReport>('Chart', 'MonitoringReport', patientId, month),
      referralPreview: (patientId: string) => call<ReferralPreview>('Chart', 'ReferralPreview', patientId),
      exportReferral: (patientId: string, r: ReferralRequest) =>
        call<ExportedFile>('Chart', 'ExportReferral', patientId, r),
      patientCopy: (patientId: string) => call<PatientCopy>('Chart', 'PatientCopy', patientId),
      disclosures: (patientId: string) => call<Disclosure[]>('Chart', 'Disclosures', patientId),
      startImport: (fileName: string, dataBase64: string, passphrase: string) =>
        call<ImportReview>('Chart', 'StartImport', fileName, dataBase64, passphrase),
      importReview: (importId: string) => call<ImportReview>('Chart', 'ImportReview', importId),
      importsInReview: () => call<ImportSummary[]>('Chart', 'ImportsInReview'),
      matchImport: (importId: string, patientId: string) => write<ImportReview>('Chart', 'MatchImport', importId, patientId),
      matchImportDespiteMismatch: (importId: string, patientId: string, reason: string) =>
        write<ImportReview>('Chart', 'MatchImportDespiteMismatch', importId, patientId, reason),
      createPatientFromImport: (importId: string) => write<ImportReview>('Chart', 'CreatePatientFromImport', importId),
      decideImportItems: (importId: string, decisions: ItemDecision[]) =>
        write<ImportReview>('Chart', 'DecideImportItems', importId, decisions),
      finishImport: (importId: string, decisions: ItemDecision[]) =>
        write<ImportReview>('Chart', 'FinishImport', importId, decisions),
      abandonImport: (importId: string) => write<ImportReview>('Chart', 'AbandonImport', importId),
      importSources: (patientId: string) => call<ImportSource[]>('Chart', 'ImportSources', patientId),
      imports: (patientId: string) => call<ImportHistory>('Chart', 'Imports', patientId),
      importOriginal: (itemId: string) => call<KeptOriginal>('Chart', 'ImportOriginal', itemId),
    },
    admin: {
      users: () => call<User[]>('Admin', 'Users'),
      addUser: (u: NewUser) => write<User>('Admin', 'AddUser', u),
      setUserActive: (id: string, active: boolean) => write<User>('Admin', 'SetUserActive', id, active),
      resetPassword: (id: string, password: string) => write<void>('Admin', 'ResetPassword', id, password),
      setLicenceNumber: (id: string, licence: string) => write<User>('Admin', 'SetLicenceNumber', id, licence),
      settings: () => call<Settings>('Admin', 'Settings'),
      saveSettings: (s: Settings) => write<Settings>('Admin', 'SaveSettings', s),
      audit: (f: AuditFilter) => call<AuditPage>('Admin', 'Audit', f),
      verifyAudit: () => call<AuditCheck>('Admin', 'VerifyAudit'),
      backup: () => call<BackupFile>('Admin', 'Backup'),
      backups: () => call<BackupFile[]>('Admin', 'Backups'),
      clinicKey: () => call<ClinicKey>('Admin', 'ClinicKey'),
      storageEncryption: () => call<StorageFinding>('Admin', 'StorageEncryption'),
      startClinicExport: (dir: string) => call<ClinicExport>('Admin', 'StartClinicExport', dir),
      clinicExportStatus: () => call<ClinicExport>('Admin', 'ClinicExportStatus'),
      /** replication says where the charts are replicated and how far the replica has got (no audit: cheap to poll). */
      replication: () => call<Replication>('Admin', 'Replication'),
      /** setReplica connects to the replica, saves it and starts replicating if none runs. */
      setReplica: (target: ReplicaTarget) => write<Replication>('Admin', 'SetReplica', target),
      /** stopReplica stops replicating at Folio's next start; reason goes to the audit trail. */
      stopReplica: (reason: string) => write<Replication>('Admin', 'StopReplica', reason),
      /** backupSchedule says when Folio backs up by itself and how the last backup and drill went. */
      backupSchedule: () => call<BackupSchedule>('Admin', 'BackupSchedule'),
      careRules: () => call<CareRuleSetting[]>('Admin', 'CareRules'),
      setCareRule: (r: CareRuleInput) => write<CareRuleSetting[]>('Admin', 'SetCareRule', r),
      setBackupSchedule: (s: BackupScheduleInput) => write<BackupSchedule>('Admin', 'SetBackupSchedule', s),
      /** setBackupEncryption encrypts the second folder's copies with the clinic's passphrase (or stops). */
      setBackupEncryption: (e: BackupEncryptionInput) => write<BackupSchedule>('Admin', 'SetBackupEncryption', e),
      /** restoreChoices lists the backups and the moments the replica can restore. */
      restoreChoices: () => call<RestoreChoices>('Admin', 'RestoreChoices'),
      /** prepareRestore stages a backup or a moment of the replica and says what it holds. */
      prepareRestore: (src: RestoreSource) => call<RestorePreview>('Admin', 'PrepareRestore', src),
      /** restoreNow restarts Folio on the prepared restore; everyone is signed out (not a kept write, as
       * restoreClinicNow). */
      restoreNow: (id: string) => call<void>('Admin', 'RestoreNow', id),
    },
    quality: {
      dashboard: () => call<QualityDashboard>('Quality', 'Dashboard'),
      dashboardCSV: () => call<string>('Quality', 'DashboardCSV'),
      patients: (f: QualityPatientFilter) => call<QualityPatientPage>('Quality', 'Patients', f),
      patientsCSV: (f: QualityPatientFilter) => call<string>('Quality', 'PatientsCSV', f),
    },
    network: {
      status: () => call<NetworkStatus>('Network', 'Status'),
      share: (on: boolean) => write<NetworkStatus>('Network', 'Share', on),
      certificate: () => call<CertificateFile>('Network', 'Certificate'),
    },
    workstations: {
      list: () => call<Workstation[]>('Workstations', 'List'),
      approve: (id: string, code: string) => write<Workstation>('Workstations', 'Approve', id, code),
      refuse: (id: string, reason: string) => write<Workstation>('Workstations', 'Refuse', id, reason),
      revoke: (id: string, reason: string) => write<Workstation>('Workstations', 'Revoke', id, reason),
    },
  };
}

/** Kept is a write waiting for the host (see createClient). */
interface Kept {
  service: string;
  method: string;
  args: unknown[];
  id: string;
  /** Who made it: only they send it. */
  owner: string;
  sent: number;
  /** Whether it waited for the host at least once. */
  waited: boolean;
  resolve(result: unknown): void;
  reject(err: FolioError): void;
}

export type Client = ReturnType<typeof createClient>;

export const api: Client = createClient(defaultTransport(), defaultSaver(), defaultBinarySaver(), defaultFolderChooser(),
  defaultLive());

/** createJoinClient is the first-run screen's way to make this PC a
 * workstation of the clinic's host (Go's workstation.Joining): only the
 * desktop window has it; null elsewhere. */
export function createJoinClient(joining: Record<string, Binding> | undefined) {
  if (!joining) return null;
  const transport = wailsTransport({ Joining: joining });
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    try {
      return (await transport('Joining', method, args)) as T;
    } catch (raw) {
      throw toFolioError(raw);
    }
  };
  return {
    /** find lists the hosts that answer on the network (it listens ~2 s). */
    find: () => call<FoundHost[]>('Find'),
    /** begin asks the host at address to pair; fingerprint is what it
     * announced, when picked from find's list ('' for a typed address). */
    begin: (address: string, name: string, fingerprint: string) => call<Pairing>('Begin', address, name, fingerprint),
    /** check asks the host once whether its admin approved. */
    check: () => call<JoinProgress>('Check'),
    cancel: () => call<void>('Cancel'),
  };
}

export type JoinClient = NonNullable<ReturnType<typeof createJoinClient>>;

export const joinApi: JoinClient | null = createJoinClient(
  typeof window !== 'undefined' ? window.go?.workstation?.Joining : undefined);
