import { describe, expect, it } from 'vitest';
import { effectiveChoice, imports, reasonKey, sourceLine } from './stores/imports.svelte';
import type { Alert, ImportItem, ImportReview } from './types';

const item = (over: Partial<ImportItem>): ImportItem => ({
  id: 'i', kind: 'problem', resourceType: 'Condition', resourceId: 'c1', display: 'Asthma', detail: '',
  suggested: 'accept', chosen: '', decision: 'pending', recordEntity: '', recordId: '', note: '', alerts: [], ...over,
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

describe('overrides', () => {
  const alert = (key: string): Alert => ({ key, kind: 'drug-drug', severity: 'major', what: key, why: '', source: '',
    drugs: [], allergy: '' });
  it('sends the reasons typed for each pending item with alerts, keeping its choice', () => {
    const warfarin = item({ id: 'w', kind: 'medication', chosen: 'accept', alerts: [alert('a1'), alert('a2')] });
    const done = item({ id: 'd', kind: 'medication', decision: 'accepted', alerts: [alert('a3')] });
    const plain = item({ id: 'p' });
    const review = { sections: [{ kind: 'medication', title: 'Medications', items: [warfarin, done, plain] }] } as unknown as ImportReview;
    imports.reasons = { [reasonKey(warfarin, alert('a1'))]: 'INR weekly' };
    expect(imports.overrides(review)).toEqual([{ itemId: 'w', decision: 'accept',
      overrides: [{ alertKey: 'a1', reason: 'INR weekly' }, { alertKey: 'a2', reason: '' }] }]);
    imports.reasons = {};
  });
});
