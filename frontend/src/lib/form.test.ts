import { describe, expect, it } from 'vitest';
import { FormState } from './form.svelte';
import { FolioError } from './errors';

describe('FormState', () => {
  it('keeps the message and field errors of a failed call, and clears them on the next', async () => {
    const f = new FormState();
    const ok = await f.submit(() => Promise.reject(new FolioError('invalid', 'Please correct the marked field.', { phone: 'Bad.' })));
    expect(ok).toBe(false);
    expect(f.message).toBe('Please correct the marked field.');
    expect(f.errors).toEqual({ phone: 'Bad.' });
    expect(f.busy).toBe(false);

    let busyDuring = false;
    expect(await f.submit(async () => void (busyDuring = f.busy))).toBe(true);
    expect(busyDuring).toBe(true);
    expect(f.message).toBe('');
    expect(f.errors).toEqual({});
  });

  it('a read that got no answer says so, and runs again by itself once the host is back', async () => {
    let back: (() => void) | null = null;
    const f = new FormState((fn) => {
      back = fn;
      return () => (back = null);
    });
    let answer = false;
    let calls = 0;
    const read = async () => {
      calls++;
      if (!answer) throw new TypeError('Failed to fetch');
    };
    expect(await f.submit(read)).toBe(false);
    expect(f.message).toMatch(/^Could not load this — the host cannot be reached\./);
    expect(back).not.toBeNull();
    answer = true;
    back!();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toBe(2);
    expect(f.message).toBe('');

    // Another call made meanwhile stops the wait for the first.
    answer = false;
    await f.submit(read);
    await f.submit(async () => {});
    expect(back).toBeNull();
  });
});
