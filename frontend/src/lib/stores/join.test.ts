// The join store: hosts found on the network, a request to pair that shows
// the code and asks the host until the admin answers; on approval the
// window opens again, on a refusal or an impostor the person reads why; a
// host that does not answer for a moment is asked again; an abandoned
// request's late answer changes nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JoinClient } from '../api';
import type { FoundHost, JoinProgress, Pairing } from '../types';

vi.mock('../api', () => ({ joinApi: null }));
const { JoinStore } = await import('./join.svelte');

const host: FoundHost = { name: 'frontdesk.local', address: '192.168.1.20:8443', fingerprint: 'AB:CD', code: '11111 22222' };
const pairing: Pairing = { host: '192.168.1.20:8443', id: 'ws-1', name: 'Exam room 2', authority: 'Riverside CA',
  fingerprint: 'AB:CD', code: '12345 67890 12345 67890 12345 67890' };
const pending: JoinProgress = { status: 'pending', mode: { workstation: false } };
const approved: JoinProgress = { status: 'approved', mode: { workstation: true, host: pairing.host } };

function fakeClient() {
  return {
    find: vi.fn(async () => [host]),
    begin: vi.fn(async () => pairing),
    check: vi.fn(async () => pending),
    cancel: vi.fn(async () => {}),
  } satisfies JoinClient;
}

describe('the join store', () => {
  let client: ReturnType<typeof fakeClient>;
  let reload: ReturnType<typeof vi.fn<() => void>>;
  let store: InstanceType<typeof JoinStore>;
  beforeEach(() => {
    vi.useFakeTimers();
    client = fakeClient();
    reload = vi.fn<() => void>();
    store = new JoinStore(client, reload, 2000);
    store.name = 'Exam room 2';
  });
  afterEach(() => vi.useRealTimers());

  it('lists the hosts found, then pairs with one, checking its announced authority', async () => {
    await store.find();
    expect(store.hosts).toEqual([host]);
    expect(store.searched).toBe(true);
    await store.join(host);
    expect(client.begin).toHaveBeenCalledWith('192.168.1.20:8443', 'Exam room 2', 'AB:CD');
    expect(store.step).toBe('waiting');
    expect(store.pairing?.code).toBe(pairing.code);
  });

  it('asks until the admin approves, then opens the window again', async () => {
    store.address = ' 10.0.0.5 ';
    await store.join();
    expect(client.begin).toHaveBeenCalledWith('10.0.0.5', 'Exam room 2', '');
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.check).toHaveBeenCalledTimes(2);
    expect(reload).not.toHaveBeenCalled();
    client.check.mockResolvedValueOnce(approved);
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.step).toBe('approved');
    expect(reload).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.check).toHaveBeenCalledTimes(3);
  });

  it('keeps asking while the host does not answer, and stops at a refusal', async () => {
    await store.join(host);
    client.check.mockRejectedValueOnce(JSON.stringify({ kind: 'unreachable', message: 'The host does not answer just now.' }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.step).toBe('waiting');
    expect(store.message).toBe('');
    client.check.mockRejectedValueOnce(JSON.stringify({ kind: 'invalid', message: "The admin refused this workstation's request." }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.step).toBe('choose');
    expect(store.pairing).toBeNull();
    expect(store.message).toContain('refused');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.check).toHaveBeenCalledTimes(2);
    expect(reload).not.toHaveBeenCalled();
  });

  it('says why a host that is not the one announced is refused, and marks a wrong field', async () => {
    client.begin.mockRejectedValueOnce(JSON.stringify({ kind: 'invalid',
      message: 'Refused: the computer at 192.168.1.20:8443 presents the certificate authority SHA-256 EE:FF, not the one announced' }));
    await store.join(host);
    expect(store.step).toBe('choose');
    expect(store.message).toContain('not the one announced');
    client.begin.mockRejectedValueOnce(JSON.stringify({ kind: 'invalid', message: 'Please correct the marked field.',
      fields: { address: 'Give the host\'s address.' } }));
    await store.join();
    expect(store.errors.address).toContain('address');
    expect(store.busy).toBe(false);
  });

  it('drops the answers of a request the person abandoned', async () => {
    await store.join(host);
    let answer: (p: JoinProgress) => void = () => {};
    client.check.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    await vi.advanceTimersByTimeAsync(2000);
    store.cancel();
    expect(client.cancel).toHaveBeenCalled();
    answer(approved);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(store.step).toBe('choose');
    expect(reload).not.toHaveBeenCalled();
    expect(client.check).toHaveBeenCalledTimes(1);
  });

  it('is not offered where the window cannot join', () => {
    expect(new JoinStore(null, reload).available).toBe(false);
    expect(store.available).toBe(true);
  });
});
