package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"folio/app"
	"folio/db"
)

// The demo's remote monitoring: some charted patients send home readings,
// so a new user finds the clinicians' Readings to review list filled. Of
// every three charted patients, the first (diabetes and hypertension) is
// enrolled with BP and glucose targets and runs above its BP target; the
// second has readings brought in from a file but is not enrolled yet; the
// third is enrolled with a weight-gain target and has gained weight this
// week. Readings older than monitoringFresh days were reviewed.

const (
	monitoringDays  = 90 // a few months of readings
	monitoringFresh = 5  // the last days' readings are new since the last review
)

// writeMonitoring gives a charted patient (the nth charted) home readings
// and, for some, an enrolment and a review.
func writeMonitoring(a *app.App, chart *app.Chart, patientID, clinicianID string, n int, r *rand.Rand, today time.Time) error {
	enrolled := n%3 != 1
	days := monitoringDays
	if !enrolled {
		days = 30
	}
	start := today.AddDate(0, 0, -days)
	if enrolled {
		in := app.EnrolmentInput{Device: "Omron M7 Intelli IT (BP cuff)", StartedOn: start.Format("2006-01-02"),
			ConsentNote: "Verbal consent from the patient after the program, its cost sharing and data use were explained.",
			Targets:     app.MonitoringTargets{SystolicBelow: fp(130), DiastolicBelow: fp(80)}}
		if n%3 == 0 {
			in.Device += " and Contour Next glucose meter"
			in.Targets.GlucoseLow, in.Targets.GlucoseHigh = fp(80), fp(180)
		} else {
			in.Device = "Withings Body+ scale and BPM Connect"
			in.Targets.WeightGainKg = fp(2)
		}
		if _, err := chart.EnrolMonitoring(patientID, in); err != nil {
			return fmt.Errorf("enrol: %w", err)
		}
	}
	older, fresh := demoReadings(patientID, n, days, r, today)
	if err := importReadings(a, patientID, clinicianID, "older", older, today.AddDate(0, 0, -monitoringFresh)); err != nil {
		return err
	}
	if enrolled {
		if _, err := chart.ReviewReadings(patientID, 12+r.IntN(10), "Reviewed home readings with the patient by phone."); err != nil {
			return fmt.Errorf("review: %w", err)
		}
	}
	if err := importReadings(a, patientID, clinicianID, "this week", fresh, today); err != nil {
		return err
	}
	// The readings went straight into the database: the Readings to
	// review list is made for them as an import would.
	_, err := a.MakeReadingsToReview(context.Background(), patientID)
	return err
}

func fp(f float64) *float64 { return &f }

// demoReadings are the nth charted patient's readings over days up to
// today: those taken before the last monitoringFresh days, and those after.
func demoReadings(patientID string, n, days int, r *rand.Rand, today time.Time) (older, fresh []db.HomeReading) {
	freshFrom := today.AddDate(0, 0, -monitoringFresh)
	weight := 74 + float64(r.IntN(20))
	for d := days; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		add := func(kind string, hour, minute int, set func(*db.HomeReading)) {
			taken := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, time.Local)
			if taken.After(today) {
				return
			}
			h := db.HomeReading{ID: fmt.Sprintf("%s-demo-%s-%d-%02d", patientID, kind, d, hour), PatientID: patientID,
				TakenAt: taken.UTC(), TakenLocal: taken.Format("2006-01-02T15:04"), Kind: kind, Source: "file",
				Status: "final", Version: 1, Codes: "[]"}
			set(&h)
			h.DedupKey = h.ID
			if taken.Before(freshFrom) {
				older = append(older, h)
			} else {
				fresh = append(fresh, h)
			}
		}
		if r.IntN(10) == 0 {
			continue // a day without readings
		}
		// Morning pressures run higher; the first patient of three stays
		// above target, more so this week.
		base := 124.0
		if n%3 == 0 {
			base = 134
			if d < monitoringFresh {
				base = 146
			}
		}
		for _, at := range []struct{ hour, extra int }{{7, 6}, {21, 0}} {
			sys := math.Round(base + float64(at.extra) + float64(r.IntN(13)-6))
			dia := math.Round(sys*0.6) + float64(r.IntN(7)-3)
			pulse := float64(60 + r.IntN(25))
			add("bp", at.hour, 10+r.IntN(30), func(h *db.HomeReading) { h.Systolic, h.Diastolic, h.Pulse = &sys, &dia, &pulse })
		}
		switch n % 3 {
		case 0:
			g := float64(95 + r.IntN(70))
			if r.IntN(12) == 0 {
				g = float64(190 + r.IntN(60)) // after a large meal
			}
			add("glucose", 6, 45, func(h *db.HomeReading) { h.GlucoseMgDl, h.GlucoseContext = &g, "fasting" })
		default:
			w := weight + float64(r.IntN(9)-4)/10
			if n%3 == 2 && d < monitoringFresh {
				w += 2.6 // fluid: the heart-failure warning sign
			}
			w = math.Round(w*10) / 10
			add("weight", 7, 0, func(h *db.HomeReading) { h.WeightKg = &w })
		}
	}
	return older, fresh
}

// importReadings writes readings as one file brought in at, with its
// reading_imports row, as the import side would.
func importReadings(a *app.App, patientID, clinicianID, what string, readings []db.HomeReading, at time.Time) error {
	if len(readings) == 0 {
		return nil
	}
	importID := fmt.Sprintf("%s-demo-import-%d", patientID, at.Unix())
	return a.DB().Update(context.Background(), func(tx *db.Tx) error {
		if err := tx.InsertReadingImport(db.ReadingImport{ID: importID, PatientID: patientID, Format: "omron",
			FileName: "readings-" + what + ".csv", Device: "Omron M7", RowsRead: len(readings), RowsAdded: len(readings),
			ImportedAt: at, ImportedBy: clinicianID}); err != nil {
			return err
		}
		for _, h := range readings {
			h.ImportID, h.Device = importID, "Omron M7"
			h.CreatedAt, h.CreatedBy, h.UpdatedAt, h.UpdatedBy = at, clinicianID, at, clinicianID
			if _, err := tx.InsertHomeReading(h); err != nil {
				return fmt.Errorf("demo home reading: %w", err)
			}
		}
		return nil
	})
}
