import { describe, expect, it, vi } from 'vitest';
import { createClient, httpTransport, wailsFolderChooser, wailsTransport, windowLive, windowTransport } from './api';
import { FolioError } from './errors';

function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('httpTransport', () => {
  it('posts the arguments as a JSON array to /api/Service/Method', async () => {
    const f = fakeFetch(200, [{ id: '1' }]);
    const client = createClient(httpTransport('', f.fn));
    const hits = await client.patients.search('okon', 5);
    expect(hits).toEqual([{ id: '1' }]);
    expect(f.calls[0].url).toBe('/api/Patients/Search');
    expect(f.calls[0].init.method).toBe('POST');
    expect(JSON.parse(f.calls[0].init.body as string)).toEqual(['okon', 5]);
    expect((f.calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('turns an error answer into a FolioError with its fields', async () => {
    const f = fakeFetch(400, { kind: 'invalid', message: 'Please correct the marked field.', fields: { phone: 'Bad.' } });
    const client = createClient(httpTransport('', f.fn));
    const err = await client.patients.register({} as never).catch((e) => e);
    expect(err).toBeInstanceOf(FolioError);
    expect(err.kind).toBe('invalid');
    expect(err.fields).toEqual({ phone: 'Bad.' });
  });

  it('marks the reads of a background scope, until it settles, and never a write', async () => {
    const f = fakeFetch(200, []);
    const client = createClient(httpTransport('', f.fn));
    const marked = () => f.calls.map((c) => (c.init.headers as Record<string, string>)['Folio-Background'] ?? '');
    let finish = () => {};
    const scope = client.background(async () => {
      await client.patients.search('okon', 5);
      await new Promise<void>((r) => (finish = r));
      await client.patients.recent(); // after an await: still within
      await client.patients.register({} as never);
    });
    await vi.waitFor(() => expect(f.calls.length).toBe(1));
    await client.patients.search('rivera', 5); // meanwhile: marked too (see background)
    finish();
    await scope;
    await client.patients.search('ward', 5); // after it
    expect(marked()).toEqual(['1', '1', '1', '', '']);
  });

  it('accepts an empty body for calls that return nothing', async () => {
    const f = fakeFetch(200, undefined);
    const client = createClient(httpTransport('', f.fn));
    await expect(client.auth.logout()).resolves.toBeNull();
  });
});

describe('wailsTransport', () => {
  it('calls the bound method with the arguments', async () => {
    const seen: unknown[][] = [];
    const client = createClient(
      wailsTransport({ Auth: { Login: async (...args: unknown[]) => (seen.push(args), { username: 'desk' }) } }),
    );
    await expect(client.auth.login('desk', 'pw')).resolves.toEqual({ username: 'desk' });
    expect(seen).toEqual([['desk', 'pw']]);
  });

  it('parses the JSON string the desktop error formatter rejects with', async () => {
    const client = createClient(
      wailsTransport({
        Auth: { Login: () => Promise.reject('{"kind":"unauthenticated","message":"Wrong user name or password."}') },
      }),
    );
    const err = await client.auth.login('x', 'y').catch((e) => e);
    expect(err.kind).toBe('unauthenticated');
    expect(err.message).toBe('Wrong user name or password.');
  });

  it('reads the JSON inside the Error the Wails runtime rejects with', async () => {
    const client = createClient(
      wailsTransport({
        Patients: {
          Register: () =>
            Promise.reject(new Error('{"kind":"invalid","message":"Please correct the marked field.","fields":{"sex":"Choose."}}')),
        },
      }),
    );
    const err = await client.patients.register({} as never).catch((e) => e);
    expect(err.kind).toBe('invalid');
    expect(err.fields).toEqual({ sex: 'Choose.' });
  });

  it('refuses a method that is not bound', async () => {
    const client = createClient(wailsTransport({}));
    await expect(client.admin.users()).rejects.toMatchObject({ kind: 'not_found' });
  });
});

describe('onError', () => {
  it('tells every listener about every failed call, until unsubscribed', async () => {
    const f = fakeFetch(423, { kind: 'locked', message: 'The screen is locked.' });
    const client = createClient(httpTransport('', f.fn));
    const heard: string[] = [];
    const off = client.onError((e) => heard.push(e.kind));
    await client.patients.open('x').catch(() => {});
    off();
    await client.patients.open('x').catch(() => {});
    expect(heard).toEqual(['locked']);
  });

  it('numbers each call as it is sent, so a late refusal is told from a call made since', async () => {
    let answer: (v: Response) => void = () => {};
    const slow = (async () => new Promise<Response>((r) => (answer = r))) as unknown as typeof fetch;
    const client = createClient(httpTransport('', slow));
    const heard: number[] = [];
    client.onError((_e, sent) => heard.push(sent));
    const early = client.patients.open('x').catch(() => {}); // sent while locked, answered late
    expect(client.sent()).toBe(1);
    const unlockedAfter = client.sent(); // what the session store keeps at an unlock
    answer(new Response(JSON.stringify({ kind: 'locked', message: 'The screen is locked.' }), { status: 423 }));
    await early;
    expect(heard).toEqual([1]);
    expect(heard[0] <= unlockedAfter).toBe(true);
  });
});

describe('saveFile', () => {
  it('hands the export to the saver and answers where it went', async () => {
    const saved: string[][] = [];
    const client = createClient(wailsTransport({}), async (name, text) => {
      saved.push([name, text]);
      return `/home/desk/${name}`;
    });
    await expect(client.saveFile('day-list.csv', 'a,b\r\n')).resolves.toBe('/home/desk/day-list.csv');
    expect(saved).toEqual([['day-list.csv', 'a,b\r\n']]);
  });

  it('reads a desktop error the same way as any call', async () => {
    const client = createClient(wailsTransport({}), () =>
      Promise.reject(new Error('{"kind":"unauthenticated","message":"Please sign in."}')),
    );
    await expect(client.saveFile('x.csv', '')).rejects.toMatchObject({ kind: 'unauthenticated', message: 'Please sign in.' });
  });
});

describe('chooseFolder', () => {
  it('has no folder dialog in a browser: null, and the screen offers a typed path', async () => {
    const client = createClient(httpTransport());
    expect(client.canChooseFolder).toBe(false);
    await expect(client.chooseFolder('Choose')).resolves.toBeNull();
  });

  it("asks the desktop window's dialog, '' when cancelled", async () => {
    const answers = ['/home/admin/folio-export', ''];
    const main = { Files: { ChooseFolder: async () => answers.shift() } };
    const client = createClient(wailsTransport({}), undefined, undefined, wailsFolderChooser(main));
    expect(client.canChooseFolder).toBe(true);
    await expect(client.chooseFolder('Choose')).resolves.toBe('/home/admin/folio-export');
    await expect(client.chooseFolder('Choose')).resolves.toBe('');
  });
});

describe('the desktop window of a workstation', () => {
  const bindings = { Auth: { Status: async () => ({ from: 'bindings' }) } };
  const http = async () => ({ from: 'host' });

  it('calls the host over HTTP once Go says the window is a workstation, though the bindings are there', async () => {
    for (const [workstation, from] of [[true, 'host'], [false, 'bindings']] as const) {
      const t = windowTransport(bindings, Promise.resolve({ workstation }), http);
      expect(await t('Auth', 'Status', [])).toEqual({ from });
    }
  });

  it("hears a workstation's changes from the host's stream, a clinic window's from Go's events", async () => {
    const heard: string[] = [];
    const runtime = { EventsOn: () => { heard.push('events'); return () => {}; } };
    const stream = () => { heard.push('stream'); return () => {}; };
    const h = { notice: () => {}, state: () => {} };
    windowLive(runtime, Promise.resolve({ workstation: true }), stream)(h);
    windowLive(runtime, Promise.resolve({ workstation: false }), stream)(h);
    const stopped = windowLive(runtime, Promise.resolve({ workstation: true }), stream)(h);
    stopped(); // stopped before Go answered: no stream is opened
    await new Promise((r) => setTimeout(r, 0));
    expect(heard).toEqual(['stream', 'events', 'events']);
  });
});
