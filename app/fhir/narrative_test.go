package fhir

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSummaryHTML(t *testing.T) {
	tests := []struct {
		name    string
		rec     Record
		says    []string
		notSays []string
	}{
		{name: "full chart", rec: fullRecord(), says: []string{
			"Adaeze Grace Okafor", "14 Mar 1961", "MRN-000123", "Mill Lane Surgery", "Dr. Lena Hart", "GMC 7654321",
			"Referral to Dr. Patel, Endocrinology, St James&#39;s", "Would you start a GLP-1 agonist or insulin?",
			"Problems", "Type 2 diabetes mellitus without complications", "E11.9", "Resolved Feb 2023",
			"Allergies and intolerances", "Penicillin", "throat swelling",
			"Medications", "metformin 500 mg tablet", "500 mg oral twice a day", "Prescribed elsewhere by Dr. Amira Haddad.",
			"Stopped 17 Jan 2023 (course finished)",
			"Immunizations", "Influenza, seasonal, injectable", "FL2025A", "left deltoid, intramuscular",
			"Results", "7.2 %", "critically low", "Dark brown", "3.5–5.1 mmol/L",
			"Vital signs", "142/88 mmHg", "138/– mmHg", "36.8 °C", "0/10",
		}},
		{name: "empty chart", rec: emptyRecord(), says: []string{
			"Wei Ng", "no information available about the patient&#39;s problems",
			"no information available about the patient&#39;s allergies",
			"no information available about the patient&#39;s medications",
		}, notSays: []string{"Immunizations", "Vital signs", "Referral"}},
		{name: "hostile words", rec: func() Record {
			r := fullRecord()
			r.Patient.FamilyName = `<script>alert(1)</script>`
			r.Referral.Text = `<img src="http://evil.example/x.png" onerror="alert(1)">`
			return r
		}(), says: []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := SummaryHTML(tt.rec, Options{Now: exportTime})
			if err != nil {
				t.Fatal(err)
			}
			html := string(page)
			for _, s := range tt.says {
				if !strings.Contains(html, s) {
					t.Errorf("the summary does not say %q", s)
				}
			}
			for _, s := range tt.notSays {
				if strings.Contains(html, "<h2>"+s) {
					t.Errorf("the summary has a %q section", s)
				}
			}
			// Self-contained: no scripts, nothing loaded from elsewhere.
			for _, bad := range []*regexp.Regexp{regexp.MustCompile(`(?i)<script`), regexp.MustCompile(`(?i)<(img|link|iframe|object)\b`),
				regexp.MustCompile(`(?i)<[a-z][^>]*\s(src|href|on\w+)=`), regexp.MustCompile(`(?i)@import|url\(`)} {
				if bad.MatchString(html) {
					t.Errorf("the summary is not self-contained: %s", bad.FindString(html))
				}
			}
			if !strings.Contains(html, "@page { size: A4") || !strings.Contains(html, "@media print") {
				t.Error("the summary has no print styles")
			}
			if dir := os.Getenv("FOLIO_ARTIFACTS"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, "fhir-summary-"+strings.ReplaceAll(tt.name, " ", "-")+".html"), page, 0o644)
			}
		})
	}
}

// The summary and the document's narratives come from the same views; a
// section the document has is a section the summary shows.
func TestSummaryMatchesDocumentSections(t *testing.T) {
	rec := fullRecord()
	page := string(must(SummaryHTML(rec, Options{Now: exportTime})))
	d := decodeDocument(t, must(IPSDocument(rec, Options{Now: exportTime})))
	for _, s := range d.composition()["section"].([]any) {
		title := s.(map[string]any)["title"].(string)
		if !strings.Contains(page, "<h2>"+title+"</h2>") {
			t.Errorf("the document's %q section is not in the summary", title)
		}
	}
}
