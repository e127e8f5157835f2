import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { Editable, merge3, same, trailingSpaceEqual } from './editable.svelte';
import { drafts } from './drafts';

type Settings = { address: string; phone: string; idle: number };
const blankSettings = (): Settings => ({ address: '', phone: '', idle: 10 });

/** made runs make inside an effect root, as a component would, and gives
 * back what it made and the root's end. */
function made<T>(make: () => T): [T, () => void] {
  let out!: T;
  const end = $effect.root(() => {
    out = make();
  });
  flushSync();
  return [out, end];
}

/** later is a call whose answer the test gives when it wants. */
function later<T>() {
  let give!: (v: T) => void;
  const answer = new Promise<T>((r) => (give = r));
  return { read: () => answer, give };
}

describe('merge3', () => {
  const cases: { name: string; base: unknown; mine: unknown; incoming: unknown; want: unknown; clashes?: string[] }[] = [
    { name: 'untouched field takes what arrived', base: { a: '' }, mine: { a: '' }, incoming: { a: 'x' }, want: { a: 'x' } },
    { name: 'changed field keeps what was typed', base: { a: '' }, mine: { a: 'typed' }, incoming: { a: 'x' }, want: { a: 'typed' },
      clashes: ['a'] },
    { name: 'nothing new keeps what was typed', base: { a: 'x' }, mine: { a: 'typed' }, incoming: { a: 'x' }, want: { a: 'typed' } },
    { name: 'both changed alike is no clash', base: { a: '' }, mine: { a: 'x' }, incoming: { a: 'x' }, want: { a: 'x' } },
    { name: 'nested objects merge field by field',
      base: { sat: { open: false, opens: '08:00' }, mon: { open: false, opens: '08:00' } },
      mine: { sat: { open: true, opens: '08:00' }, mon: { open: false, opens: '08:00' } },
      incoming: { sat: { open: false, opens: '09:00' }, mon: { open: true, opens: '07:30' } },
      want: { sat: { open: true, opens: '09:00' }, mon: { open: true, opens: '07:30' } } },
    { name: 'an array is one field', base: { l: [1] }, mine: { l: [1, 2] }, incoming: { l: [3] }, want: { l: [1, 2] },
      clashes: ['l'] },
    { name: 'a field only the answer has is taken', base: {}, mine: { a: 'typed' }, incoming: { b: 'x' },
      want: { a: 'typed', b: 'x' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const clashes: string[] = [];
      expect(merge3(c.base, c.mine, c.incoming, undefined, clashes)).toEqual(c.want);
      expect(clashes).toEqual(c.clashes ?? []);
    });
  }

  it('with trailingSpaceEqual, a saved copy trimmed by Go is nothing new', () => {
    expect(merge3({ s: 'Cough ' }, { s: 'Cough ' }, { s: 'Cough' }, trailingSpaceEqual)).toEqual({ s: 'Cough ' });
    expect(same({ s: 'a\n' }, { s: 'a' }, trailingSpaceEqual)).toBe(true);
    expect(same({ s: 'a' }, { s: ' a' }, trailingSpaceEqual)).toBe(false);
  });
});

