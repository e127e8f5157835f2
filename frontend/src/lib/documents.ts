// What the documents panel says about a file, and the moves between a
// File, the base64 a call carries and the bytes a viewer shows.

import type { DocumentKind } from './types';

/** The kinds a clinician chooses from, in the form's order. */
export const documentKinds: { value: DocumentKind; label: string }[] = [
  { value: 'referral_letter', label: 'Referral letter' },
  { value: 'lab_report', label: 'Lab report' },
  { value: 'imaging_report', label: 'Imaging report' },
  { value: 'discharge_summary', label: 'Discharge summary' },
  { value: 'consent', label: 'Consent' },
  { value: 'image', label: 'Photo / image' },
  { value: 'correspondence', label: 'Correspondence' },
  { value: 'other', label: 'Other' },
];

export function kindLabel(kind: string): string {
  return documentKinds.find((k) => k.value === kind)?.label ?? kind;
}

/** The largest file Go accepts (app.MaxDocumentBytes): checked here too,
 * so a file that is too large is refused before it is sent. */
export const maxDocumentBytes = 25 * 1024 * 1024;

export const tooLargeMessage = 'The file can be at most 25 MiB; scan it at a lower resolution or split it.';

const typeLabels: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
};

export function typeLabel(mediaType: string): string {
  return typeLabels[mediaType] ?? mediaType;
}

/** saveOnly is the type of a file that is saved, never shown. */
export const saveOnly = 'application/octet-stream';

/** shownAs is the type a file's blob gets: its own when the viewer shows
 * that type (Go has checked the file as it), else saveOnly, so that a blob
 * URL opened by hand is saved rather than rendered, whatever Go answered. */
export function shownAs(mediaType: string): string {
  return Object.hasOwn(typeLabels, mediaType) ? mediaType : saveOnly;
}

/** titleFromFileName is a first guess at a title: the name without its
 * extension, with separators as spaces. */
export function titleFromFileName(name: string): string {
  return name.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim();
}

/** base64ToBytes decodes the base64 a call returns. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** readAsBase64 reads a chosen file as the base64 a call carries. */
export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}
