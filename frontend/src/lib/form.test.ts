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
});
