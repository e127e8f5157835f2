// The Clinic network store: pending requests first; the list read again
// when Go says the settings changed, only while the screen is shown; a
// late answer never puts an older list over a newer one; a refused code
// changes nothing shown.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { Notice } from '../live';
import type { User, Workstation } from '../types';

const ws = (id: string, status: Workstation['status']): Workstation =>
  ({ id, name: `PC ${id}`, address: '10.0.0.9', status, firstSeen: '', lastSeen: '' });

const h = vi.hoisted(() => ({
  onNotice: null as ((n: Notice) => void) | null,
  api: {
    onError: () => () => {},
    sent: () => 0,
    background: async <T>(f: () => T | Promise<T>): Promise<T> => f(),
    host: { state: 'up', kept: 0, onChange: () => () => {}, onKept: () => () => {}, signedIn: async () => {} },
    subscribe(onNotice: (n: Notice) => void, onState: (s: string) => void) {
      h.onNotice = onNotice;
      onState('live');
      return () => {
        h.onNotice = null;
      };
    },
    network: {
      status: vi.fn(async () => ({ role: 'local', share: false, canShare: false, serving: false, urls: [],
        publicAddresses: [], fingerprint: 'AB:CD', code: '12345' })),
      share: vi.fn(),
      certificate: vi.fn(async () => ({ fileName: 'folio-clinic-ca.crt', pem: '-----BEGIN CERTIFICATE-----', fingerprint: 'AB:CD' })),
    },
    workstations: {
      list: vi.fn(),
      approve: vi.fn(),
      refuse: vi.fn(),
      revoke: vi.fn(),
    },
    saveFile: vi.fn(async (name: string) => name),
  },
}));
vi.mock('../api', () => ({ api: h.api }));

const { session } = await import('./session.svelte');
const { network, byUrgency } = await import('./network.svelte');

let seq = 0;
function hear(topic: 'settings' | 'schedule') {
  if (!h.onNotice) throw new Error('not subscribed');
  h.onNotice({ seq: ++seq, topic, at: '', id: `e-${seq}` });
}

describe('the clinic network store', () => {
  beforeAll(() => {
    vi.useFakeTimers();
    session.user = { id: 'u1', username: 'admin', fullName: 'Ada Admin', role: 'admin' } as User;
    session.locked = false;
    flushSync();
  });
  afterAll(() => vi.useRealTimers());
  beforeEach(async () => {
    await vi.advanceTimersByTimeAsync(500);
    vi.clearAllMocks();
    network.reset();
  });

  it('puts pending requests first, keeping Go’s order within each', () => {
    const list = [ws('a', 'approved'), ws('b', 'pending'), ws('c', 'revoked'), ws('d', 'pending')];
    expect(byUrgency(list).map((w) => w.id)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('reads the list again on a settings notice only while the screen is shown', async () => {
    h.api.workstations.list.mockResolvedValue([ws('a', 'approved')]);
    const release = network.follow();
    h.api.workstations.list.mockResolvedValue([ws('a', 'approved'), ws('n', 'pending')]);
    hear('settings'); // a workstation asked to pair, on another computer
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.workstations.list).toHaveBeenCalledTimes(1);
    expect(h.api.network.status).toHaveBeenCalledTimes(1);
    expect(network.pending.map((w) => w.id)).toEqual(['n']);
    expect(network.workstations[0].id).toBe('n');
    hear('schedule');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.workstations.list).toHaveBeenCalledTimes(1);
    release();
    hear('settings');
    await vi.advanceTimersByTimeAsync(200);
    expect(h.api.workstations.list).toHaveBeenCalledTimes(1);
  });

  it('drops an older answer that comes after a newer one', async () => {
    let answerOld: (l: Workstation[]) => void = () => {};
    h.api.workstations.list.mockReturnValueOnce(new Promise((r) => (answerOld = r)));
    h.api.workstations.list.mockResolvedValueOnce([ws('a', 'approved'), ws('n', 'pending')]);
    const first = network.loadWorkstations();
    await network.loadWorkstations();
    answerOld([ws('a', 'approved')]);
    await first;
    expect(network.workstations.map((w) => w.id)).toEqual(['n', 'a']);
  });

  it('shows an approval at once and leaves the list as it was when the code is refused', async () => {
    h.api.workstations.list.mockResolvedValue([ws('n', 'pending')]);
    await network.loadWorkstations();
    const refused = { kind: 'invalid', message: 'The code does not match.', fields: { code: 'This is not the code' } };
    h.api.workstations.approve.mockRejectedValueOnce(refused);
    await expect(network.approve('n', '1')).rejects.toEqual(refused);
    expect(network.workstations.map((w) => w.status)).toEqual(['pending']);
    expect(h.api.workstations.list).toHaveBeenCalledTimes(1);

    let listAgain: (l: Workstation[]) => void = () => {};
    h.api.workstations.approve.mockResolvedValueOnce(ws('n', 'approved'));
    h.api.workstations.list.mockReturnValueOnce(new Promise((r) => (listAgain = r)));
    const approving = network.approve('n', ' 12345 67890 ');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.api.workstations.approve).toHaveBeenLastCalledWith('n', '12345 67890');
    expect(network.workstations.map((w) => w.status)).toEqual(['approved']);
    listAgain([ws('n', 'approved')]);
    await approving;
  });

  it('keeps the newest sharing answer and saves the certificate as a file', async () => {
    let slow: (v: unknown) => void = () => {};
    h.api.network.status.mockReturnValueOnce(new Promise((r) => (slow = r)) as never);
    const reading = network.loadStatus();
    h.api.network.share.mockResolvedValueOnce({ role: 'window', share: true, canShare: true, serving: true,
      urls: ['https://host.local:8443/'], publicAddresses: [], fingerprint: 'AB:CD', code: '12345' });
    await network.share(true);
    slow({ role: 'window', share: false, canShare: true, serving: false, urls: [], publicAddresses: [],
      fingerprint: 'AB:CD', code: '12345' });
    await reading;
    expect(network.status?.serving).toBe(true);

    expect(await network.downloadCertificate()).toBe('folio-clinic-ca.crt');
    expect(h.api.saveFile).toHaveBeenCalledWith('folio-clinic-ca.crt', '-----BEGIN CERTIFICATE-----', 'application/x-x509-ca-cert');
  });
});
