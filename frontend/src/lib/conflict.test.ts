import { describe, expect, it } from 'vitest';
import { FormState } from './form.svelte';
import { FolioError } from './errors';
import { Editable } from './editable.svelte';
import { answerFirst, removedSentence, saveAsking, type Current } from './conflict';

type Phone = { phone: string; city: string };
const loaded: Phone = { phone: '555-0100', city: 'Shelbyville' };
const refused = () => Promise.reject(new FolioError('conflict', 'Someone else changed this meanwhile.'));

function editing() {
  const edit = new Editable<Phone>(() => ({ phone: '', city: '' }), { asks: true });
  edit.open('p1', true);
  edit.fill(loaded, { version: 3, by: 'Dr Lee', at: '2026-03-10T10:02:00Z' });
  edit.value.phone = '555-0199';
  return edit;
}

describe('saveAsking', () => {
  const cases: {
    name: string;
    call: () => Promise<unknown>;
    current: Current<Phone>;
    ok: boolean;
    reread: boolean;
    conflict: 'none' | 'changes' | 'removed';
    message: string;
  }[] = [
    { name: 'a save made asks nothing', call: () => Promise.resolve(), current: { value: loaded, meta: { version: 3 } },
      ok: true, reread: false, conflict: 'none', message: '' },
    { name: 'a refusal of another kind stays the message', call: () => Promise.reject(new FolioError('invalid', 'Bad phone.')),
      current: { value: loaded, meta: { version: 3 } }, ok: false, reread: false, conflict: 'none', message: 'Bad phone.' },
    { name: 'alerts to answer are no conflict with another person',
      call: () => Promise.reject(new FolioError('conflict', 'An alert.', {}, [{ key: 'x' }])),
      current: { value: loaded, meta: { version: 4 } }, ok: false, reread: false, conflict: 'none', message: 'An alert.' },
    { name: 'changed meanwhile: the form asks, the message gives way to it', call: refused,
      current: { value: { ...loaded, city: 'Springfield' }, meta: { version: 4, by: 'Dr Kim' } },
      ok: false, reread: true, conflict: 'changes', message: '' },
    { name: 'refused at the version read: not a change by someone else', call: refused,
      current: { value: loaded, meta: { version: 3 } }, ok: false, reread: true, conflict: 'none',
      message: 'Someone else changed this meanwhile.' },
    { name: 'removed meanwhile: said so', call: refused,
      current: { value: loaded, meta: { version: 4 }, removed: removedSentence('retracted this allergy', 'Dr Kim', '') },
      ok: false, reread: true, conflict: 'removed', message: '' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const edit = editing();
      const f = new FormState();
      let reread = false;
      const ok = await saveAsking(f, edit, c.call, async () => ((reread = true), c.current));
      expect(ok).toBe(c.ok);
      expect(reread).toBe(c.reread);
      expect(f.message).toBe(c.message);
      const kind = !edit.conflict ? 'none' : edit.conflict.removed ? 'removed' : 'changes';
      expect(kind).toBe(c.conflict);
      expect(edit.value.phone).toBe('555-0199'); // what was typed stays
    });
  }

  it('lists their change and takes it in; a save while asking is not sent', async () => {
    const edit = editing();
    const f = new FormState();
    await saveAsking(f, edit, refused, async () => ({ value: { ...loaded, city: 'Springfield' }, meta: { version: 4, by: 'Dr Kim' } }));
    expect(edit.conflict?.by).toBe('Dr Kim');
    expect(edit.conflict?.changes.map((x) => x.path)).toEqual(['city']);
    expect(edit.value).toEqual({ phone: '555-0199', city: 'Springfield' });
    expect(edit.version).toBe(4);
    let sent = false;
    expect(await saveAsking(f, edit, async () => void (sent = true), async () => ({ value: loaded, meta: {} }))).toBe(false);
    expect(sent).toBe(false);
    expect(f.message).toBe(answerFirst);
  });

  it('a change answered while the refusal was read again is not asked again', async () => {
    for (const answer of ['theirs', 'mine'] as const) {
      const edit = editing();
      const f = new FormState();
      const theirs = { value: { ...loaded, phone: '555-0111' }, meta: { version: 4, by: 'Dr Kim' } };
      const ok = await saveAsking(f, edit, refused, async () => {
        // Their change reaches the form live meanwhile, and the person answers it.
        expect(edit.fill(theirs.value, theirs.meta)).toEqual(['phone']);
        expect(edit.conflict?.changes.map((x) => x.path)).toEqual(['phone']);
        if (answer === 'theirs') edit.useTheirs();
        else edit.keepMine();
        return theirs;
      });
      expect(ok).toBe(false);
      expect(edit.conflict).toBeNull();
      expect(f.message).toBe('');
      expect(edit.value.phone).toBe(answer === 'theirs' ? '555-0111' : '555-0199');
      expect(edit.version).toBe(4);
    }
  });

  it('says who removed a record and when', () => {
    expect(removedSentence('retracted this allergy', 'Dr Kim', '')).toBe('Dr Kim retracted this allergy: your change was not saved.');
    expect(removedSentence('cancelled this appointment', '', '')).toMatch(/^Someone else cancelled/);
  });
});
