package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"folio/app"
	"folio/app/feed"
)

type emitted struct {
	event string
	data  []any
}

// TestWindowHearsNotices: the desktop window's page hears the feed while
// signed in and unlocked, nothing while locked, and a resync once unlocked.
func TestWindowHearsNotices(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Open(ctx, t.TempDir(), app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const pw = "admin-password-1"
	if _, err := a.SetupClinic(app.SetupRequest{ClinicName: "Window Clinic", Username: "admin", FullName: "Ad Min", Password: pw}, "pc"); err != nil {
		t.Fatal(err)
	}
	window := a.NewSession("pc")
	auth := a.Services(window)[0].(*app.Auth)
	if _, err := auth.Login("admin", pw); err != nil {
		t.Fatal(err)
	}
	got := make(chan emitted, 10)
	go forwardNotices(ctx, a, window, func(event string, data ...any) { got <- emitted{event, data} })
	waitSubscribed(t, a)

	a.Feed().Publish(feed.Notice{Topic: feed.Users})
	if e := next(t, got); e.event != noticeEvent || len(e.data) != 1 || e.data[0].(feed.Notice).Topic != feed.Users {
		t.Fatalf("got %+v, want the users notice", e)
	}
	if err := auth.Lock(); err != nil {
		t.Fatal(err)
	}
	a.Feed().Publish(feed.Notice{Topic: feed.Chart, PatientID: "p1"})
	select {
	case e := <-got:
		t.Fatalf("a locked window heard %+v", e)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := auth.Unlock(pw); err != nil {
		t.Fatal(err)
	}
	if e := next(t, got); e.event != resyncEvent {
		t.Fatalf("after unlocking: %+v, want resync", e)
	}
}

func waitSubscribed(t *testing.T, a *app.App) {
	t.Helper()
	for i := 0; a.Feed().Subscribers() == 0; i++ {
		if i > 100 {
			t.Fatal("the window never subscribed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func next(t *testing.T, got chan emitted) emitted {
	t.Helper()
	select {
	case e := <-got:
		return e
	case <-time.After(3 * time.Second):
		t.Fatal("nothing emitted within 3 s")
	}
	return emitted{}
}
