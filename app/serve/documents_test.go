package serve_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// pdfFile is a one-page PDF with a cross-reference table, its page data
// padded with pad bytes of a scan's picture data.
func pdfFile(pad int) []byte {
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", pad, make([]byte, pad))}
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
func pdfOfSize(t *testing.T, size int) []byte {
	t.Helper()
	pad := size - len(pdfFile(0))
	for range 3 { // the stream's /Length grows by a digit now and then
		if data := pdfFile(pad); len(data) != size {
			pad += size - len(data)
		} else {
			return data
		}
	}
	t.Fatalf("no PDF of %d bytes", size)
	return nil
}

// TestLargeDocumentOverHTTP: a document of the largest size allowed travels
// as base64 inside its call and is attached; a call larger than any
// document is read to its end and answered with the field error, rather
// than cut off, so the browser shows why.
func TestLargeDocumentOverHTTP(t *testing.T) {
	s := newServer(t)
	dr := s.signIn(t, "drlee", clinicianPassword)
	var p app.Patient
	dr.mustCall(&p, "Patients", "Register", patientForm)

	full := pdfOfSize(t, app.MaxDocumentBytes)
	form := app.DocumentInput{Title: "Discharge summary", Kind: "discharge_summary", DocumentDate: "2026-03-01",
		FileName: "discharge.pdf", Data: base64.StdEncoding.EncodeToString(full)}
	var d app.Document
	dr.mustCall(&d, "Chart", "AddDocument", p.ID, form)
	if d.SizeBytes != app.MaxDocumentBytes || d.MediaType != "application/pdf" {
		t.Errorf("attached %+v", d)
	}

	before := s.counts(t)
	over := bytes.Repeat([]byte("A"), base64.StdEncoding.EncodedLen(app.MaxDocumentBytes)+2<<20)
	body := `["` + p.ID + `", {"title": "too big", "kind": "other", "documentDate": "2026-03-01", "data": "` +
		string(over) + `"}]`
	resp, answer := dr.do(dr.request("POST", "/api/Chart/AddDocument", strings.NewReader(body)))
	e := wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
	if !strings.Contains(e.Fields["data"], "25 MiB") {
		t.Errorf("fields %v, want the size limit named beside the file", e.Fields)
	}
	if after := s.counts(t); after != before {
		t.Errorf("a refused call wrote: %v -> %v", before, after)
	}
	// Other calls keep the small limit.
	big := `["` + strings.Repeat("a", 9<<20) + `", 10]`
	resp, answer = dr.do(dr.request("POST", "/api/Patients/Search", strings.NewReader(big)))
	wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
}

// TestDocumentServedInert: over HTTP, a PNG with a web page after it is
// refused beside the file; a document's file comes back in an answer that
// no browser would run or show as a page (nosniff, a sandbox with nothing
// allowed, an attachment), with its type only while it passes the checks:
// one stored before them that fails is given to save only, whole.
func TestDocumentServedInert(t *testing.T) {
	s := newServer(t)
	dr := s.signIn(t, "drlee", clinicianPassword)
	var p app.Patient
	dr.mustCall(&p, "Patients", "Register", patientForm)

	var picture bytes.Buffer
	if err := png.Encode(&picture, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	page := "<html><script>alert(document.cookie)</script></html>"
	polyglot := app.DocumentInput{Title: "Wound", Kind: "image", DocumentDate: "2026-03-01", FileName: "wound.png",
		Data: base64.StdEncoding.EncodeToString(append(picture.Bytes(), page...))}
	resp, answer := dr.call("Chart", "AddDocument", p.ID, polyglot)
	e := wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
	if !strings.Contains(e.Fields["data"], "extra data after the picture") {
		t.Errorf("fields %v, want the trailing data named beside the file", e.Fields)
	}

	var letter app.Document
	dr.mustCall(&letter, "Chart", "AddDocument", p.ID, app.DocumentInput{Title: "Letter", Kind: "referral_letter",
		DocumentDate: "2026-03-01", FileName: "letter.html", Data: base64.StdEncoding.EncodeToString(pdfFile(10))})
	// As a polyglot attached before the checks was stored.
	old := []byte("%PDF-1.4\n" + page)
	sum := sha256.Sum256(old)
	err := s.app.DB().Update(context.Background(), func(tx *db.Tx) error {
		u, err := tx.UserByName("drlee")
		if err != nil {
			return err
		}
		return tx.InsertDocument(db.Document{ID: "old-polyglot", PatientID: p.ID, Title: "Old upload", Kind: "other",
			DocumentDate: "2026-01-01", FileName: "report.html", MediaType: "application/pdf", SizeBytes: int64(len(old)),
			SHA256: hex.EncodeToString(sum[:]), Status: db.DocumentActive, Version: 1, AddedAt: testStart, AddedBy: u.ID,
			UpdatedAt: testStart, UpdatedBy: u.ID}, old)
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		id, mediaType, saveAs string
	}{
		{letter.ID, "application/pdf", "letter.pdf"},
		{"old-polyglot", app.SaveOnly, "report.pdf"},
	} {
		resp, answer := dr.call("Chart", "DocumentContent", tt.id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s %s", tt.id, resp.Status, answer)
		}
		for header, want := range map[string]string{
			"Content-Type":                 "application/json",
			"X-Content-Type-Options":       "nosniff",
			"Content-Security-Policy":      "sandbox; default-src 'none'",
			"Content-Disposition":          "attachment",
			"Cross-Origin-Resource-Policy": "same-origin",
		} {
			if got := resp.Header.Get(header); !strings.HasPrefix(got, want) {
				t.Errorf("%s: %s %q, want %q", tt.id, header, got, want)
			}
		}
		var file app.DocumentFile
		if err := json.Unmarshal(answer, &file); err != nil {
			t.Fatal(err)
		}
		if file.MediaType != tt.mediaType || file.SaveAs != tt.saveAs || file.Data == "" {
			t.Errorf("%s given as %s, to save as %q", tt.id, file.MediaType, file.SaveAs)
		}
	}
}
