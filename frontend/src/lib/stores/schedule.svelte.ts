// The front desk's day: the calendar's range and appointments, the
// check-in board, the call list and the clinic's scheduling setup.

import { api } from '../api';
import { addDays, dayOf, mondayOf } from '../dates';
import type {
  Appointment,
  AppointmentInput,
  AppointmentType,
  Board,
  Clinician,
  FreeSlot,
  MoveInput,
  OpeningHours,
  PatientAppointments,
  PatientHit,
  RescheduleInput,
  Scope,
  Warning,
} from '../types';
import { session } from './session.svelte';
import { live } from './live.svelte';
import { concerns, Shown, type Notice } from '../live';
import { Tickets } from '../tickets';
import { defaultChoice, keepChoice, readChoice, type CalendarChoice, type CalendarView } from '../calendarChoice';

/** The views of the schedule a screen shows, read again when others change
 * the schedule (see show). */
export type ScheduleView = 'range' | 'board' | 'callList' | 'forPatient';

export type { CalendarView } from '../calendarChoice';

export function emptyBooking(): AppointmentInput {
  return { patientId: '', clinicianId: '', typeId: '', start: '', end: '', note: '', recurrence: { every: '', count: 1 } };
}

class ScheduleStore {
  clinicians = $state<Clinician[]>([]);
  types = $state<AppointmentType[]>([]);
  hours = $state<OpeningHours[]>([]);

  view = $state<CalendarView>(defaultChoice.view);
  date = $state(dayOf(new Date()));
  clinicianId = $state(''); // '' is the whole clinic
  /**
   * The range's appointments. A week's carry only what the calendar draws
   * and a drag needs (see Schedule.Week); a day's are whole.
   */
  appointments = $state<Appointment[]>([]);
  /** The appointment opened on the calendar, read in full; null when none is. */
  opened = $state<Appointment | null>(null);
  /** The id last asked to open: a slower answer for an earlier click is dropped. */
  private opening = '';
  /** Warnings of the last booking or move, shown until the next. */
  warnings = $state<Warning[]>([]);
  /** A patient chosen on their chart to book for. */
  bookingFor = $state<PatientHit | null>(null);
  /** The recall row the booking is made from (Recalls' Book), if any. */
  bookingRecall: { patientId: string; ruleId: string } | null = null;
  /** The visit type (by name) and note a booking from a recall starts with. */
  bookingType = '';
  bookingNote = '';

  /** The open chart's appointments. */
  forPatient = $state<PatientAppointments | null>(null);

  board = $state<Board | null>(null);
  callList = $state<Appointment[]>([]);
  #reads = new Tickets();
  #shown = new Shown<ScheduleView>();
  /** Whose appointments forPatient holds (or is being read). */
  #forPatientId = '';

