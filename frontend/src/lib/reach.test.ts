import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, httpTransport, type Transport } from './api';
import { FolioError } from './errors';
import { Reach } from './reach';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A host that can be switched off: calls then get no answer, as fetch
 * rejects with a TypeError. Every call is logged with its request id. */
interface FakeHost {
  up: boolean;
  /** Answers for calls by 'Service.Method', an error if it has kind. */
  answers: Record<string, unknown>;
  /** The writes the host ran, by request id (a repeat is not run again). */
  ran: Map<string, string>;
  sent: { call: string; id?: string }[];
  transport: Transport;
}

function fakeHost(): FakeHost {
  const h: FakeHost = {
    up: true,
    answers: {},
    ran: new Map(),
    sent: [],
    transport: (async (service, method, args, id) => {
      const call = `${service}.${method}`;
      h.sent.push({ call, id });
      if (!h.up) throw new TypeError('Failed to fetch');
      const a: unknown = h.answers[call];
      if (a && typeof a === 'object' && 'kind' in a) throw a;
      if (id && !h.ran.has(id)) h.ran.set(id, `${call} ${JSON.stringify(args)}`);
      return a ?? null;
    }) as Transport,
  };
  return h;
}

describe('Reach', () => {
  const table = [
    { name: 'a probe that answers brings the host back', answers: [true], back: true },
    { name: 'probes later and later until one answers', answers: [false, false, false, true], back: true },
    { name: 'stays down while nothing answers', answers: [false, false, false, false, false], back: false },
  ];
  for (const tt of table) {
    it(tt.name, async () => {
      const answers = [...tt.answers];
      let probes = 0;
      const r = new Reach(async () => {
        probes++;
        return answers.shift() ?? false;
      }, { first: 100, most: 400 });
      const seen: string[] = [];
      r.onChange((s) => seen.push(s));
      r.lost();
      expect(r.state).toBe('down');
      // 100 + 200 + 400 + 400 ms: four probes at most.
      await vi.advanceTimersByTimeAsync(1100);
      expect(r.state).toBe(tt.back ? 'up' : 'down');
      expect(seen).toEqual(tt.back ? ['down', 'up'] : ['down']);
      expect(probes).toBe(tt.back ? tt.answers.length : 4);
    });
  }

  it('a dropped stream probes at once, and only a failed probe says down', async () => {
    let answer = true;
    const r = new Reach(async () => answer, { first: 100 });
    r.suspect();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state).toBe('up');
    answer = false;
    r.suspect();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state).toBe('down');
  });
});

