// The chart store's visit: an answer that left before a diagnosis was added
// or removed here, and arrives after, does not take the diagnoses shown
// back to what they were (the visit's version does not change with its
// diagnoses, so the version alone cannot tell the answer is older).
import { describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { Diagnosis, Encounter } from '../types';

const h = vi.hoisted(() => {
  // Each visit read waits until the test answers it.
  const visitReads: ((e: unknown) => void)[] = [];
  return {
    visitReads,
    api: {
      onError: () => () => {},
      sent: () => 0,
      background: async <T>(f: () => T | Promise<T>): Promise<T> => f(),
      host: { state: 'up', kept: 0, onChange: () => () => {}, onKept: () => () => {}, signedIn: async () => {} },
      subscribe: () => () => {},
      chart: {
        encounter: vi.fn(() => new Promise((resolve) => visitReads.push(resolve))),
        templates: vi.fn(async () => []),
        quickPhrases: vi.fn(async () => []),
        problems: vi.fn(async () => []),
        addDiagnosis: vi.fn(),
        removeDiagnosis: vi.fn(),
        saveDraft: vi.fn(),
      },
    },
  };
});
vi.mock('../api', () => ({ api: h.api }));

const { chart } = await import('./chart.svelte');
const { drafts } = await import('../drafts');

const dx = (id: string): Diagnosis => ({
  id, problemId: `pr-${id}`, code: 'J02.9', title: 'Acute pharyngitis', problemStatus: 'active', rank: 1,
  primary: true, newProblem: true, addedBy: 'drlee', addedAt: '2026-03-10T09:05:00Z', retractedAt: '',
  retractedBy: '', retractReason: '', version: 1,
});

// The visit each test opens: a new one per test.
let visitId = '';

const visit = (diagnoses: Diagnosis[]): Encounter => ({
  id: visitId, patientId: 'p1', clinicianId: 'u1', clinicianName: 'Dr Lee', appointmentId: '', kind: 'walk_in',
  class: 'AMB', meetingLink: '', startedAt: '2026-03-10T09:00:00Z', status: 'open', version: 1, addenda: null, diagnoses, followUp: null,
  instructions: { text: '', version: 0, updatedAt: '', updatedBy: '' },
  note: { subjective: '', objective: '', assessment: '', plan: '', draftVersion: 1, savedAt: '', signedAt: '',
    signedBy: '', retractedAt: '', retractedBy: '', retractReason: '' },
});

/** answerVisitRead answers the oldest visit read still waiting. */
async function answerVisitRead(e: Encounter) {
  const answer = h.visitReads.shift();
  if (!answer) throw new Error('no visit read is waiting');
  answer(e);
  await vi.waitFor(() => expect(h.api.chart.problems).toHaveBeenCalled());
}

describe('a late visit read', () => {
  const cases: { name: string; before: Diagnosis[]; change: () => Promise<void>; after: Diagnosis[];
    lateAnswer: Diagnosis[] }[] = [
    {
      name: 'started before a diagnosis was added keeps it shown',
      before: [],
      change: async () => {
        h.api.chart.addDiagnosis.mockResolvedValueOnce(visit([dx('d1')]));
        await chart.addDiagnosis({ code: 'J02.9' } as never);
      },
      after: [dx('d1')],
      lateAnswer: [],
    },
    {
      name: 'started before a diagnosis was removed does not bring it back',
      before: [dx('d1')],
      change: async () => {
        h.api.chart.removeDiagnosis.mockResolvedValueOnce(visit([{ ...dx('d1'), retractedAt: '2026-03-10T09:06:00Z' }]));
        await chart.removeDiagnosis(dx('d1'), 'entered on the wrong visit');
      },
      after: [{ ...dx('d1'), retractedAt: '2026-03-10T09:06:00Z' }],
      lateAnswer: [dx('d1')],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      visitId = `e-${c.name}`;
      const opened = chart.openEncounter(visitId);
      await answerVisitRead(visit(c.before));
      await opened;
      expect(chart.encounter?.diagnoses).toEqual(c.before);

      // The visit is read again (a notice, the screen opened again) and the
      // answer is slow; meanwhile the clinician changes a diagnosis.
      h.api.chart.problems.mockClear();
      const again = chart.openEncounter(visitId);
      await c.change();
      expect(chart.encounter?.diagnoses).toEqual(c.after);

      // The read's answer, as the visit was when it left, arrives now.
      await answerVisitRead(visit(c.lateAnswer));
      await again;
      expect(chart.encounter?.diagnoses).toEqual(c.after);
    });
  }

  it('started after the change shows what it answers', async () => {
    visitId = 'e-after';
    const opened = chart.openEncounter(visitId);
    await answerVisitRead(visit([]));
    await opened;
    h.api.chart.addDiagnosis.mockResolvedValueOnce(visit([dx('d1')]));
    await chart.addDiagnosis({ code: 'J02.9' } as never);
    // Removed on another screen since: a read started now answers that.
    h.api.chart.problems.mockClear();
    const again = chart.openEncounter(visitId);
    await answerVisitRead(visit([]));
    await again;
    expect(chart.encounter?.diagnoses).toEqual([]);
  });
});

