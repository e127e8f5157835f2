import { describe, expect, it } from 'vitest';
import { Tickets } from './tickets';

describe('Tickets', () => {
  it('counts only the newest read of each list, and none after dropAll', () => {
    const t = new Tickets();
    const first = t.take('problems');
    const other = t.take('allergies');
    const second = t.take('problems');
    expect(first()).toBe(false); // overtaken by a later read of the same list
    expect(second()).toBe(true);
    expect(other()).toBe(true); // another list is not affected
    t.dropAll();
    expect(second()).toBe(false);
    expect(other()).toBe(false);
    expect(t.take('problems')()).toBe(true);
  });
});
