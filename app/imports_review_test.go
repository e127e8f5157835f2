package app_test

import (
	"path/filepath"
	"testing"
	"time"

	"folio/app"
)

// inReview lists the ids of the imports in review.
func inReview(t *testing.T, c *caller) []string {
	t.Helper()
	list, err := c.Chart.ImportsInReview()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, im := range list {
		if im.Status != "reviewing" {
			t.Errorf("import %s listed in review with status %s", im.ID, im.Status)
		}
		ids = append(ids, im.ID)
	}
	return ids
}

// TestImportsInReview: an import left half-way is listed for any clinician
// to take up again, newest first, until it is finished or abandoned.
func TestImportsInReview(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "drokoro", app.RoleClinician, "okoro-password-123")
	other := ta.signIn(t, "drokoro", "okoro-password-123", "room-3")
	if got := inReview(t, ta.Clinician); len(got) != 0 {
		t.Fatalf("a new clinic has imports in review: %v", got)
	}
	ips := filepath.Join("fhir", "testdata", "ips")
	first := startExample(t, ta.Clinician, filepath.Join(ips, "Bundle-bundle-minimal.json"))
	ta.Clock.Advance(time.Second)
	second := startExample(t, ta.Clinician, filepath.Join(ips, "Bundle-IPS-examples-Bundle-01.json"))
	if got := inReview(t, other); len(got) != 2 || got[0] != second.ID || got[1] != first.ID {
		t.Fatalf("in review for another clinician: %v; want [%s %s]", got, second.ID, first.ID)
	}
	again, err := other.Chart.ImportReview(first.ID)
	if err != nil || again.FileName != "Bundle-bundle-minimal.json" {
		t.Fatalf("taking up the first import: %+v, %v", again.FileName, err)
	}
	if _, err := other.Chart.AbandonImport(first.ID); err != nil {
		t.Fatal(err)
	}
	if got := inReview(t, ta.Clinician); len(got) != 1 || got[0] != second.ID {
		t.Errorf("after abandoning the first: %v; want [%s]", got, second.ID)
	}
	if _, err := ta.FrontDesk.Chart.ImportsInReview(); err == nil {
		t.Error("the front desk listed imports in review")
	}
}
