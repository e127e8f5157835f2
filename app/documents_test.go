package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// minimalPDF is a one-page PDF whose text names n, so each is a new file.
func minimalPDF(n int) []byte {
	return pdfFile(fmt.Sprintf("letter %d", n), 0)
}

// pdfFile is a one-page PDF whose page says text, with a cross-reference
// table as a PDF reader follows it. pad adds that many bytes of picture
// data (a scan's) in a stream of their own.
func pdfFile(text string, pad int) []byte {
	content := "BT /F1 12 Tf 72 700 Td (" + text + ") Tj ET"
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " +
			"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "+
			"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream", pad+1, make([]byte, pad+1))}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, body := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfOfSize is a PDF of exactly size bytes.
func pdfOfSize(t testing.TB, size int) []byte {
	t.Helper()
	pad := size - len(pdfFile("full", 0))
	for range 3 { // the stream's /Length grows by a digit now and then
		if data := pdfFile("full", pad); len(data) != size {
			pad += size - len(data)
		} else {
			return data
		}
	}
	t.Fatalf("no PDF of %d bytes", size)
	return nil
}

func pictureOf(t testing.TB, encode func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngBytes(t testing.TB) []byte {
	return pictureOf(t, func(b *bytes.Buffer, img image.Image) error { return png.Encode(b, img) })
}

func jpegBytes(t testing.TB) []byte {
	return pictureOf(t, func(b *bytes.Buffer, img image.Image) error { return jpeg.Encode(b, img, nil) })
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// sampleDocument is a valid form attaching a small PDF that names n.
func sampleDocument(n int) app.DocumentInput {
	return app.DocumentInput{Title: "Cardiology referral", Kind: "referral_letter", DocumentDate: "2026-03-02",
		FileName: "referral.pdf", Data: b64(minimalPDF(n))}
}

// document attaches a fresh document to the fixture's patient.
func (f *roleFixture) document(t *testing.T) app.Document {
	t.Helper()
	d, err := f.chart.AddDocument(f.patient.ID, sampleDocument(1000+f.n))
	if err != nil {
		t.Fatalf("add document: %v", err)
	}
	return d
}

// documentCounts is how many documents and stored files the chart holds,
// and how many audit entries.
func (ta *testApp) documentCounts(t testing.TB) [3]int {
	t.Helper()
	var c [3]int
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		c[0], c[1], err = tx.CountDocuments()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c[2] = len(ta.audit(t))
	return c
}

// TestDocumentTypeFromContents: a file's type is read from its first bytes,
// whatever its name says; a type that cannot be shown is refused saying so.
func TestDocumentTypeFromContents(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	webp, err := os.ReadFile(filepath.Join("filecheck", "testdata", "wound-lossless.webp"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, fileName string
		data           []byte
		wantType       string // "" when refused
		wantProblem    string // part of the field error
	}{
		{"pdf", "letter.pdf", minimalPDF(1), "application/pdf", ""},
		{"png", "wound.png", pngBytes(t), "image/png", ""},
		{"jpeg", "wound.jpg", jpegBytes(t), "image/jpeg", ""},
		{"webp", "wound.webp", webp, "image/webp", ""},
		{"pdf named .png", "scan.png", minimalPDF(2), "application/pdf", ""},
		{"png with no name", "", pictureOf(t, func(b *bytes.Buffer, _ image.Image) error {
			return png.Encode(b, image.NewGray(image.Rect(0, 0, 3, 3)))
		}), "image/png", ""},
		{"text named .pdf", "notes.pdf", []byte("just some notes, not a PDF\n"), "", "none of these"},
		{"html named .png", "page.png", []byte("<html><body>hi</body></html>"), "", "none of these"},
		{"gif", "anim.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", "none of these"},
		{"tiff", "scan.tif", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), "", "TIFF"},
		{"png header only", "broken.png", []byte("\x89PNG\r\n\x1a\nnot really"), "", "damaged"},
		{"jpeg header only", "broken.jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0}, "", "damaged"},
		{"pdf marker not at the start", "late.pdf", []byte("  %PDF-1.4"), "", "none of these"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := app.DocumentInput{Title: tt.name, Kind: "other", DocumentDate: "2026-03-01", FileName: tt.fileName,
				Data: b64(tt.data)}
			before := ta.documentCounts(t)
			d, err := ta.Clinician.Chart.AddDocument(p.ID, in)
			if tt.wantType == "" {
				e := wantKind(t, err, app.Invalid)
				if !strings.Contains(e.Fields["data"], tt.wantProblem) {
					t.Errorf("field error %q, want it to mention %q", e.Fields["data"], tt.wantProblem)
				}
				if after := ta.documentCounts(t); after != before {
					t.Errorf("refused, yet written: %v -> %v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.MediaType != tt.wantType || d.SizeBytes != int64(len(tt.data)) {
				t.Errorf("stored as %s, %d bytes; want %s, %d", d.MediaType, d.SizeBytes, tt.wantType, len(tt.data))
			}
			if tt.fileName == "" && d.FileName != "image.png" {
				t.Errorf("a file sent without a name is called %q", d.FileName)
			}
		})
	}
}

// TestDocumentChecksum: the SHA-256 of the file is stored, the file reads
// back whole after it is verified, and the view is audited; the database
// refuses to change or remove the file; a file damaged behind Folio's back
// is never shown, and the failure is audited.
func TestDocumentChecksum(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	data := pngBytes(t)
	d, err := ta.Clinician.Chart.AddDocument(p.ID, app.DocumentInput{Title: "Wound, day 3", Kind: "image",
		DocumentDate: "2026-03-09", FileName: `C:\fakepath\wound.png`, Data: b64(data)})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if d.SHA256 != hex.EncodeToString(sum[:]) || d.FileName != "wound.png" || d.AddedBy != "Dr. Jordan Lee" {
		t.Errorf("added %+v; want sha256 %x, file wound.png, added by Dr. Jordan Lee", d, sum)
	}
	if a := ta.lastAudit(t); a.Action != "document.add" || !strings.Contains(a.Detail, d.SHA256) {
		t.Errorf("audit %s %q", a.Action, a.Detail)
	}
	file, err := ta.Clinician.Chart.DocumentContent(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.Data != b64(data) || file.MediaType != "image/png" || file.SHA256 != d.SHA256 {
		t.Errorf("read back %s %s, %d base64 chars; want the file as attached", file.MediaType, file.SHA256, len(file.Data))
	}
	if a := ta.lastAudit(t); a.Action != "document.view" || a.Record != "document/"+d.ID || a.PatientID != p.ID {
		t.Errorf("viewing audited as %s %s %s", a.Action, a.Record, a.PatientID)
	}

	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, stmt := range []string{
		`UPDATE document_contents SET data = x'00'`,
		`DELETE FROM document_contents`,
		`DELETE FROM documents`,
		`UPDATE documents SET title = 'changed'`,
		`INSERT INTO revisions (entity, entity_id, version, data, changed_at, changed_by, reason)
			SELECT 'document', id, version, '{}', added_at, added_by, 'x' FROM documents;
		 UPDATE documents SET sha256 = '` + strings.Repeat("0", 64) + `'`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}

	// A disk fault, or an edit with the schema's guards taken off.
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 0xFF
	if _, err := raw.Exec(`DROP TRIGGER document_contents_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE document_contents SET data = ? WHERE document_id = ?`, flipped, d.ID); err != nil {
		t.Fatal(err)
	}
	file, err = ta.Clinician.Chart.DocumentContent(d.ID)
	e := wantKind(t, err, app.Internal)
	if !strings.Contains(e.Message, "damaged") || file.Data != "" {
		t.Errorf("a damaged file answered %q with %d base64 chars", e.Message, len(file.Data))
	}
	if a := ta.lastAudit(t); a.Action != "document.damaged" || !strings.Contains(a.Detail, d.SHA256) {
		t.Errorf("the damaged file was audited as %s %q", a.Action, a.Detail)
	}
}

// TestAddDocumentRefusesBadInput: each wrong field is named, and nothing is
// written, neither the document, its file nor an audit entry.
func TestAddDocumentRefusesBadInput(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	other := ta.register(t, app.PatientInput{FamilyName: "Okafor", GivenNames: "Chidi", BirthDate: "1990-01-02", Sex: "male"})
	visit, err := ta.Clinician.Chart.OpenEncounter(other.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	first, err := ta.Clinician.Chart.AddDocument(p.ID, sampleDocument(1))
	if err != nil {
		t.Fatal(err)
	}
	oversized := pdfOfSize(t, app.MaxDocumentBytes+1)
	tests := []struct {
		name  string
		edit  func(*app.DocumentInput)
		field string
	}{
		{"no title", func(in *app.DocumentInput) { in.Title = "  " }, "title"},
		{"long title", func(in *app.DocumentInput) { in.Title = strings.Repeat("x", 201) }, "title"},
		{"unknown kind", func(in *app.DocumentInput) { in.Kind = "x-ray" }, "kind"},
		{"no kind", func(in *app.DocumentInput) { in.Kind = "" }, "kind"},
		{"no date", func(in *app.DocumentInput) { in.DocumentDate = "" }, "documentDate"},
		{"impossible date", func(in *app.DocumentInput) { in.DocumentDate = "2026-02-30" }, "documentDate"},
		{"future date", func(in *app.DocumentInput) { in.DocumentDate = "2026-03-11" }, "documentDate"},
		{"no file", func(in *app.DocumentInput) { in.Data = "" }, "data"},
		{"not base64", func(in *app.DocumentInput) { in.Data = "%PDF-1.4 sent as text" }, "data"},
		{"empty file", func(in *app.DocumentInput) { in.Data = "====" }, "data"},
		{"one byte over 25 MiB", func(in *app.DocumentInput) { in.Data = b64(oversized) }, "data"},
		{"the same file again", func(in *app.DocumentInput) { in.Data = b64(minimalPDF(1)) }, "data"},
		{"another patient's visit", func(in *app.DocumentInput) { in.EncounterID = visit.ID }, "encounterId"},
		{"no such visit", func(in *app.DocumentInput) { in.EncounterID = "nope" }, "encounterId"},
		{"long file name", func(in *app.DocumentInput) { in.FileName = strings.Repeat("a", 256) + ".pdf" }, "fileName"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sampleDocument(100 + i)
			tt.edit(&in)
			before, rows := ta.documentCounts(t), ta.counts(t)
			_, err := ta.Clinician.Chart.AddDocument(p.ID, in)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("fields %v, want only %s", e.Fields, tt.field)
			}
			if after := ta.documentCounts(t); after != before || ta.counts(t) != rows {
				t.Errorf("refused, yet written: %v -> %v", before, after)
			}
		})
	}
	if msg := func() string {
		in := sampleDocument(7)
		in.Data = b64(oversized)
		_, err := ta.Clinician.Chart.AddDocument(p.ID, in)
		return wantKind(t, err, app.Invalid).Fields["data"]
	}(); !strings.Contains(msg, "25 MiB") {
		t.Errorf("the size limit is not said: %q", msg)
	}
	if msg := func() string {
		_, err := ta.Clinician.Chart.AddDocument(p.ID, app.DocumentInput{Title: "x", Kind: "other",
			DocumentDate: "2026-03-01", Data: b64(minimalPDF(1))})
		return wantKind(t, err, app.Invalid).Fields["data"]
	}(); !strings.Contains(msg, first.Title) {
		t.Errorf("a second copy does not name the first: %q", msg)
	}

	// Exactly 25 MiB is accepted, and so is a visit of the patient.
	full := pdfOfSize(t, app.MaxDocumentBytes)
	own, err := ta.Clinician.Chart.OpenEncounter(p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	in := sampleDocument(0)
	in.Data, in.EncounterID = b64(full), own.ID
	d, err := ta.Clinician.Chart.AddDocument(p.ID, in)
	if err != nil || d.SizeBytes != app.MaxDocumentBytes || d.EncounterID != own.ID {
		t.Fatalf("a file of exactly 25 MiB at a visit: %+v, %v", d, err)
	}
}

// TestRetractDocument: a retraction keeps the document, its file and the
// version it replaced; it needs a reason and the version the clinician saw.
func TestRetractDocument(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	chart := ta.Clinician.Chart
	older := sampleDocument(1)
	older.DocumentDate = "2025-11-20"
	wrong, err := chart.AddDocument(p.ID, older)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := chart.AddDocument(p.ID, app.DocumentInput{Title: "Wound", Kind: "image", DocumentDate: "2025-01-05",
		FileName: "wound.png", Data: b64(pngBytes(t))})
	if err != nil {
		t.Fatal(err)
	}

	before := ta.counts(t)
	for _, tt := range []struct {
		name, reason string
		version      int
		want         app.Kind
	}{
		{"no reason", " ", wrong.Version, app.Invalid},
		{"stale version", "wrong patient", wrong.Version + 1, app.Conflict},
	} {
		_, err := chart.RetractDocument(wrong.ID, tt.reason, tt.version)
		wantKind(t, err, tt.want)
		if after := ta.counts(t); after != before {
			t.Errorf("%s: refused, yet written: %+v -> %+v", tt.name, before, after)
		}
	}

	retracted, err := chart.RetractDocument(wrong.ID, "attached to the wrong chart", wrong.Version)
	if err != nil {
		t.Fatal(err)
	}
	if retracted.Status != db.EnteredInError || retracted.RetractReason != "attached to the wrong chart" ||
		retracted.Version != wrong.Version+1 || retracted.SHA256 != wrong.SHA256 {
		t.Errorf("retracted %+v", retracted)
	}
	if after := ta.counts(t); after.Revisions != before.Revisions+1 {
		t.Errorf("revisions %d -> %d, want the replaced version kept", before.Revisions, after.Revisions)
	}
	_, err = chart.RetractDocument(wrong.ID, "again", retracted.Version)
	wantKind(t, err, app.Conflict)

	list, err := chart.Documents(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != kept.ID || list[1].ID != wrong.ID || list[1].Status != db.EnteredInError {
		t.Errorf("list %+v, want the document in force first, then the retracted one", list)
	}
	file, err := chart.DocumentContent(wrong.ID)
	if err != nil || file.Data != b64(minimalPDF(1)) {
		t.Errorf("a retracted document's file: %d base64 chars, %v", len(file.Data), err)
	}
	// Once retracted, the same file may be attached again, to the right chart or this one.
	if _, err := chart.AddDocument(p.ID, sampleDocument(1)); err != nil {
		t.Errorf("re-attaching a retracted file: %v", err)
	}
}

// TestDocumentsFollowAMerge: a merged chart's documents, with their files,
// are listed and read on the surviving chart.
func TestDocumentsFollowAMerge(t *testing.T) {
	ta := newTestApp(t)
	survivor := ta.register(t, samplePatient())
	duplicate := ta.register(t, samplePatient())
	d, err := ta.Clinician.Chart.AddDocument(duplicate.ID, sampleDocument(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{survivor.ID, duplicate.ID} {
		list, err := ta.Clinician.Chart.Documents(id)
		if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].PatientID != survivor.ID {
			t.Errorf("documents of %s after the merge: %+v, %v", id, list, err)
		}
	}
	if _, err := ta.Clinician.Chart.DocumentContent(d.ID); err != nil {
		t.Errorf("reading a moved document: %v", err)
	}
}

// webPage is what a polyglot carries after the file it starts as.
const webPage = "<html><body><script>fetch('/api/Admin/Users',{method:'POST'})</script></body></html>\n"

// TestDocumentPolyglotsRefused: a file that starts as a PDF or a picture
// but carries a web page is refused beside the file, saying what is wrong
// and what to do, and nothing is written; what scanners and cameras write
// is attached.
func TestDocumentPolyglotsRefused(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	webp, err := os.ReadFile(filepath.Join("filecheck", "testdata", "wound-lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	jpg := jpegBytes(t)
	// The JPEG/HTML polyglot: the page in a comment segment of a picture
	// that decodes.
	comment := append([]byte{0xFF, 0xFE, 0, byte(len(webPage) + 2)}, webPage...)
	polyJPEG := append(append([]byte{0xFF, 0xD8}, comment...), jpg[2:]...)
	tests := []struct {
		name, fileName string
		data           []byte
		want           string // part of the field error
	}{
		{"%PDF- then a web page", "letter.pdf", []byte("%PDF-1.4\n" + webPage), "PDF"},
		{"%PDF- then a web page and %%EOF", "letter.pdf", []byte("%PDF-1.4\n" + webPage + "%%EOF\n"), "web page code"},
		{"a PDF then a web page", "letter.pdf", append(minimalPDF(1), webPage...), "extra data after its end"},
		{"a PDF without its cross-reference table", "letter.pdf", []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n" +
			"trailer <</Root 1 0 R>>\n%%EOF\n"), "damaged"},
		{"a PNG then a web page", "wound.png", append(pngBytes(t), webPage...), "not a valid PNG image: it has extra data after the picture"},
		{"a JPEG then a web page", "wound.jpg", append(bytes.Clone(jpg), webPage...), "not a valid JPEG image"},
		{"a JPEG with a web page inside", "wound.jpg", polyJPEG, "web page code"},
		{"a WebP then a web page", "wound.webp", append(bytes.Clone(webp), webPage...), "not a valid WebP image"},
		{"a WebP that does not decode", "wound.webp", append(bytes.Clone(webp[:20]), make([]byte, len(webp)-20)...), "cannot be shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := app.DocumentInput{Title: tt.name, Kind: "other", DocumentDate: "2026-03-01", FileName: tt.fileName,
				Data: b64(tt.data)}
			before := ta.documentCounts(t)
			_, err := ta.Clinician.Chart.AddDocument(p.ID, in)
			e := wantKind(t, err, app.Invalid)
			if !strings.Contains(e.Fields["data"], tt.want) || len(e.Fields) != 1 {
				t.Errorf("fields %v, want beside the file a message saying %q", e.Fields, tt.want)
			}
			if after := ta.documentCounts(t); after != before {
				t.Errorf("refused, yet written: %v -> %v", before, after)
			}
		})
	}
	for _, name := range []string{"letter-ghostscript.pdf", "letter-xref-stream.pdf", "letter-incremental.pdf",
		"scan-img2pdf.pdf", "page-chromium.pdf", "wound-alpha.webp"} {
		data, err := os.ReadFile(filepath.Join("filecheck", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Clinician.Chart.AddDocument(p.ID, app.DocumentInput{Title: name, Kind: "other",
			DocumentDate: "2026-03-01", FileName: name, Data: b64(data)}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStoredDocumentServedSafely: a document is given to be shown with its
// type only while its bytes pass the checks as that type, and saved under
// a name whose extension is its type's, whatever it was called. One
// attached before the checks that fails them (a polyglot) is still given,
// whole, but as a file to save, not to show, saying why.
func TestStoredDocumentServedSafely(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	good, err := ta.Clinician.Chart.AddDocument(p.ID, app.DocumentInput{Title: "Letter", Kind: "referral_letter",
		DocumentDate: "2026-03-01", FileName: "letter.pdf.html", Data: b64(minimalPDF(1))})
	if err != nil {
		t.Fatal(err)
	}
	file, err := ta.Clinician.Chart.DocumentContent(good.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.MediaType != "application/pdf" || file.SaveAs != "letter.pdf.pdf" || file.Notice != "" {
		t.Errorf("a checked PDF given as %s, to save as %q, notice %q", file.MediaType, file.SaveAs, file.Notice)
	}

	// As a document attached before Folio checked files whole was stored.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, old := range []struct {
		id, fileName, mediaType string
		data                    []byte
		saveAs                  string
	}{
		{"old-pdf", "report.html", "application/pdf", []byte("%PDF-1.4\n" + webPage), "report.pdf"},
		{"old-png", "wound.svg", "image/png", append(pngBytes(t), webPage...), "wound.png"},
		{"old-named-nothing", "", "image/webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8L" + webPage), "document.webp"},
	} {
		sum := sha256.Sum256(old.data)
		if _, err := raw.Exec(`INSERT INTO documents (id, patient_id, encounter_id, title, kind, document_date, file_name,
			media_type, size_bytes, sha256, status, retract_reason, version, added_at, added_by, updated_at, updated_by)
			SELECT ?, patient_id, NULL, 'Old upload', kind, document_date, ?, ?, ?, ?, status, '', 1, added_at, added_by,
			updated_at, updated_by FROM documents WHERE id = ?`,
			old.id, old.fileName, old.mediaType, len(old.data), hex.EncodeToString(sum[:]), good.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO document_contents (document_id, data) VALUES (?, ?)`, old.id, old.data); err != nil {
			t.Fatal(err)
		}
		file, err := ta.Clinician.Chart.DocumentContent(old.id)
		if err != nil {
			t.Fatal(err)
		}
		if file.MediaType != "application/octet-stream" || file.Data != b64(old.data) || file.SaveAs != old.saveAs {
			t.Errorf("%s given as %s, to save as %q, %d base64 chars; want the whole file, to save as %s",
				old.id, file.MediaType, file.SaveAs, len(file.Data), old.saveAs)
		}
		if !strings.Contains(file.Notice, "not shown") {
			t.Errorf("%s: notice %q, want it to say why the file is not shown", old.id, file.Notice)
		}
		if a := ta.lastAudit(t); a.Action != "document.view" || !strings.Contains(a.Detail, "to save only") {
			t.Errorf("%s: audited as %s %q", old.id, a.Action, a.Detail)
		}
	}
}
