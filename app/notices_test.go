package app_test

import (
	"testing"
	"time"

	"folio/app/feed"
)

// TestAnotherScreenHearsOfVitals: the front desk's screen hears that a
// clinician recorded vitals, and its re-read on hearing finds them.
func TestAnotherScreenHearsOfVitals(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	sub, err := ta.Feed().Subscribe("")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	other := ta.signIn(t, clinicianUsername, clinicianPassword, "room-3")
	if _, err := ta.Clinician.Chart.RecordVitals(p.ID, sampleVitals()); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-sub.C:
		if n.Topic != feed.Chart || n.PatientID != p.ID {
			t.Fatalf("notice %+v, want chart of %s", n, p.ID)
		}
		sets, err := other.Chart.Vitals(p.ID, 10)
		if err != nil || len(sets) != 1 {
			t.Fatalf("re-read on the notice: %d sets, %v", len(sets), err)
		}
	case <-time.After(time.Second):
		t.Fatal("no notice within 1 s")
	}
	// Reading the chart tells nobody anything.
	for len(sub.C) > 0 {
		<-sub.C
	}
	if _, err := other.Chart.Vitals(p.ID, 10); err != nil {
		t.Fatal(err)
	}
	if len(sub.C) != 0 {
		t.Errorf("a read published %+v", <-sub.C)
	}
}

// TestSlowScreenDoesNotHoldUpWrites: a screen that reads none of its
// notices is cut off (and told to resync), while the clinic's writes go on.
func TestSlowScreenDoesNotHoldUpWrites(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	stuck, err := ta.Feed().Subscribe("")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < feed.DefaultQueue+10; i++ {
			if _, err := ta.Clinician.Chart.RecordVitals(p.ID, sampleVitals()); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("writes held up by a screen that reads nothing")
	}
	for range stuck.C {
	}
	if stuck.Err() != feed.ErrLagged {
		t.Errorf("stuck screen's subscription ended with %v, want ErrLagged", stuck.Err())
	}
}
