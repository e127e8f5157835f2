// The clinic's note wording: templates a visit note starts from and quick
// phrases typed as abbreviations. Clinicians keep them; a retired one stays
// listed (and can come back) but is no longer offered in notes.

import { api } from '../api';
import type { NoteTemplate, QuickPhrase } from '../types';
import { session } from './session.svelte';
import { Tickets } from '../tickets';

export function blankTemplate(): NoteTemplate {
  return { id: '', name: '', subjective: '', objective: '', assessment: '', plan: '', active: true, version: 0 };
}

export function blankPhrase(): QuickPhrase {
  return { id: '', abbreviation: '', text: '', active: true, version: 0 };
}

/** Starter wording a clinic may add in one click and then make its own. */
export const starterTemplates: NoteTemplate[] = [
  {
    ...blankTemplate(),
    name: 'Upper respiratory infection',
    subjective: 'Cough, sore throat and runny nose for _ days. No shortness of breath.',
    objective: 'Temp _. Throat: _. Chest: clear to auscultation.',
    assessment: 'Viral upper respiratory infection.',
    plan: 'Fluids, rest, acetaminophen as needed. Return if short of breath or not better in 7 days.',
  },
  {
    ...blankTemplate(),
    name: 'Hypertension follow-up',
    subjective: 'Home readings: _. Adherence: _. Side effects: none.',
    objective: 'BP _/_ (repeat _/_). Heart rate _.',
    assessment: 'Essential hypertension, _ controlled.',
    plan: 'Continue current treatment. Recheck BP and renal function in _ months.',
  },
  {
    ...blankTemplate(),
    name: 'Diabetes review',
    subjective: 'Home glucose: _. Hypoglycemia: none. Diet and activity: _.',
    objective: 'Weight _. BP _/_. Feet: pulses present, sensation intact.',
    assessment: 'Type 2 diabetes mellitus, HbA1c _.',
    plan: 'HbA1c, lipids and urine albumin/creatinine. Eye screening if due. Review in 3 months.',
  },
];

export const starterPhrases: QuickPhrase[] = [
  { ...blankPhrase(), abbreviation: '.nad', text: 'No acute distress.' },
  { ...blankPhrase(), abbreviation: '.sob', text: 'Denies shortness of breath, chest pain or palpitations.' },
  { ...blankPhrase(), abbreviation: '.lungs', text: 'Lungs clear to auscultation bilaterally, no wheezes or crackles.' },
  { ...blankPhrase(), abbreviation: '.rtc', text: 'Return to clinic if symptoms worsen or do not improve.' },
];

class TemplatesStore {
  templates = $state<NoteTemplate[]>([]);
  phrases = $state<QuickPhrase[]>([]);
  /** Whether both lists have been read (an empty list before is unknown). */
  loaded = $state(false);
  #reads = new Tickets();

  constructor() {
    session.onSignOut(() => this.reset());
  }

  reset() {
    this.#reads.dropAll();
    this.templates = [];
    this.phrases = [];
    this.loaded = false;
  }

  async load() {
    const newest = this.#reads.take('templates');
    const newestPhrases = this.#reads.take('phrases');
    const [templates, phrases] = await Promise.all([api.chart.templates(), api.chart.quickPhrases()]);
    if (newest()) this.templates = templates;
    if (newestPhrases()) this.phrases = phrases;
    this.loaded = true;
  }

  /** saveTemplate adds (version 0) or changes a template, retiring it too. */
  async saveTemplate(t: NoteTemplate) {
    await api.chart.saveTemplate(t);
    const newest = this.#reads.take('templates');
    const templates = await api.chart.templates();
    if (newest()) this.templates = templates;
  }

  async savePhrase(p: QuickPhrase) {
    await api.chart.saveQuickPhrase(p);
    const newest = this.#reads.take('phrases');
    const phrases = await api.chart.quickPhrases();
    if (newest()) this.phrases = phrases;
  }

  /** addStarters saves the starter wording the clinic does not have yet
   * (by name or abbreviation), so pressing it twice adds nothing twice.
   * The lists must have been read first (load). */
  async addStarters() {
    if (!this.loaded) await this.load();
    const names = new Set(this.templates.map((t) => t.name.toLowerCase()));
    const abbreviations = new Set(this.phrases.map((p) => p.abbreviation.toLowerCase()));
    for (const t of starterTemplates) if (!names.has(t.name.toLowerCase())) await api.chart.saveTemplate(t);
    for (const p of starterPhrases) if (!abbreviations.has(p.abbreviation.toLowerCase())) await api.chart.saveQuickPhrase(p);
    await this.load();
  }
}

export const noteWording = new TemplatesStore();
