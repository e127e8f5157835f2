package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func homeBP(id string, p Patient, by User, at time.Time, sys, dia float64) HomeReading {
	return HomeReading{ID: id, PatientID: p.ID, TakenAt: at, TakenLocal: at.Format("2006-01-02T15:04"), Kind: "bp",
		Systolic: &sys, Diastolic: &dia, Source: ReadingFromFile, DedupKey: fmt.Sprintf("bp|%s|%v|%v", at.Format(time.RFC3339), sys, dia),
		Status: HomeReadingFinal, Version: 1, CreatedAt: testTime, CreatedBy: by.ID, UpdatedAt: testTime, UpdatedBy: by.ID}
}

// TestMergeMovesHomeReadings: the duplicate's readings, imports and device
// tokens go to the survivor, each reading keeping its revision; a reading
// both charts had moves retracted as the survivor's duplicate, so the
// survivor counts it once and nothing is lost.
func TestMergeMovesHomeReadings(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t)
	u := addTestUser(t, d, "admin", "admin")
	survivor := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	dup := addTestPatient(t, d, u, 2, "Rievra", "Ana")
	morning := testTime.Add(-48 * time.Hour)
	mustUpdate(t, d, func(tx *Tx) error {
		for _, r := range []HomeReading{
			homeBP("r-both-s", survivor, u, morning, 130, 80),
			homeBP("r-both-d", dup, u, morning, 130, 80),
			homeBP("r-dup-only", dup, u, morning.Add(time.Hour), 125, 78),
		} {
			if added, err := tx.InsertHomeReading(r); err != nil || !added {
				return fmt.Errorf("insert %s: added %v, %w", r.ID, added, err)
			}
		}
		if err := tx.InsertReadingImport(ReadingImport{ID: "imp-1", PatientID: dup.ID, Format: "withings-bp",
			RowsRead: 2, RowsAdded: 2, ImportedAt: testTime, ImportedBy: u.ID}); err != nil {
			return err
		}
		return tx.InsertDeviceToken(DeviceToken{ID: "tok-1", PatientID: dup.ID, TokenSHA256: "abc", CreatedAt: testTime,
			CreatedBy: u.ID})
	})
	mustUpdate(t, d, func(tx *Tx) error {
		_, err := tx.MergePatients(survivor, dup, u.ID, testTime, "same person")
		return err
	})
	err := d.View(ctx, func(tx *Tx) error {
		rows, err := tx.HomeReadings(survivor.ID, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		status := map[string]string{}
		for _, r := range rows {
			status[r.ID] = r.Status
			if r.ID != "r-both-s" && r.Version != 2 {
				t.Errorf("%s version %d, want 2 (moved)", r.ID, r.Version)
			}
		}
		want := map[string]string{"r-both-s": HomeReadingFinal, "r-both-d": EnteredInError, "r-dup-only": HomeReadingFinal}
		if fmt.Sprint(status) != fmt.Sprint(want) {
			t.Errorf("survivor's readings %v, want %v", status, want)
		}
		if left, _ := tx.HomeReadings(dup.ID, time.Time{}, time.Time{}); len(left) != 0 {
			t.Errorf("%d readings left on the merged chart", len(left))
		}
		var revisions int
		if err := tx.tx.QueryRow(`SELECT count(*) FROM revisions WHERE entity = 'home_reading'`).Scan(&revisions); err != nil {
			return err
		}
		if revisions != 2 {
			t.Errorf("%d revisions kept, want 2", revisions)
		}
		if imports, _ := tx.ReadingImports(survivor.ID); len(imports) != 1 {
			t.Errorf("survivor's imports %+v", imports)
		}
		if tokens, _ := tx.DeviceTokens(survivor.ID); len(tokens) != 1 {
			t.Errorf("survivor's tokens %+v", tokens)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHomeReadingsAreRetractedNotChanged: a retraction keeps the reading
// as it was in revisions; the database refuses an update without one, and
// any delete.
func TestHomeReadingsAreRetractedNotChanged(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "doc", "clinician")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	r := homeBP("r-1", p, u, testTime.Add(-time.Hour), 130, 80)
	mustUpdate(t, d, func(tx *Tx) error { _, err := tx.InsertHomeReading(r); return err })
	mustUpdate(t, d, func(tx *Tx) error {
		next := r
		next.Status, next.RetractReason, next.UpdatedAt, next.UpdatedBy = EnteredInError, "cuff on the wrong arm", testTime, u.ID
		saved, err := tx.UpdateHomeReading(next, "cuff on the wrong arm")
		if err == nil && (saved.Version != 2 || saved.Status != EnteredInError || *saved.Systolic != 130) {
			t.Errorf("retracted %+v", saved)
		}
		return err
	})
	conn := rawConn(t, d.Path())
	for _, stmt := range []string{`UPDATE home_readings SET systolic = 99`, `DELETE FROM home_readings`} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
}
