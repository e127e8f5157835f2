// The stores read again what a screen shows when Go says others changed
// it, once per burst, only for the chart that is open, and never while the
// screen is locked; what is being typed is not touched. Those re-reads are
// marked background, so that they do not keep the session awake.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { Notice, Topic } from '../live';
import type { User } from '../types';

const h = vi.hoisted(() => {
  const fn = <T>(v: T) => vi.fn(async (..._args: unknown[]) => v);
  // The board's reads as made: 'board', or 'board (background)' when made
  // within api.background.
  const boardReads: string[] = [];
  let scopes = 0;
  const hostListeners: ((s: string) => void)[] = [];
  return {
    onNotice: null as ((n: Notice) => void) | null,
    boardReads,
    hostListeners,
    api: {
      onError: () => () => {},
      sent: () => 0,
      async background<T>(f: () => T | Promise<T>): Promise<T> {
        scopes++;
        try {
          return await f();
        } finally {
          scopes--;
        }
      },
      host: {
        state: 'up', kept: 0, onKept: () => () => {}, signedIn: async () => {},
        onChange: (l: (s: string) => void) => (hostListeners.push(l), () => {}),
      },
      subscribe(onNotice: (n: Notice) => void, onState: (s: string) => void) {
        h.onNotice = onNotice;
        onState('live');
        return () => {
          h.onNotice = null;
        };
      },
      schedule: {
        board: vi.fn(async (date: string) => {
          boardReads.push(scopes > 0 ? 'board (background)' : 'board');
          return { date: date || '2026-03-10', columns: [] };
        }),
        week: fn({ appointments: [] }),
        day: fn({ appointments: [] }),
        callList: fn([]),
        patientAppointments: fn({ upcoming: [], past: [] }),
      },
      chart: {
        problems: fn([]),
        allergies: fn({ items: [] }),
        encounters: fn([]),
        vitals: fn([]),
        medications: fn([]),
        labReviewQueue: fn([]),
      },
    },
  };
});
vi.mock('../api', () => ({ api: h.api }));

const { session } = await import('./session.svelte');
const { live } = await import('./live.svelte');
const { schedule } = await import('./schedule.svelte');
const { chart } = await import('./chart.svelte');

let seq = 0;
function hear(topic: Topic, patientId?: string, record?: string) {
  if (!h.onNotice) throw new Error('not subscribed');
  h.onNotice({ seq: ++seq, topic, record, patientId, at: '', id: `e-${seq}` });
}

describe('stores follow what others change', () => {
  beforeAll(() => {
    vi.useFakeTimers();
    session.user = { id: 'u1', username: 'drlee', fullName: 'Dr Lee', role: 'clinician' } as User;
    session.locked = false;
    flushSync();
  });
  afterAll(() => vi.useRealTimers());
  beforeEach(async () => {
    await vi.advanceTimersByTimeAsync(500); // the resync of the stream's start, and anything pending
    vi.clearAllMocks();
  });

  it('reads the board again once for a burst, only while it is shown', async () => {
    expect(live.state).toBe('live');
    await schedule.loadBoard('2026-03-10');
    const release = schedule.follow('board');
    h.api.schedule.board.mockClear();
    hear('schedule');
    hear('schedule');
    hear('patients');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.schedule.board).toHaveBeenCalledTimes(1);
    expect(h.api.schedule.board).toHaveBeenCalledWith('2026-03-10');
    release();
    hear('schedule');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.schedule.board).toHaveBeenCalledTimes(1);
  });

  it('reads the open chart again for its patient only, keeping the note being typed', async () => {
    await chart.load('p1');
    chart.note.open('e1');
    chart.edit('subjective', 'Cough for three days, typed here');
    const release = chart.follow();
    vi.clearAllMocks();
    hear('chart', 'p2');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.chart.vitals).not.toHaveBeenCalled();
    hear('chart', 'p1'); // vitals recorded on another screen
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.chart.vitals).toHaveBeenCalledTimes(1);
    expect(h.api.chart.vitals).toHaveBeenCalledWith('p1', 10);
    expect(h.api.chart.allergies).toHaveBeenCalledWith('p1');
    expect(chart.note.value.subjective).toBe('Cough for three days, typed here');
    // An allergy added elsewhere reads the allergies again, not every list.
    vi.clearAllMocks();
    hear('chart', 'p1', 'allergy');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.chart.allergies).toHaveBeenCalledTimes(1);
    expect(h.api.chart.vitals).not.toHaveBeenCalled();
    expect(h.api.chart.problems).not.toHaveBeenCalled();
    release();
    chart.discardDraft();
  });

  it('marks the re-reads a notice or the host back starts as background, not what the screen reads', async () => {
    h.boardReads.length = 0;
    await schedule.loadBoard('2026-03-10'); // the screen opening: the person's doing
    const release = schedule.follow('board');
    hear('schedule');
    await vi.advanceTimersByTimeAsync(200);
    h.hostListeners.forEach((l) => l('down'));
    h.hostListeners.forEach((l) => l('up')); // what is shown is read again
    await vi.advanceTimersByTimeAsync(200);
    expect(h.boardReads).toEqual(['board', 'board (background)', 'board (background)']);
    release();
  });

  it('closes the stream while locked and reads again after the unlock', async () => {
    await schedule.loadBoard('2026-03-10');
    const release = schedule.follow('board');
    session.locked = true;
    flushSync();
    expect(live.state).toBe('off');
    expect(h.onNotice).toBeNull();
    vi.clearAllMocks();
    session.locked = false;
    flushSync();
    await vi.advanceTimersByTimeAsync(200);
    // What changed while locked is unknown: the board is read again.
    expect(h.api.schedule.board).toHaveBeenCalledTimes(1);
    release();
  });
});