describe('the client when the host is lost', () => {
  it('a read fails at once as unreachable, and the host is down until a probe answers', async () => {
    const h = fakeHost();
    const client = createClient(h.transport);
    h.up = false;
    const err = await client.patients.search('okon').catch((e) => e);
    expect(err).toBeInstanceOf(FolioError);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe('The host cannot be reached.');
    expect(client.host.state).toBe('down');
    h.up = true;
    await vi.advanceTimersByTimeAsync(600);
    expect(client.host.state).toBe('up');
    expect(h.sent.at(-1)?.call).toBe('Auth.Status');
  });

  it('a write with no answer is kept and sent again with the same id once the host is back', async () => {
    const h = fakeHost();
    const client = createClient(h.transport);
    await client.host.signedIn('u1');
    h.up = false;
    h.answers['Chart.RecordVitals'] = { id: 'v1' };
    let result: unknown = 'pending';
    client.chart.recordVitals('p1', { pulse: 70 } as never).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(2000);
    expect(result).toBe('pending');
    expect(client.host.kept).toBe(1);
    h.up = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(result).toEqual({ id: 'v1' });
    expect(client.host.kept).toBe(0);
    const sends = h.sent.filter((s) => s.call === 'Chart.RecordVitals');
    expect(sends.length).toBe(2);
    expect(sends[0].id).toBeTruthy();
    expect(sends[1].id).toBe(sends[0].id);
    expect(h.ran.size).toBe(1);
  });

  it('kept writes go in the order they were made, and a read carries no id', async () => {
    const h = fakeHost();
    const client = createClient(h.transport);
    await client.host.signedIn('u1');
    await client.chart.vitals('p1');
    expect(h.sent[0].id).toBeUndefined();
    h.up = false;
    const done: string[] = [];
    client.chart.saveDraft('e1', { subjective: 'one' } as never, 1).then(() => done.push('one'));
    client.chart.recordVitals('p1', { pulse: 70 } as never).then(() => done.push('vitals'));
    client.chart.saveDraft('e1', { subjective: 'two' } as never, 2).then(() => done.push('two'));
    await vi.advanceTimersByTimeAsync(100);
    expect(client.host.kept).toBe(3);
    h.up = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(done).toEqual(['one', 'vitals', 'two']);
    expect([...h.ran.values()].map((v) => v.split(' ')[0])).toEqual(['Chart.SaveDraft', 'Chart.RecordVitals', 'Chart.SaveDraft']);
  });

  it('a kept write refused for the session waits for its person to sign in again, never for another', async () => {
    const h = fakeHost();
    const client = createClient(h.transport);
    const errors: string[] = [];
    client.onError((e) => errors.push(e.kind));
    await client.host.signedIn('u1');
    h.up = false;
    let result: unknown = 'pending';
    client.chart.addAllergy('p1', { substance: 'Penicillin' } as never).then((r) => (result = r), (e) => (result = e));
    await vi.advanceTimersByTimeAsync(100);
    // The host was restarted: it has forgotten the session.
    h.up = true;
    h.answers['Chart.AddAllergy'] = { kind: 'unauthenticated', message: 'Please sign in.' };
    await vi.advanceTimersByTimeAsync(5000);
    expect(result).toBe('pending');
    expect(errors).toContain('unauthenticated'); // the session store hears it, and shows the sign-in
    await client.host.signedIn('');
    delete h.answers['Chart.AddAllergy'];
    await client.host.signedIn('u2'); // someone else signs in here
    expect(result).toBe('pending');
    expect(h.ran.size).toBe(0);
    await client.host.signedIn('u1');
    expect(result).toBeNull();
    expect(h.ran.size).toBe(1);
  });

  it('a sign-in while a kept write is refused on its way sends it again after', async () => {
    const h = fakeHost();
    let hold: (() => void) | null = null;
    const slow: Transport = (async (service, method, args, id) => {
      // The host back after a restart: its refusal of the old session is slow to arrive.
      const refusal = h.answers['Chart.RecordVitals'];
      if (method === 'RecordVitals' && h.up && refusal && typeof refusal === 'object' && 'kind' in refusal) {
        h.sent.push({ call: `${service}.${method}`, id });
        await new Promise<void>((r) => (hold = r));
        throw refusal;
      }
      return h.transport(service, method, args, id);
    }) as Transport;
    const client = createClient(slow);
    await client.host.signedIn('u1');
    h.up = false;
    let result: unknown = 'pending';
    client.chart.recordVitals('p1', { pulse: 88 } as never).then((r) => (result = r), (e) => (result = e));
    await vi.advanceTimersByTimeAsync(100);
    h.up = true;
    h.answers['Chart.RecordVitals'] = { kind: 'unauthenticated', message: 'Please sign in.' };
    await vi.advanceTimersByTimeAsync(5000); // back: the kept write goes, its answer held
    expect(hold).not.toBeNull();
    h.answers['Chart.RecordVitals'] = { id: 'v1' }; // the person signs in meanwhile
    const signedIn = client.host.signedIn('u1');
    hold!();
    await signedIn;
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toEqual({ id: 'v1' });
    expect(client.host.kept).toBe(0);
    expect(h.ran.size).toBe(1);
  });

  it('a write answered with an error is not kept', async () => {
    const h = fakeHost();
    const client = createClient(h.transport);
    await client.host.signedIn('u1');
    h.answers['Chart.RecordVitals'] = { kind: 'conflict', message: 'Changed meanwhile.' };
    const err = await client.chart.recordVitals('p1', {} as never).catch((e) => e);
    expect(err.kind).toBe('conflict');
    expect(client.host.kept).toBe(0);
    expect(client.host.state).toBe('up');
  });
});

describe('httpTransport and the host', () => {
  it('sends the request id of a write as Folio-Request-Id', async () => {
    const calls: RequestInit[] = [];
    const f = (async (_u: string, init: RequestInit) => {
      calls.push(init);
      return new Response('null', { status: 200 });
    }) as unknown as typeof fetch;
    await httpTransport('', f)('Chart', 'AddAllergy', [], 'abc-1');
    await httpTransport('', f)('Chart', 'Allergies', []);
    expect((calls[0].headers as Record<string, string>)['Folio-Request-Id']).toBe('abc-1');
    expect((calls[1].headers as Record<string, string>)['Folio-Request-Id']).toBeUndefined();
  });

  it('a call with no answer in time is unreachable', async () => {
    vi.useRealTimers();
    const never = ((_u: string, init: RequestInit) =>
      new Promise((_r, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as unknown as typeof fetch;
    const client = createClient(httpTransport('', never, () => 50));
    const err = await client.chart.vitals('p1').catch((e) => e);
    expect(err.kind).toBe('unreachable');
    expect(client.host.state).toBe('down');
  });

  const gateways = [
    { name: 'a gateway with no answer from the host', status: 502, body: '<html>Bad gateway</html>', kind: 'unreachable' },
    { name: "the workstation's proxy", status: 502, body: '{"kind":"unreachable","message":"The host cannot be reached."}', kind: 'unreachable' },
    { name: 'a server error with a message', status: 500, body: '{"kind":"internal","message":"Disk full."}', kind: 'internal' },
  ];
  for (const g of gateways) {
    it(`reads ${g.name} as ${g.kind}`, async () => {
      const f = (async () => new Response(g.body, { status: g.status })) as unknown as typeof fetch;
      const client = createClient(httpTransport('', f));
      const err = await client.chart.vitals('p1').catch((e) => e);
      expect(err.kind).toBe(g.kind);
      expect(client.host.state).toBe(g.kind === 'unreachable' ? 'down' : 'up');
    });
  }
});
