package app

import (
	"strings"
	"testing"
	"time"

	"folio/db"
)

// TestSupplyRunsOut reads prescriptions as clinicians write them: the day the
// supply runs out, or none when Folio cannot tell for certain.
func TestSupplyRunsOut(t *testing.T) {
	asOf := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		dose, frequency, quantity string
		refills                   int
		source                    string
		wantDue, wantText         string
	}{
		{"500 mg", "twice a day", "60 tablets", 0, db.MedPrescribedHere, "2026-12-17", "supply runs out 2026-12-31"},
		{"500 mg", "BID", "60 tabs", 2, db.MedPrescribedHere, "2027-02-15", "supply runs out 2027-03-01"},
		{"1 tablet", "once daily", "30 tablets", 0, db.MedPrescribedHere, "2026-12-17", "runs out 2026-12-31"},
		{"2 tablets", "three times a day", "60 tablets", 1, db.MedPrescribedHere, "2026-12-07", "supply runs out 2026-12-21"},
		{"5 mL", "every 8 hours", "150 mL", 2, db.MedPrescribedHere, "2026-12-17", "runs out 2026-12-31"},
		{"2 tablets", "once a day", "10 tablets", 1, db.MedPrescribedHere, "2026-11-27", "supply runs out 2026-12-11"},
		{"1 tablet", "once a day", "2 tablets", 1, db.MedPrescribedHere, "2026-11-21", "supply ran out 2026-12-05"},
		// A week's course with no refills just ends.
		{"500 mg", "three times a day", "21 capsules", 0, db.MedPrescribedHere, "", ""},
		// 4 weekly tablets last 28 days, twice.
		{"10 mg", "once a week", "4 tablets", 1, db.MedPrescribedHere, "2027-01-12", "runs out 2027-01-26"},
		{"75 mcg", "once a day before breakfast", "30 tablets", 11, db.MedPrescribedHere, "2027-11-12", "runs out 2027-11-26"},
		{"2 puffs", "as needed for wheeze", "1 inhaler", 0, db.MedPrescribedHere, "2026-12-22", "no refills left"},
		{"2 puffs", "twice a day", "1 inhaler", 3, db.MedPrescribedHere, "", ""},
		{"", "", "", 0, db.MedElsewhere, "", ""},
	} {
		m := db.Medication{DrugName: "drug", Dose: c.dose, Frequency: c.frequency, Quantity: c.quantity,
			Refills: c.refills, StartDate: "2026-12-01", Source: c.source}
		due, text := refillDue(m, asOf)
		if due != c.wantDue || (c.wantText != "" && !strings.Contains(text, c.wantText)) {
			t.Errorf("%q %q %q %d refills: due %q %q, want %q %q", c.dose, c.frequency, c.quantity, c.refills, due, text,
				c.wantDue, c.wantText)
		}
	}
}
