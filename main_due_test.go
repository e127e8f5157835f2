package main

import (
	"encoding/csv"
	"strings"
	"testing"
)

// dueRows runs folio due with args and reads its CSV.
func dueRows(t *testing.T, args ...string) [][]string {
	t.Helper()
	out := mustFolio(t, append([]string{"due"}, args...)...)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("folio due printed no CSV: %v\n%s", err, out)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "mrn,rule_id,title,due_since,last_done,status" {
		t.Fatalf("header %v", rows)
	}
	return rows[1:]
}

func TestDueList(t *testing.T) {
	data := dataDir(t)
	mustFolio(t, "demo", "--patients", "40", "--charts", "3", "--seed", "7", "--data", data)

	due := dueRows(t, "--csv", "--as-of", "2026-12-07", "--data", data)
	all := dueRows(t, "--csv", "--all", "--as-of", "2026-12-07", "--data", data)
	if len(due) == 0 || len(all) <= len(due) {
		t.Fatalf("%d due rows, %d with --all; want some due, and more rules applying than due", len(due), len(all))
	}
	patients := map[string]bool{}
	for _, r := range due {
		patients[r[0]] = true
		if r[5] != "due" || r[3] > "2026-12-07" {
			t.Errorf("row %v is not due on 2026-12-07", r)
		}
	}
	if len(patients) < 30 {
		t.Errorf("%d of 40 adults due for something; every adult is due a screening or vaccine at least once", len(patients))
	}
	statuses := map[string]bool{}
	for _, r := range all {
		statuses[r[5]] = true
	}
	if !statuses["up_to_date"] || !statuses["due"] {
		t.Errorf("--all gave statuses %v; want due and up to date (the charted patients' vitals)", statuses)
	}

	one := dueRows(t, "--csv", "--rule", "influenza-vaccine", "--as-of", "2026-12-07", "--data", data)
	for _, r := range one {
		if r[1] != "influenza-vaccine" || r[2] != "Influenza vaccine, this season" {
			t.Errorf("--rule influenza-vaccine gave %v", r)
		}
	}
	if len(one) == 0 {
		t.Error("nobody is due this season's flu vaccine")
	}

	// What a patient is due for alone has its rule ids too.
	for _, r := range dueRows(t, "--csv", "--rule", "refill", "--all", "--data", data) {
		if r[1] != "refill" || r[2] != "Prescription refill" {
			t.Errorf("--rule refill gave %v", r)
		}
	}

	rules := mustFolio(t, "due", "--rules", "--data", data)
	if !strings.Contains(rules, "colorectal-cancer-screening,Colorectal cancer screening,screening,\"USPSTF") {
		t.Errorf("--rules printed %q", rules)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no format", []string{}, 2, "--csv"},
		{"unknown rule", []string{"--csv", "--rule", "no-such-rule"}, 2, "no care rule"},
		{"bad date", []string{"--csv", "--as-of", "07/12/2026"}, 2, "not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := folio(t, append([]string{"due", "--data", data}, tc.args...)...)
			if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) || out != "" {
				t.Errorf("exit %d (%v), printed %q; want %d saying %q and nothing printed", exitCode(err), err, out, tc.code, tc.says)
			}
		})
	}
}