// Typing still to be saved when the host restarted and signed the
// clinician out is saved once they sign in and the visit opens again, as
// the saves kept for the host are; a draft from before (a reload) waits
// for the clinician to confirm it.
describe('a note typed while its save waited for the host', () => {
  const cases = [
    { name: 'signed out while it was to be saved: saved on opening again', signedOutTyping: true, wantSaved: true },
    { name: 'a draft from before, restored: waits for the clinician', signedOutTyping: false, wantSaved: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      visitId = `e-owed-${c.signedOutTyping}`;
      drafts.owner = 'u1';
      h.api.chart.saveDraft.mockReset();
      h.api.chart.saveDraft.mockImplementation(async (id: string, text: object, version: number) =>
        ({ ...visit([]), id, note: { ...visit([]).note, ...text, draftVersion: version + 1 } }));
      const opened = chart.openEncounter(visitId);
      await answerVisitRead(visit([]));
      await opened;
      if (c.signedOutTyping) {
        chart.edit('plan', 'Paracetamol; review in one week.');
        flushSync(); // the draft store hears the typing
        chart.reset(); // signed out: the host was restarted
      } else {
        drafts.put('note', visitId, { at: Date.now() - 60_000, base: { subjective: '', objective: '', assessment: '', plan: '' },
          value: { subjective: '', objective: '', assessment: '', plan: 'Paracetamol; review in one week.' } });
        chart.reset();
      }
      expect(h.api.chart.saveDraft).not.toHaveBeenCalled();

      // Signed in again (the same clinician; the browser's localStorage
      // keeps the draft meanwhile, this test's memory store too), the visit
      // opens.
      const again = chart.openEncounter(visitId);
      await answerVisitRead(visit([]));
      await again;
      expect(chart.draft.plan).toBe('Paracetamol; review in one week.');
      if (c.wantSaved) {
        await vi.waitFor(() => expect(h.api.chart.saveDraft).toHaveBeenCalledTimes(1), { timeout: 3000 });
        expect(h.api.chart.saveDraft.mock.calls[0][1]).toMatchObject({ plan: 'Paracetamol; review in one week.' });
        await vi.waitFor(() => expect(chart.saving).toBe('saved'));
        expect(chart.note.restoredAt).toBe(0);
      } else {
        await new Promise((r) => setTimeout(r, 1500)); // past the autosave's pause
        expect(h.api.chart.saveDraft).not.toHaveBeenCalled();
        expect(chart.saving).toBe('unsaved');
        expect(chart.note.restoredAt).toBeGreaterThan(0);
      }
      chart.reset();
      drafts.remove('note', visitId);
    });
  }
});
