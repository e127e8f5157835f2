// FolioError is every failed call as the UI sees it, whichever window made
// it: a kind to act on, a sentence to show, and per-field messages for forms.

export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'locked'
  | 'internal'
  | 'unreachable';

export class FolioError extends Error {
  kind: ErrorKind;
  fields: Record<string, string>;
  /** The interaction or allergy alerts that stopped a prescription. */
  alerts: unknown[];
  /** The charts that stopped a registration as likely the same person. */
  duplicates: unknown[];

  constructor(kind: ErrorKind, message: string, fields: Record<string, string> = {}, alerts: unknown[] = [],
    duplicates: unknown[] = []) {
    super(message);
    this.name = 'FolioError';
    this.kind = kind;
    this.fields = fields;
    this.alerts = alerts;
    this.duplicates = duplicates;
  }
}

const kinds: ErrorKind[] = ['invalid', 'not_found', 'conflict', 'forbidden', 'unauthenticated', 'locked', 'internal',
  'unreachable'];

/** What a call that got no answer says. */
export const unreachableMessage = 'The host cannot be reached.';

/** toFolioError reads what a failed call left: the Go side's JSON error
 * (an object over HTTP, a JSON string from the desktop window), or anything
 * else that was thrown on the way. */
export function toFolioError(raw: unknown): FolioError {
  if (raw instanceof FolioError) return raw;
  let v: unknown = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return new FolioError('internal', v as string);
    }
  }
  if (v && typeof v === 'object' && 'kind' in v && 'message' in v) {
    const o = v as { kind: unknown; message: unknown; fields?: unknown; alerts?: unknown; duplicates?: unknown };
    const kind = kinds.includes(o.kind as ErrorKind) ? (o.kind as ErrorKind) : 'internal';
    const fields = o.fields && typeof o.fields === 'object' ? (o.fields as Record<string, string>) : {};
    return new FolioError(kind, String(o.message), fields, Array.isArray(o.alerts) ? o.alerts : [],
      Array.isArray(o.duplicates) ? o.duplicates : []);
  }
  if (v instanceof TypeError) {
    return new FolioError('unreachable', unreachableMessage);
  }
  return new FolioError('internal', v instanceof Error ? v.message : 'Something went wrong inside Folio.');
}
