import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { concerns, NoticeHub, Shown, type Notice, type Topic } from './live';
import { eventSourceLive, wailsLive } from './api';

const notice = (topic: Topic, patientId?: string): Notice => ({ seq: 1, topic, patientId, at: '', id: 'e-1' });

describe('NoticeHub', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst into one call per follower, with the burst', () => {
    const hub = new NoticeHub(150);
    const heard: Notice[][] = [];
    hub.on(['schedule'], (ns) => heard.push(ns));
    hub.deliver(notice('schedule'));
    hub.deliver(notice('schedule'));
    hub.deliver(notice('chart', 'p1')); // not followed
    vi.advanceTimersByTime(149);
    expect(heard).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(heard.length).toBe(1);
    expect(heard[0].map((n) => n.topic)).toEqual(['schedule', 'schedule']);
    hub.deliver(notice('schedule'));
    vi.advanceTimersByTime(150);
    expect(heard.length).toBe(2);
  });

  it('sends a resync to every follower', () => {
    const hub = new NoticeHub(10);
    const calls: string[] = [];
    hub.on(['schedule'], () => calls.push('schedule'));
    hub.on(['chart'], () => calls.push('chart'));
    hub.resync();
    vi.advanceTimersByTime(10);
    expect(calls.sort()).toEqual(['chart', 'schedule']);
  });

  it('calls nobody who stopped following, even with notices pending', () => {
    const hub = new NoticeHub(10);
    const handler = vi.fn();
    const off = hub.on(['chart'], handler);
    hub.deliver(notice('chart', 'p1'));
    off();
    vi.advanceTimersByTime(50);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('concerns', () => {
  it.each([
    { name: 'the open patient', ns: [notice('chart', 'p1')], id: 'p1', want: true },
    { name: 'another patient', ns: [notice('chart', 'p2')], id: 'p1', want: false },
    { name: 'one of several', ns: [notice('chart', 'p2'), notice('chart', 'p1')], id: 'p1', want: true },
    { name: 'a resync', ns: [notice('resync')], id: 'p1', want: true },
    { name: 'no chart open', ns: [notice('chart', 'p1')], id: '', want: false },
  ])('$name: $want', ({ ns, id, want }) => expect(concerns(ns, id)).toBe(want));
});

describe('Shown', () => {
  it('counts screens until each releases, once', () => {
    const shown = new Shown<'board'>();
    const a = shown.show('board');
    const b = shown.show('board');
    a();
    a();
    expect(shown.has('board')).toBe(true);
    b();
    expect(shown.has('board')).toBe(false);
  });
});

/** FakeEventSource stands in for the browser's EventSource. */
class FakeEventSource {
  static CLOSED = 2;
  static made: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners: Record<string, (e: MessageEvent) => void> = {};
  closed = false;
  constructor(public url: string) {
    FakeEventSource.made.push(this);
  }
  addEventListener(name: string, fn: (e: MessageEvent) => void) {
    this.listeners[name] = fn;
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(name: string, data: unknown, id = '') {
    this.listeners[name]({ data: JSON.stringify(data), lastEventId: id } as MessageEvent);
  }
}

describe('eventSourceLive', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.made = [];
  });
  afterEach(() => vi.useRealTimers());

  it('hands on notices and resyncs, and reports the state', () => {
    const notices: Notice[] = [];
    const states: string[] = [];
    const stop = eventSourceLive('/api/events', FakeEventSource as never)({
      notice: (n) => notices.push(n),
      state: (s, why) => states.push(why ? `${s}:${why}` : s),
    });
    const es = FakeEventSource.made[0];
    es.onopen!();
    es.emit('notice', notice('schedule'), 'e-1');
    es.emit('resync', { seq: 2, at: '', id: 'e-2' }, 'e-2');
    expect(notices.map((n) => n.topic)).toEqual(['schedule', 'resync']);
    stop();
    expect(es.closed).toBe(true);
    expect(states).toEqual(['connecting', 'live', 'off']);
  });

  it('tries a refused stream again, later and later, from the last id', () => {
    const states: string[] = [];
    eventSourceLive('/api/events', FakeEventSource as never)({ notice: () => {}, state: (s) => states.push(s) });
    const first = FakeEventSource.made[0];
    first.onopen!();
    first.emit('notice', notice('chart', 'p1'), 'e-9');
    first.readyState = FakeEventSource.CLOSED; // e.g. 423 while locked elsewhere
    first.onerror!();
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.made.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.made[1].url).toBe('/api/events?last=e-9');
    FakeEventSource.made[1].readyState = FakeEventSource.CLOSED;
    FakeEventSource.made[1].onerror!();
    vi.advanceTimersByTime(1999);
    expect(FakeEventSource.made.length).toBe(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.made.length).toBe(3);
  });

  it('does not reconnect a stream Go ended, and says why', () => {
    const states: string[] = [];
    eventSourceLive('/api/events', FakeEventSource as never)({
      notice: () => {},
      state: (s, why) => states.push(why ? `${s}:${why}` : s),
    });
    const es = FakeEventSource.made[0];
    es.onopen!();
    es.emit('end', 'locked');
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.made.length).toBe(1);
    expect(es.closed).toBe(true);
    expect(states.at(-1)).toBe('off:locked');
  });
});

describe('wailsLive', () => {
  it('listens to the window events until stopped', () => {
    const on: Record<string, (...d: unknown[]) => void> = {};
    const off = vi.fn();
    const runtime = {
      EventsOn: (name: string, cb: (...d: unknown[]) => void) => {
        on[name] = cb;
        return off;
      },
    };
    const notices: Notice[] = [];
    const stop = wailsLive(runtime)({ notice: (n) => notices.push(n), state: () => {} });
    on['folio:notice'](notice('chart', 'p1'));
    on['folio:resync']();
    expect(notices.map((n) => n.topic)).toEqual(['chart', 'resync']);
    stop();
    expect(off).toHaveBeenCalledTimes(2);
  });
});
