package demo_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
)

// TestGenerateCharts: the demo's charted patients open with what a
// clinician expects to see, written through the real use-cases; a clinic the
// demo did not set up gets no charts (it has no demo clinician).
func TestGenerateCharts(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a, err := app.Open(ctx, t.TempDir(), app.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := demo.Generate(ctx, a, demo.Options{Patients: 40, Seed: 3, Charts: 4, Today: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Charted) != 4 {
		t.Fatalf("charted %v, want 4 patients", res.Charted)
	}
	s := a.NewSession("test")
	services := a.Services(s)
	auth, patients, chart := services[0].(*app.Auth), services[1].(*app.Patients), services[3].(*app.Chart)
	if _, err := auth.Login("drlee", "demo-clinician-pass"); err != nil {
		t.Fatal(err)
	}
	charted := 0
	for mrn := int64(1); mrn <= 40; mrn++ {
		hits, err := patients.Search(app.MRN(mrn), 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("MRN %s: %+v, %v", app.MRN(mrn), hits, err)
		}
		sum, err := chart.Summary(hits[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.Charted, hits[0].MRN) {
			if len(sum.Problems) > 0 {
				t.Errorf("MRN %s has problems but is not listed as charted", hits[0].MRN)
			}
			continue
		}
		charted++
		if hits[0].BirthDate > now.AddDate(-30, 0, 0).Format("2006-01-02") {
			t.Errorf("MRN %s, born %s, is charted as an adult", app.MRN(mrn), hits[0].BirthDate)
		}
		if len(sum.Medications) == 0 || sum.LastVitals == nil || (len(sum.Allergies) == 0 && !sum.NoKnownAllergies) {
			t.Errorf("MRN %s's chart lacks medications, vitals or an allergy status: %+v", app.MRN(mrn), sum)
		}
		series, err := chart.VitalsSeries(hits[0].ID, "weight")
		if err != nil || len(series.Points) < 10 {
			t.Errorf("MRN %s's weight chart: %d points, %v", app.MRN(mrn), len(series.Points), err)
		}
		if doses, err := chart.Immunizations(hits[0].ID); err != nil || len(doses) != 2 {
			t.Errorf("MRN %s's immunizations: %+v, %v", app.MRN(mrn), doses, err)
		}
		visits, err := chart.Encounters(hits[0].ID)
		if err != nil || len(visits) != 1 || visits[0].Status != "signed" {
			t.Errorf("MRN %s's visits: %+v, %v", app.MRN(mrn), visits, err)
		}
	}
	if charted != 4 {
		t.Errorf("found %d charted patients, want 4", charted)
	}
	// Home readings: of every three charted patients the first and third
	// are enrolled, with readings since their last review, some out of
	// target; the second's readings wait for an enrolment.
	list, err := chart.ReadingsToReview()
	if err != nil || len(list) != 3 || list[0].OutOfTarget == 0 || list[0].LastReviewAt == "" {
		t.Errorf("readings to review: %+v, %v", list, err)
	}
	// The children's vaccination cards: the childhood rules see them, some
	// up to date and some behind.
	if len(res.Vaccinated) == 0 {
		t.Fatal("no child was given a vaccination history")
	}
	standing := map[string]int{}
	for _, mrn := range res.Vaccinated {
		hits, err := patients.Search(mrn, 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("MRN %s: %+v, %v", mrn, hits, err)
		}
		gaps, err := chart.CareGaps(hits[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gaps {
			if g.Kind == "immunization" && g.RuleID != "influenza-vaccine" {
				standing[g.Status]++
			}
		}
	}
	if standing["due"] == 0 || standing["up_to_date"] == 0 {
		t.Errorf("the demo children's vaccines: %v; want some due and some up to date", standing)
	}

	// The quality dashboard is made with the due list: today's figures and
	// the trend's months, the charted patients under the demo clinician.
	q := services[7].(*app.Quality)
	d, err := q.Dashboard()
	if err != nil || !d.Ready {
		t.Fatalf("dashboard: %+v, %v", d, err)
	}
	for _, m := range d.Measures {
		if m.ID != "cms122" && m.ID != "cms138" {
			continue
		}
		lee := m.Clinicians[0]
		if d.Clinicians[0].Name != "Dr. Jordan Lee" || lee.Denominator == 0 || lee.Denominator > 4 {
			t.Errorf("%s, Dr. Lee: %+v", m.ID, lee)
		}
		if m.Clinic.Trend[10].Denominator == 0 {
			t.Errorf("%s has no trend: %+v", m.ID, m.Clinic.Trend)
		}
	}

	res, err = demo.Generate(ctx, a, demo.Options{Patients: 5, Seed: 4, Charts: 3})
	if err != nil || len(res.Charted) != 0 {
		t.Errorf("Generate in a clinic set up before: %+v, %v; want no charts", res, err)
	}
}
