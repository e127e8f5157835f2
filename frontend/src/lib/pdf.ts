// PDF pages drawn by PDF.js (Mozilla's PDF renderer) into canvases, so a
// PDF shows the same in a browser and in the desktop window, whose
// WebKitGTK has no PDF viewer of its own. PDF.js is large: import this
// module only with import() when a PDF is opened (an eagerly imported
// library once blanked the desktop window), never from the first screen.
//
// The legacy build is used: the modern one needs features (such as
// Map.prototype.getOrInsertComputed) that a distribution's WebKitGTK may not
// have yet; the legacy one brings them along.

import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import workerUrl from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

// The decoders (JPEG 2000, JBIG2 and CCITT fax images, as scanners make)
// and the fonts a PDF may name without embedding, bundled by Vite so that
// nothing is fetched from outside.
const bundled = import.meta.glob(
  ['/node_modules/pdfjs-dist/wasm/*.wasm', '/node_modules/pdfjs-dist/standard_fonts/*.{pfb,ttf}'],
  { query: '?url', import: 'default', eager: true },
) as Record<string, string>;

/** BundledData hands PDF.js the bundled files it asks for by name. */
class BundledData {
  async fetch({ filename }: { kind: string; filename: string }): Promise<Uint8Array> {
    const url = Object.entries(bundled).find(([path]) => path.endsWith(`/${filename}`))?.[1];
    if (!url) throw new Error(`${filename} is not bundled with Folio`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${filename}: ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}

/** openPdf reads a PDF from its bytes (a copy is handed to PDF.js, which
 * takes ownership of what it is given). */
export function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  return getDocument({
    data: bytes.slice(),
    isEvalSupported: false,
    enableXfa: false,
    useWorkerFetch: false,
    BinaryDataFactory: BundledData,
  }).promise;
}

/** renderPage draws page n (from 1) into canvas, width CSS pixels wide, sharp
 * on high-density screens. */
export async function renderPage(doc: PDFDocumentProxy, n: number, canvas: HTMLCanvasElement, width: number) {
  const page = await doc.getPage(n);
  const unscaled = page.getViewport({ scale: 1 });
  const scale = width / unscaled.width;
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
  await page.render({ canvas, viewport }).promise;
  page.cleanup();
}
