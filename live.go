package main

import (
	"context"
	"errors"
	"time"

	"folio/app"
	"folio/app/feed"
)

// Events the desktop window's page hears (see frontend/src/lib/api.ts).
const (
	noticeEvent = "folio:notice" // a feed.Notice: something changed
	resyncEvent = "folio:resync" // notices were missed: read everything shown again
)

// forwardNotices hands the change feed to the desktop window's page until
// ctx ends, the way serve mode streams it to a browser. Nothing goes out
// while nobody is signed in at the window or it is locked; once it may read
// again the page hears resyncEvent. emit is the Wails runtime's EventsEmit
// (a plain function here, so that builds and tests need no webview).
func forwardNotices(ctx context.Context, a *app.App, session *app.Session, emit func(event string, data ...any)) {
	sub, err := a.Feed().Subscribe("")
	if err != nil {
		return
	}
	defer func() { sub.Close() }()
	check := time.NewTicker(time.Second)
	defer check.Stop()
	missed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			if missed && a.CheckSession(session) == nil {
				missed = false
				emit(resyncEvent)
			}
		case n, ok := <-sub.C:
			switch {
			case !ok && errors.Is(sub.Err(), feed.ErrLagged):
				if sub, err = a.Feed().Subscribe(""); err != nil {
					return
				}
				missed = true
			case !ok:
				return // Folio is closing
			case n.Origin == any(session):
				// The window's own change: it has read it again by itself.
			case a.CheckSession(session) != nil:
				missed = true
			case missed:
				missed = false
				emit(resyncEvent)
			default:
				emit(noticeEvent, n)
			}
		}
	}
}
