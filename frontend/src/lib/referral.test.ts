import { describe, expect, it, vi } from 'vitest';
import { api, createClient, wailsBinarySaver, wailsTransport } from './api';
import { countsText, referral, blankReferralForm } from './stores/referral.svelte';
import { mayOpen } from './roles';
import type { Disclosure, ReferralPreview } from './types';

const counts = { problems: 0, allergies: 0, medications: 0, immunizations: 0, results: 0, vitals: 0, documents: 0 };

describe('countsText', () => {
  it('says what an archive held, in words', () => {
    expect(countsText({ ...counts, problems: 1, results: 3, documents: 1 })).toBe('1 problem, 3 results, 1 document');
    expect(countsText({ ...counts, vitals: 2 })).toBe('2 vitals sets');
    expect(countsText(counts)).toBe('the patient’s details only');
  });
});

describe('the referral request', () => {
  it('sends only what is ticked, documents apart from items', () => {
    referral.preview = {
      sections: [
        { key: 'problems', title: 'Problems', items: [
          { id: 'p1', display: 'E11.9', date: '', status: 'active', included: true },
          { id: 'p2', display: 'F32.9', date: '', status: 'active', included: true },
        ] },
        { key: 'documents', title: 'Documents', items: [
          { id: 'd1', display: 'Echo', date: '', status: 'active', included: false },
        ] },
      ],
    } as unknown as ReferralPreview;
    referral.ticked = { p1: true, p2: false, d1: true };
    const req = referral.request({ ...blankReferralForm(), recipient: 'Cardiology', reason: 'chest pain' });
    expect(req.includedIds).toEqual(['p1']);
    expect(req.documentIds).toEqual(['d1']);
    expect(req.purpose).toBe('referral');
    referral.tickSection('problems', true);
    expect(referral.request(blankReferralForm()).includedIds).toEqual(['p1', 'p2']);
    referral.reset();
  });

  it('is a clinician’s screen', () => {
    expect(mayOpen('clinician', { name: 'referral', id: 'x' })).toBe(true);
    expect(mayOpen('frontdesk', { name: 'referral', id: 'x' })).toBe(false);
    expect(mayOpen('admin', { name: 'referral', id: 'x' })).toBe(false);
  });
});

describe('saveBytes', () => {
  it('hands a binary export to the desktop as base64', async () => {
    const saved: unknown[][] = [];
    const main = { Files: { SaveBase64: async (...args: unknown[]) => (saved.push(args), '/home/dr/x.folio') } };
    const client = createClient(wailsTransport({}), undefined, wailsBinarySaver(main));
    await expect(client.saveBytes('x.folio', 'UEsDBA==')).resolves.toBe('/home/dr/x.folio');
    expect(saved).toEqual([['x.folio', 'UEsDBA==']]);
  });
});

describe('the disclosures list', () => {
  it('a read from before the patient’s copy, answered after the read that has it, does not hide it', async () => {
    const answers: ((list: Disclosure[]) => void)[] = [];
    const read = vi.spyOn(api.chart, 'disclosures').mockImplementation(
      () => new Promise<Disclosure[]>((give) => answers.push(give)),
    );
    const before = referral.loadDisclosures('p1'); // on opening the chart
    const after = referral.loadDisclosures('p1'); // after the copy was made
    answers[1]([{ id: 'd1' } as Disclosure]);
    await after;
    answers[0]([]); // the first read, answered late
    await before;
    expect(referral.disclosures.map((d) => d.id)).toEqual(['d1']);
    read.mockRestore();
    referral.reset();
  });
});
