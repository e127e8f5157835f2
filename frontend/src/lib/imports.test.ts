import { describe, expect, it } from 'vitest';
import { effectiveChoice, sourceLine } from './stores/imports.svelte';
import type { ImportItem } from './types';

const item = (over: Partial<ImportItem>): ImportItem => ({
  id: 'i', kind: 'problem', resourceType: 'Condition', resourceId: 'c1', display: 'Asthma', detail: '',
  suggested: 'accept', chosen: '', decision: 'pending', recordEntity: '', recordId: '', note: '', ...over,
});

describe('effectiveChoice', () => {
  it('follows the suggestion until the clinician chooses', () => {
    expect(effectiveChoice(item({}), undefined)).toBe('accept');
    expect(effectiveChoice(item({ suggested: 'already_present' }), undefined)).toBe('already_present');
    expect(effectiveChoice(item({ chosen: 'skip' }), undefined)).toBe('skip');
    expect(effectiveChoice(item({ chosen: 'skip' }), 'accept')).toBe('accept');
    expect(effectiveChoice(item({ chosen: 'skip' }), '')).toBe('accept');
  });
  it('is the decision once decided', () => {
    expect(effectiveChoice(item({ decision: 'accepted' }), 'skip')).toBe('accepted');
  });
});

describe('sourceLine', () => {
  it('names the sender, the date and the original resource', () => {
    expect(sourceLine({ entity: 'problem', recordId: 'p', importId: 'i', sourceOrg: 'Hillside Clinic',
      sourceDate: '2026-11-20T14:00:00Z', resourceType: 'Condition', resourceId: 'abc', importedAt: '' }))
      .toBe('imported from Hillside Clinic, 2026-11-20 (Condition/abc)');
    expect(sourceLine({ entity: 'problem', recordId: 'p', importId: 'i', sourceOrg: '', sourceDate: '',
      resourceType: '', resourceId: '', importedAt: '' })).toBe('imported from another system');
  });
});