describe('Editable', () => {
  beforeEach(() => {
    drafts.owner = 'user-1';
  });
  afterEach(() => {
    drafts.remove('settings', 'clinic');
    drafts.remove('hours', 'a');
    drafts.remove('hours', 'b');
    drafts.owner = '';
  });

  it('keeps what was typed before the record arrived, and fills the rest', async () => {
    const f = new Editable(blankSettings);
    const read = later<Settings>();
    const loading = f.load('clinic', read.read);
    expect(f.loaded).toBe(false);
    f.value.address = '1 River Road';
    read.give({ address: '', phone: '555-010-2000', idle: 15 });
    expect(await loading).toBe(true);
    expect(f.value).toEqual({ address: '1 River Road', phone: '555-010-2000', idle: 15 });
    expect(f.loaded).toBe(true);
    expect(f.dirty).toBe(true);
    expect(f.edited('address')).toBe(true);
    expect(f.edited('phone')).toBe(false);
  });

  it("drops an earlier record's answer that arrives after a later one was opened", async () => {
    const f = new Editable(blankSettings);
    const a = later<Settings>();
    const b = later<Settings>();
    const loadingA = f.load('a', a.read);
    const loadingB = f.load('b', b.read);
    b.give({ address: 'B street', phone: '2', idle: 10 });
    expect(await loadingB).toBe(true);
    a.give({ address: 'A street', phone: '1', idle: 10 });
    expect(await loadingA).toBe(false);
    expect(f.key).toBe('b');
    expect(f.value.address).toBe('B street');
  });

  it('is not loaded for a new record until its answer arrives, and starts it blank', async () => {
    const f = new Editable(blankSettings);
    await f.load('a', async () => ({ address: 'A street', phone: '1', idle: 10 }));
    const b = later<Settings>();
    const loadingB = f.load('b', b.read);
    expect(f.loaded).toBe(false);
    expect(f.value).toEqual(blankSettings());
    b.give({ address: 'B street', phone: '2', idle: 10 });
    await loadingB;
    expect(f.loaded).toBe(true);
  });

  it('drops an older answer for the same record once a later load started', async () => {
    const f = new Editable(blankSettings);
    const first = later<Settings>();
    const second = later<Settings>();
    const one = f.load('clinic', first.read);
    const two = f.load('clinic', second.read);
    second.give({ address: 'new', phone: '', idle: 10 });
    first.give({ address: 'old', phone: '', idle: 10 });
    expect(await two).toBe(true);
    expect(await one).toBe(false);
    expect(f.value.address).toBe('new');
  });

  it('after a save, edits made while saving stay edits; untouched fields show what Go answered', async () => {
    const f = new Editable(blankSettings);
    await f.load('clinic', async () => blankSettings());
    f.value.address = ' 1 River Road ';
    const sent = { ...f.value };
    f.value.phone = '555'; // typed while the save was on its way
    f.saved(sent, { ...sent, address: '1 River Road' });
    expect(f.value).toEqual({ address: '1 River Road', phone: '555', idle: 10 });
    expect(f.edited('address')).toBe(false);
    expect(f.edited('phone')).toBe(true);
  });

  it('after an add form is saved, what was sent goes blank and what was typed meanwhile stays', () => {
    const [f, end] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    f.open('clinic');
    f.value.address = '1 River Road';
    f.value.phone = '555';
    const sent = { ...f.value };
    f.value.phone = '555-0100'; // typed while the save was on its way
    f.added(sent);
    flushSync();
    expect(f.value).toEqual({ address: '', phone: '555-0100', idle: 10 });
    expect((drafts.get('settings', 'clinic')?.value as Settings).phone).toBe('555-0100');
    // Nothing typed meanwhile: the form is blank and keeps no draft.
    f.value.phone = '1';
    f.added({ ...f.value });
    flushSync();
    expect(f.value).toEqual(blankSettings());
    expect(f.dirty).toBe(false);
    expect(drafts.get('settings', 'clinic')).toBeNull();
    end();
  });

  it('an add saved from a form already gone empties the form made again from its draft', () => {
    // The save was kept while the host was away; a sign-in made the screen
    // again, whose form restored the same values from the draft; then the
    // save is answered to the first form, no longer shown.
    const [gone, endGone] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    gone.open('clinic');
    gone.value.address = '1 River Road';
    flushSync();
    const sent = { ...gone.value };
    endGone();
    const [shown, end] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    shown.open('clinic');
    expect(shown.value.address).toBe('1 River Road');
    const [other, endOther] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    other.open('another clinic');
    other.value.address = '1 River Road';
    flushSync();

    gone.added(sent);
    flushSync();
    expect(shown.value).toEqual(blankSettings());
    expect(shown.dirty).toBe(false);
    expect(drafts.get('settings', 'clinic')).toBeNull();
    expect(other.value.address).toBe('1 River Road'); // another record's form is not this one's
    end();
    endOther();
  });

  it('an add answered while the form shows another record forgets the draft of the one it was for', () => {
    const [f, end] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    f.open('clinic');
    f.value.address = '1 River Road';
    flushSync();
    const sent = f.sending();
    f.open(''); // signed out and in again: the screen has no record yet
    f.added(sent);
    flushSync();
    expect(drafts.get('settings', 'clinic')).toBeNull();
    f.open('clinic');
    expect(f.value).toEqual(blankSettings());
    end();
  });

  it('keeps a draft while changed, restores it for its record only, and forgets it when saved', () => {
    const [f, end] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    f.open('clinic');
    f.value.phone = '555-010';
    flushSync();
    end();

    const [again, end2] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    again.open('clinic', true);
    expect(again.value.phone).toBe('555-010');
    expect(again.restoredAt).toBeGreaterThan(0);
    // The record arrives: the draft's change stays, the rest is filled.
    again.fill({ address: 'A street', phone: '', idle: 12 });
    expect(again.value).toEqual({ address: 'A street', phone: '555-010', idle: 12 });
    again.saved({ ...again.value });
    flushSync();
    expect(again.restoredAt).toBe(0);
    expect(drafts.get('settings', 'clinic')).toBeNull();
    end2();
  });

  it('keeps drafts apart by record and by user, and never keeps omitted fields', () => {
    const [f, end] = made(() => new Editable(() => ({ name: '', password: '' }), { draft: 'hours', omit: ['password'] }));
    f.open('a');
    f.value.name = 'for a';
    f.value.password = 'secret-password';
    flushSync();
    f.open('b');
    expect(f.value.name).toBe('');
    f.open('a');
    expect(f.value).toEqual({ name: 'for a', password: '' });
    expect(JSON.stringify(drafts.get('hours', 'a'))).not.toContain('secret');
    // Nor after a save of it: the saved values become the base.
    f.saved({ name: 'for a', password: 'secret-password' });
    f.value.name = 'for a, changed';
    flushSync();
    expect(JSON.stringify(drafts.get('hours', 'a'))).not.toContain('secret');

    drafts.owner = 'user-2';
    f.close();
    f.open('a');
    expect(f.value.name).toBe(''); // another user sees nothing of it
    drafts.owner = 'user-1';
    end();
  });

  it('discard shows the record as loaded again and forgets the draft', () => {
    const [f, end] = made(() => new Editable(blankSettings, { draft: 'settings' }));
    f.open('clinic', true);
    f.fill({ address: 'A street', phone: '1', idle: 10 });
    f.value.address = 'typed';
    flushSync();
    expect(drafts.get('settings', 'clinic')).not.toBeNull();
    f.discard();
    flushSync();
    expect(f.value.address).toBe('A street');
    expect(drafts.get('settings', 'clinic')).toBeNull();
    end();
  });

  it('a ticket is wanted until another record or a later ticket', () => {
    const f = new Editable(blankSettings);
    f.open('a');
    const t1 = f.ticket();
    expect(t1()).toBe(true);
    const t2 = f.ticket();
    expect(t1()).toBe(false);
    f.open('b');
    expect(t2()).toBe(false);
  });
});

