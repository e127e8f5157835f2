package db

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestRequestIDs: an id is recorded once per user, its answer kept after,
// and old ids pruned in batches, oldest first.
func TestRequestIDs(t *testing.T) {
	d := openTestDB(t)
	lee := addTestUser(t, d, "drlee", "clinician")
	kim := addTestUser(t, d, "drkim", "clinician")
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.RecordRequest(lee.ID, "req-1", "Chart/AddAllergy", testTime); err != nil {
			return err
		}
		if err := tx.RecordRequest(lee.ID, "req-1", "Chart/AddAllergy", testTime); !errors.Is(err, ErrDuplicate) {
			t.Errorf("the same user's id again: err = %v, want ErrDuplicate", err)
		}
		// Another user's id of the same name is theirs.
		return tx.RecordRequest(kim.ID, "req-1", "Patients/Register", testTime)
	})
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.KeepRequestAnswer(lee.ID, "req-1", 200, `{"id":"a-1"}`); err != nil {
			return err
		}
		// An id never recorded (its call wrote nothing) gets no row.
		if err := tx.KeepRequestAnswer(lee.ID, "req-none", 200, `{}`); err != nil {
			return err
		}
		r, err := tx.RequestAnswer(lee.ID, "req-1")
		if err != nil || r.Call != "Chart/AddAllergy" || r.Status != 200 || r.Answer != `{"id":"a-1"}` || !r.At.Equal(testTime) {
			t.Errorf("lee's req-1: %+v, %v", r, err)
		}
		if r, err := tx.RequestAnswer(kim.ID, "req-1"); err != nil || r.Call != "Patients/Register" || r.Status != 0 {
			t.Errorf("kim's req-1: %+v, %v", r, err)
		}
		if _, err := tx.RequestAnswer(lee.ID, "req-none"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an id never recorded: err = %v, want ErrNotFound", err)
		}
		return nil
	})

	// Five more ids an hour apart; prune those before the fourth hour in
	// batches of two.
	mustUpdate(t, d, func(tx *Tx) error {
		for i := 1; i <= 5; i++ {
			if err := tx.RecordRequest(lee.ID, fmt.Sprintf("later-%d", i), "Chart/AddAllergy", testTime.Add(time.Duration(i)*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	cutoff := testTime.Add(4 * time.Hour) // keeps later-4 and later-5
	for _, want := range []int{2, 2, 1, 0} {
		mustUpdate(t, d, func(tx *Tx) error {
			n, err := tx.PruneRequests(cutoff, 2)
			if n != want {
				t.Errorf("pruned %d, want %d", n, want)
			}
			return err
		})
	}
	mustUpdate(t, d, func(tx *Tx) error {
		n, err := tx.CountRequests()
		if n != 2 {
			t.Errorf("%d ids left, want 2", n)
		}
		for _, id := range []string{"later-4", "later-5"} {
			if _, err := tx.RequestAnswer(lee.ID, id); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
		return err
	})
}
