// The codes a record arrived with from another system, as a clinician reads
// them: "SNOMED CT 444814009" (the code system by its common name).
import type { Coding } from './types';

const systemNames: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'urn:oid:2.16.840.1.113883.6.96': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'urn:oid:2.16.840.1.113883.6.90': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'http://www.whocc.no/atc': 'ATC',
};

/** codingWords lists the codes of codings other than the chart's own code
 * (own, e.g. an ICD-10-CM code), each after its system's name. */
export function codingWords(codes: Coding[] | undefined, own = ''): string {
  return (codes ?? [])
    .filter((c) => c.code !== '' && c.code !== own)
    .map((c) => `${systemNames[c.system] ?? c.system} ${c.code}`)
    .join(', ');
}
