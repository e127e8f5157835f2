package db

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestImportsAreKept checks the import tables at the storage level: an
// item is decided once, a finished import keeps its decision and what was
// received, nothing is deleted, and only a merge still moves a finished
// import to another chart.
func TestImportsAreKept(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "drlee", "clinician")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	survivor := addTestPatient(t, d, u, 2, "Rivera", "Ana S")
	im := Import{ID: "i-1", FileName: "referral.json", FileSHA256: strings.Repeat("ab", 32), Kind: ImportFHIRJSON,
		Signature: SignatureUnsigned, SourceOrg: "Hillside", Received: `{"patient":{"identifiers":[{"system":"urn:x","value":"7"}]}}`,
		Counts: `{}`, Status: ImportReviewing, ImportedAt: testTime, ImportedBy: u.ID}
	items := []ImportItem{
		{ID: "it-1", ImportID: im.ID, Seq: 0, Kind: "problem", ResourceType: "Condition", ResourceID: "c1", Display: "Asthma",
			Raw: `{"resourceType":"Condition"}`, Suggested: ItemAccept, Decision: ItemPending},
		{ID: "it-2", ImportID: im.ID, Seq: 1, Kind: "unmapped", ResourceType: "Encounter", ResourceID: "e1", Display: "Visit",
			Raw: `{"resourceType":"Encounter"}`, Suggested: ItemKeptOriginal, Decision: ItemKeptOriginal, DecidedAt: testTime, DecidedBy: u.ID},
	}
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.InsertImport(im); err != nil {
			return err
		}
		for _, it := range items {
			if err := tx.InsertImportItem(it); err != nil {
				return err
			}
		}
		if err := tx.ChooseImportItem("it-1", ItemSkip); err != nil {
			return err
		}
		if err := tx.MatchImport(im.ID, p.ID); err != nil {
			return err
		}
		// An accepted item must name its record.
		if err := tx.DecideImportItem(ImportItem{ID: "it-1", Decision: ItemAccepted, DecidedAt: testTime, DecidedBy: u.ID}); err == nil {
			t.Error("accepted without a record: allowed")
		}
		if err := tx.DecideImportItem(ImportItem{ID: "it-1", Decision: ItemAccepted, RecordEntity: "problem", RecordID: "pr-1",
			DecidedAt: testTime, DecidedBy: u.ID}); err != nil {
			return err
		}
		if err := tx.DecideImportItem(ImportItem{ID: "it-1", Decision: ItemSkipped, DecidedAt: testTime, DecidedBy: u.ID}); !errors.Is(err, ErrConflict) {
			t.Errorf("deciding twice: %v", err)
		}
		return tx.CloseImport(im.ID, ImportDone, u.ID, testTime)
	})
	err := d.View(context.Background(), func(tx *Tx) error {
		if ids, err := tx.PatientsImportedAs("urn:x", "7"); err != nil || len(ids) != 1 || ids[0] != p.ID {
			t.Errorf("imported as: %v, %v", ids, err)
		}
		if sources, err := tx.ImportSources(p.ID); err != nil || len(sources) != 1 || sources[0].RecordID != "pr-1" {
			t.Errorf("sources %+v, %v", sources, err)
		}
		if kept, err := tx.KeptOriginals(p.ID); err != nil || len(kept) != 1 || kept[0].Raw != `{"resourceType":"Encounter"}` {
			t.Errorf("kept %+v, %v", kept, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, d.Path())
	for _, stmt := range []string{
		`DELETE FROM imports`,
		`DELETE FROM import_items`,
		`UPDATE import_items SET decision = 'skipped' WHERE id = 'it-1'`,
		`UPDATE import_items SET note = 'x' WHERE id = 'it-2'`,
		`UPDATE imports SET status = 'abandoned'`,
		`UPDATE imports SET patient_id = 'p-2'`,
		`UPDATE imports SET file_sha256 = '` + strings.Repeat("0", 64) + `'`,
		`UPDATE imports SET received = '{}'`,
	} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
	// A merge moves the finished import with its chart.
	mustUpdate(t, d, func(tx *Tx) error {
		_, err := tx.MergePatients(survivor, p, u.ID, testTime, "same person")
		return err
	})
	err = d.View(context.Background(), func(tx *Tx) error {
		moved, err := tx.PatientImports(survivor.ID)
		if err != nil || len(moved) != 1 || moved[0].Status != ImportDone {
			t.Errorf("survivor's imports %+v, %v", moved, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