describe('Editable conflicts (asks)', () => {
  const loaded = (): Settings => ({ address: '1 Main St', phone: '555-0100', idle: 10 });

  function open() {
    const f = new Editable(blankSettings, { asks: true });
    f.open('clinic', true);
    f.fill(loaded(), { version: 1, by: 'Dr Lee', at: '2026-03-10T10:00:00Z' });
    return f;
  }

  it('a late read that changed only other fields merges quietly', () => {
    const f = open();
    f.value.phone = '555-0199';
    expect(f.fill({ ...loaded(), address: '2 High St' }, { version: 2 })).toEqual([]);
    expect(f.conflict).toBeNull();
    expect(f.value).toEqual({ address: '2 High St', phone: '555-0199', idle: 10 });
    expect(f.version).toBe(2);
  });

  it('a late read that changed a field the person changed asks, keeping what was typed', () => {
    const f = open();
    f.value.phone = '555-0199';
    f.fill({ ...loaded(), phone: '555-0101', address: '2 High St' }, { version: 2, by: 'Dr Kim', at: 'x' });
    expect(f.conflict?.refused).toBe(false);
    expect(f.conflict?.by).toBe('Dr Kim');
    expect(f.conflict?.changes.map((c) => [c.path, c.both])).toEqual([['address', false], ['phone', true]]);
    expect(f.value).toEqual({ address: '2 High St', phone: '555-0199', idle: 10 });
    expect(f.version).toBe(2);
  });

  it('a refused save lists their changes against what it was edited from, after a live merge too', () => {
    const f = open();
    const sentBase = { ...f.base };
    f.value.phone = '555-0199';
    // The other person's change is heard live while the save is on its way…
    f.fill({ ...loaded(), address: '2 High St', idle: 30 }, { version: 2 });
    // …and the save is refused: all they changed is listed, none is both.
    f.conflicted({ ...loaded(), address: '2 High St', idle: 30 }, { version: 2, by: 'Dr Kim', at: '' }, sentBase);
    expect(f.conflict?.refused).toBe(true);
    expect(f.conflict?.changes.map((c) => [c.path, c.both])).toEqual([['address', false], ['idle', false]]);
    f.keepMine();
    expect(f.conflict).toBeNull();
    expect(f.value).toEqual({ address: '2 High St', phone: '555-0199', idle: 30 });
  });

  it('keep mine applies the per-field choices; use theirs drops every change', () => {
    const f = open();
    f.value.phone = '555-0199';
    f.value.address = '3 Low Rd';
    f.conflicted({ address: '2 High St', phone: '555-0101', idle: 10 }, { version: 2 }, loaded());
    expect(f.conflict?.changes.every((c) => c.both)).toBe(true);
    f.choose('address', 'theirs');
    f.keepMine();
    expect(f.value).toEqual({ address: '2 High St', phone: '555-0199', idle: 10 });

    const g = open();
    g.value.phone = '555-0199';
    g.conflicted({ ...loaded(), phone: '555-0101' }, { version: 2 }, loaded());
    g.useTheirs();
    expect(g.conflict).toBeNull();
    expect(g.value).toEqual({ ...loaded(), phone: '555-0101' });
    expect(g.dirty).toBe(false);
  });

  it('a newer read while asking renews the question, keeping the choices made', () => {
    const f = open();
    f.value.phone = '555-0199';
    f.conflicted({ ...loaded(), phone: '555-0101' }, { version: 2 }, loaded());
    f.choose('phone', 'theirs');
    f.fill({ ...loaded(), phone: '555-0101', address: '2 High St' }, { version: 3 });
    expect(f.conflict?.changes.map((c) => c.path)).toEqual(['address', 'phone']);
    expect(f.conflict?.choices).toEqual({ phone: 'theirs' });
    expect(f.version).toBe(3);
    f.keepMine();
    expect(f.value).toEqual({ address: '2 High St', phone: '555-0101', idle: 10 });
  });

  it('a removed record is said so and saves nothing; the typed values stay until closed', () => {
    const f = open();
    f.value.phone = '555-0199';
    f.removed('Dr Kim removed this at 10:02: your change was not saved.');
    f.keepMine();
    expect(f.conflict?.removed).toMatch(/not saved/);
    expect(f.value.phone).toBe('555-0199');
    f.discard();
    expect(f.conflict).toBeNull();
  });

  it('a question still open when the page reloads is asked again, not answered by the draft', () => {
    drafts.owner = 'user-1';
    const [f, end] = made(() => new Editable(blankSettings, { draft: 'settings', asks: true }));
    f.open('clinic', true);
    f.fill(loaded(), { version: 1 });
    f.value.phone = '555-0199';
    f.fill({ ...loaded(), phone: '555-0101', address: '2 High St' }, { version: 2, by: 'Dr Kim' });
    flushSync();
    expect(f.conflict?.changes.find((c) => c.path === 'phone')?.both).toBe(true);
    end(); // the page goes away with the question unanswered

    const [again, end2] = made(() => new Editable(blankSettings, { draft: 'settings', asks: true }));
    again.open('clinic', true);
    expect(again.value.phone).toBe('555-0199');
    again.fill({ ...loaded(), phone: '555-0101', address: '2 High St' }, { version: 2, by: 'Dr Kim' });
    expect(again.conflict?.changes.map((c) => [c.path, c.both])).toEqual([['address', false], ['phone', true]]);
    expect(again.value).toEqual({ address: '2 High St', phone: '555-0199', idle: 10 });
    again.useTheirs();
    flushSync();
    expect(drafts.get('settings', 'clinic')).toBeNull();
    end2();
    drafts.owner = '';
  });

  it('an older read than the version held is dropped', () => {
    const f = open();
    f.fill({ ...loaded(), phone: '555-0101' }, { version: 2 });
    f.fill(loaded(), { version: 1 });
    expect(f.value.phone).toBe('555-0101');
  });
});