  constructor() {
    session.onSignOut(() => this.reset());
    live.on(['schedule', 'patients'], (notices) => this.#heard(notices));
  }

  /** follow marks a view as on screen until the returned release: while
   * it is, what others change there is read again. Call it in an effect. */
  follow(view: ScheduleView): () => void {
    return this.#shown.show(view);
  }

  /** #heard reads again the views on screen that others changed, and
   * answers when all are read. A failed re-read leaves what is shown; the
   * next notice, or the screen, tries again. */
  #heard(notices: Notice[]): Promise<unknown> {
    const reads: Promise<unknown>[] = [];
    if (this.#shown.has('range') && session.user) reads.push(this.loadRange());
    if (this.#shown.has('board') && this.board) reads.push(this.loadBoard(this.board.date));
    if (this.#shown.has('callList')) reads.push(this.loadCallList());
    const pid = this.#forPatientId;
    if (this.#shown.has('forPatient') && concerns(notices, pid)) {
      const newest = this.#reads.take('forPatient');
      reads.push(api.schedule.patientAppointments(pid).then((found) => {
        if (newest() && this.#forPatientId === pid) this.forPatient = found;
      }));
    }
    return Promise.allSettled(reads);
  }

  /** Who has opened the calendar since signing in ('' nobody yet). */
  #openedBy = '';

  /** calendarOpens sets the calendar as it opens: the view and clinician the
   * signed-in person last chose there (the day list shares this store),
   * and today's date the first time after signing in. */
  calendarOpens() {
    const userId = session.user?.id ?? '';
    if (!userId) return;
    const c = readChoice(userId);
    this.view = c.view;
    this.clinicianId = c.clinicianId;
    if (userId !== this.#openedBy) this.date = dayOf(new Date());
    this.#openedBy = userId;
  }

  /** remember keeps a view and clinician as the person's choice. */
  remember(c: CalendarChoice) {
    if (session.user) keepChoice(session.user.id, c);
  }

  /** A clinician chosen before who is no longer booked shows the whole clinic. */
  dropGoneClinician() {
    if (this.clinicianId && this.clinicians.length && !this.clinicians.some((c) => c.id === this.clinicianId)) {
      this.clinicianId = '';
    }
  }

  reset() {
    this.#reads.dropAll();
    this.#openedBy = '';
    this.appointments = [];
    this.close();
    this.warnings = [];
    this.bookingFor = null;
    this.bookingType = this.bookingNote = '';
    this.forPatient = null;
    this.board = null;
    this.callList = [];
    this.#forPatientId = '';
  }

  /** loadSetup reads the clinicians, appointment types and hours once. */
  /** Several screens ask for the setup as they open: they share one read. */
  #setup: Promise<void> | null = null;

  loadSetup(): Promise<void> {
    this.#setup ??= this.#readSetup().finally(() => (this.#setup = null));
    return this.#setup;
  }

  async #readSetup() {
    const [clinicians, types, hours] = await Promise.all([
      api.schedule.clinicians(),
      api.schedule.types(),
      api.schedule.hours(),
    ]);
    this.clinicians = clinicians;
    this.types = types;
    this.hours = hours;
  }

  /** rangeStart is the first day the calendar shows. */
  get rangeStart(): string {
    return this.view === 'week' ? mondayOf(this.date) : this.date;
  }

  /** loadRange reads the range shown; an answer for a range shown before
   * (a quick click on › or another clinician) is dropped. */
  async loadRange() {
    const newest = this.#reads.take('range');
    const r =
      this.view === 'week'
        ? await api.schedule.week(this.rangeStart, this.clinicianId)
        : await api.schedule.day(this.date, this.clinicianId);
    if (!newest()) return;
    this.appointments = r.appointments ?? [];
    await this.keepOpenedCurrent();
  }

  /** open reads one appointment in full for the details panel. */
  async open(id: string) {
    this.opening = id;
    this.opened = null;
    const a = await api.schedule.appointment(id);
    if (this.opening === id) this.opened = a;
  }

  close() {
    this.opening = '';
    this.opened = null;
  }

  /** reread reads the opened appointment again, keeping it shown
   * meanwhile (its details panel may hold a change being typed), and
   * answers it as saved now. */
  async reread(id: string): Promise<Appointment> {
    const a = await api.schedule.appointment(id);
    if (this.opening === id) this.opened = a;
    return a;
  }

  /**
   * keepOpenedCurrent follows the opened appointment through a reload: gone
   * from the range (cancelled, or the range moved on) it closes; changed
   * (moved by a drag, or by someone else) it is read again.
   */
  private async keepOpenedCurrent() {
    const o = this.opened;
    if (!o) return;
    const listed = this.appointments.find((a) => a.id === o.id);
    if (!listed) this.close();
    else if (listed.version !== o.version) {
      const a = await api.schedule.appointment(o.id);
      if (this.opening === o.id) this.opened = a;
    }
  }

  async show(view: CalendarView, date: string, clinicianId: string) {
    this.view = view;
    this.date = date;
    this.clinicianId = clinicianId;
    await this.loadRange();
  }

  step(direction: -1 | 1) {
    return this.show(this.view, addDays(this.date, direction * (this.view === 'week' ? 7 : 1)), this.clinicianId);
  }

  async book(input: AppointmentInput) {
    const res = await api.schedule.book(input);
    this.warnings = res.warnings ?? [];
    // Booked from a recall: the row says so, and stays off the list until the visit.
    const recall = this.bookingRecall;
    this.bookingRecall = null;
    if (recall && recall.patientId === input.patientId) {
      const day = input.start.slice(0, 10);
      await api.schedule.recordOutreach({ patientId: recall.patientId, ruleId: recall.ruleId, outcome: 'booked',
        note: `booked for ${input.start.replace('T', ' ')}`, snoozeUntil: day > dayOf(new Date()) ? day : '' })
        .catch(() => {});
    }
    await this.loadRange();
    return res;
  }

  async move(m: MoveInput) {
    try {
      const res = await api.schedule.move(m);
      this.warnings = res.warnings ?? [];
      return res;
    } finally {
      await this.loadRange();
    }
  }

  /** reschedule saves the Reschedule form; the range is read again
   * whatever the answer, as after a move. */
  async reschedule(r: RescheduleInput) {
    try {
      const res = await api.schedule.reschedule(r);
      this.warnings = res.warnings ?? [];
      return res;
    } finally {
      await this.loadRange();
    }
  }

  nextFreeSlot(clinicianId: string, typeId: string, from: string): Promise<FreeSlot> {
    return api.schedule.nextFreeSlot(clinicianId, typeId, from);
  }

  // cancel, noShow and advance are the details panel's actions; it closes
  // after each, so the appointment is not read again on the reload.

  async cancel(a: Appointment, reason: string, scope: Scope) {
    await api.schedule.cancel(a.id, reason, scope, a.version);
    this.warnings = [];
    this.closeIfOpened(a.id);
    await this.loadRange();
  }

  async noShow(a: Appointment, reason: string) {
    await api.schedule.noShow(a.id, reason, a.version);
    this.closeIfOpened(a.id);
    await this.loadRange();
  }

  /** newMeetingLink gives a video visit a new room, and reads it again. */
  async newMeetingLink(a: Appointment) {
    await api.schedule.newMeetingLink(a.id, a.version);
    await this.reread(a.id);
    await this.loadRange();
  }

  /** appointmentLetter reads an appointment's reminder letter, to print. */
  appointmentLetter(id: string) {
    return api.schedule.appointmentLetter(id);
  }

  private closeIfOpened(id: string) {
    if (this.opened?.id === id) this.close();
  }

  async loadPatientAppointments(patientId: string) {
    this.forPatient = null;
    this.#forPatientId = patientId;
    const newest = this.#reads.take('forPatient');
    const found = await api.schedule.patientAppointments(patientId);
    if (newest()) this.forPatient = found;
  }

  async loadBoard(date = '') {
    const newest = this.#reads.take('board');
    const board = await api.schedule.board(date);
    if (newest()) this.board = board;
  }

  /** advance moves a patient along the check-in steps (or one back). */
  async advance(a: Appointment, status: string) {
    await api.schedule.advance(a.id, status, a.version);
    this.closeIfOpened(a.id);
    if (this.board) await this.loadBoard(this.board.date);
  }

  async loadCallList() {
    const newest = this.#reads.take('callList');
    const list = await api.schedule.callList();
    if (newest()) this.callList = list;
  }

  /** exportDayList saves the day list as CSV; '' when the save was cancelled. */
  async exportDayList(date: string, clinicianId: string): Promise<string> {
    return api.saveFile(`day-list-${date}.csv`, await api.schedule.dayListCSV(date, clinicianId));
  }

  async exportCallList(): Promise<string> {
    return api.saveFile(`call-list-${dayOf(new Date())}.csv`, await api.schedule.callListCSV());
  }

  async saveType(t: AppointmentType) {
    await api.schedule.saveType(t);
    const newest = this.#reads.take('types');
    const types = await api.schedule.types();
    if (newest()) this.types = types;
  }

  async saveHours(h: OpeningHours[]) {
    this.hours = await api.schedule.saveHours(h);
  }
}

export const schedule = new ScheduleStore();

/** The check-in steps in order, and what moving a patient on is called. */
export const checkInSteps = [
  { status: 'booked', next: 'arrived', action: 'Arrived' },
  { status: 'arrived', next: 'in_room', action: 'To room' },
  { status: 'in_room', next: 'with_clinician', action: 'With clinician' },
  { status: 'with_clinician', next: 'done', action: 'Done' },
] as const;

export function nextStep(status: string) {
  return checkInSteps.find((s) => s.status === status);
}

export function previousStatus(status: string): string {
  const order = ['booked', 'arrived', 'in_room', 'with_clinician', 'done'];
  if (status === 'no_show') return 'booked';
  const i = order.indexOf(status);
  return i > 0 ? order[i - 1] : '';
}
