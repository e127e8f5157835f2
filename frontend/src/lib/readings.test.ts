import { describe, expect, it } from 'vitest';
import { guessDelimiter, readingValue } from './readings';
import type { HomeReading } from './types';

const reading = (r: Partial<HomeReading>): HomeReading => ({
  id: 'r', patientId: 'p', takenAt: '', takenLocal: '2026-11-30T07:56', kind: 'bp', systolic: null, diastolic: null,
  pulse: null, weightKg: null, spo2: null, glucoseMgDl: null, glucoseContext: '', source: 'file', importId: '',
  tokenId: '', device: '', comment: '', codes: '[]', status: 'final', retractReason: '', version: 1, createdAt: '',
  createdBy: '', ...r,
});

describe('readingValue', () => {
  it.each([
    [reading({ kind: 'bp', systolic: 123, diastolic: 82, pulse: 65 }), '123/82 mmHg, pulse 65'],
    [reading({ kind: 'bp', systolic: 123, diastolic: 82 }), '123/82 mmHg'],
    [reading({ kind: 'weight', weightKg: 84.005 }), '84 kg'],
    [reading({ kind: 'weight', weightKg: 84.09 }), '84.1 kg'],
    [reading({ kind: 'glucose', glucoseMgDl: 142.3, glucoseContext: 'after-meal' }), '142 mg/dL (after-meal)'],
    [reading({ kind: 'spo2', spo2: 97, pulse: 58 }), '97 %, pulse 58'],
  ])('%#: %s', (r, want) => expect(readingValue(r)).toBe(want));
});

describe('guessDelimiter', () => {
  it.each([
    ['Date,"Heart rate",Systolic,Diastolic,Comments\n"2026-11-30 07:56:00",65,123,82,', ','],
    ['\uFEFFWeightDate;Time;kg;BMI;Body fat\r\n"30.11.2026";"02:31"', ';'],
    ['date\tsys\tdia\n', '\t'],
  ])('%#', (text, want) => expect(guessDelimiter(text)).toBe(want));
});
