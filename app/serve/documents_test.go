package serve_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"folio/app"
)

// TestLargeDocumentOverHTTP: a document of the largest size allowed travels
// as base64 inside its call and is attached; a call larger than any
// document is read to its end and answered with the field error, rather
// than cut off, so the browser shows why.
func TestLargeDocumentOverHTTP(t *testing.T) {
	s := newServer(t)
	dr := s.signIn(t, "drlee", clinicianPassword)
	var p app.Patient
	dr.mustCall(&p, "Patients", "Register", patientForm)

	full := append([]byte("%PDF-1.4\n"), make([]byte, app.MaxDocumentBytes-9)...)
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
