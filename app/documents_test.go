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
	"path/filepath"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// minimalPDF is a one-page PDF whose text names n, so each is a new file.
func minimalPDF(n int) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"+
		"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"+
		"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 144]>> endobj\n"+
		"%% letter %d\ntrailer <</Root 1 0 R>>\n%%%%EOF\n", n))
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
	webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8L"), make([]byte, 24)...)
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
		{"png with no name", "", append(pngBytes(t), 0), "image/png", ""},
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
	oversized := append([]byte("%PDF-1.4\n"), make([]byte, app.MaxDocumentBytes-8)...)
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
	full := append([]byte("%PDF-1.4\n"), make([]byte, app.MaxDocumentBytes-9)...)
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
