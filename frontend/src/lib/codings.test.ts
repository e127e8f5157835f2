import { describe, expect, it } from 'vitest';
import { codingWords } from './codings';

describe('codingWords', () => {
  it('names each code by its system, leaving out the chart own code', () => {
    expect(codingWords([
      { system: 'http://snomed.info/sct', code: '198436008', display: 'Menopausal flushing (finding)' },
      { system: 'http://hl7.org/fhir/sid/icd-10', code: 'N95.1', display: '' },
      { system: 'urn:oid:2.16.840.1.113883.2.4.4.1', code: '99872', display: '' },
    ], 'N95.1')).toBe('SNOMED CT 198436008, urn:oid:2.16.840.1.113883.2.4.4.1 99872');
  });
  it('says nothing without codes', () => {
    expect(codingWords(undefined)).toBe('');
    expect(codingWords([{ system: 'http://snomed.info/sct', code: '', display: 'words only' }])).toBe('');
  });
});
