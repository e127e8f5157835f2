// Three-way merging of a form's values: the record as the form loaded it
// (base), what the person made of it (mine), and the record as someone else
// saved it meanwhile (theirs). Objects are merged field by field (a field of
// a nested object is named by its path, "patient.phone"); an array is one
// field. Editable merges late answers with these; a refused save shows
// theirChanges and saves mergeChoosing (see Editable.conflicted).

/** Equal says whether two field values are the same for this form. */
export type Equal = (a: unknown, b: unknown) => boolean;

export const strict: Equal = (a, b) => a === b;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** same compares plain values (objects key by key, arrays item by item),
 * leaves with eq. */
export function same(a: unknown, b: unknown, eq: Equal = strict): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i], eq));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k], eq)) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b) || isRecord(a) || isRecord(b)) return false;
  return eq(a, b);
}

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

/** Whose value a field both people changed keeps. */
export type Choice = 'mine' | 'theirs';

/**
 * mergeChoosing is the person's values (mine) over a newer record
 * (theirs), both edited from base: a field only they changed takes theirs,
 * one only the person changed keeps mine, and one both changed, differently,
 * keeps what choices says for its path (mine unless told).
 */
export function mergeChoosing(base: unknown, mine: unknown, theirs: unknown, choices: Record<string, Choice> = {},
  eq: Equal = strict, path = ''): unknown {
  if (isRecord(mine) && isRecord(theirs)) {
    const b = isRecord(base) ? base : {};
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
      out[k] = mergeChoosing(b[k], mine[k], theirs[k], choices, eq, join(path, k));
    }
    return out;
  }
  if (same(theirs, base, eq)) return mine; // nothing new for this field
  if (same(mine, base, eq)) return theirs; // untouched: take theirs
  if (same(mine, theirs, eq)) return mine;
  return choices[path] === 'theirs' ? theirs : mine;
}

/**
 * merge3 is mergeChoosing with the person's value kept in every field both
 * changed; each such field's path is added to clashes.
 */
export function merge3(base: unknown, mine: unknown, incoming: unknown, eq: Equal = strict, clashes: string[] = [],
  path = ''): unknown {
  for (const c of theirChanges(base, mine, incoming, eq, path)) if (c.both) clashes.push(c.path);
  return mergeChoosing(base, mine, incoming, {}, eq, path);
}

/** A field someone else changed since the form loaded the record. */
export interface TheirChange {
  /** The field's name, or its path in nested values ("patient.phone"). */
  path: string;
  /** As the form loaded it. */
  base: unknown;
  /** As it is saved now. */
  theirs: unknown;
  /** As the person has it in the form. */
  mine: unknown;
  /** Whether the person changed it too, to something else: they choose. */
  both: boolean;
}

/** theirChanges lists, in the form's order, the fields theirs changed from
 * base, each with the person's value (mine). */
export function theirChanges(base: unknown, mine: unknown, theirs: unknown, eq: Equal = strict, path = ''): TheirChange[] {
  if (isRecord(theirs) && (isRecord(mine) || isRecord(base))) {
    const b = isRecord(base) ? base : {};
    const m = isRecord(mine) ? mine : {};
    const out: TheirChange[] = [];
    for (const k of new Set([...Object.keys(m), ...Object.keys(theirs), ...Object.keys(b)])) {
      out.push(...theirChanges(b[k], m[k], theirs[k], eq, join(path, k)));
    }
    return out;
  }
  if (same(theirs, base, eq)) return [];
  const both = !same(mine, base, eq) && !same(mine, theirs, eq);
  return [{ path, base, theirs, mine, both }];
}

/**
 * mineFrom recovers what the person changed from base in a form that has
 * since taken in a newer record (shown): a field still as shown is one the
 * person left alone, so it is base's; any other is the person's.
 */
export function mineFrom(base: unknown, shown: unknown, value: unknown, eq: Equal = strict): unknown {
  if (isRecord(value)) {
    const b = isRecord(base) ? base : {};
    const s = isRecord(shown) ? shown : {};
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = mineFrom(b[k], s[k], value[k], eq);
    return out;
  }
  return same(value, shown, eq) ? base : value;
}
