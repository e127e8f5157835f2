package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"folio/app/feed"
)

// TestEveryAuditActionIsClassified makes whoever adds an audit action say
// whether it changes what other screens show (changeTopics) or not
// (readActions): a change left out would leave screens stale, and a read
// taken for a change would make screens re-read each other for ever.
func TestEveryAuditActionIsClassified(t *testing.T) {
	literal := regexp.MustCompile(`audit\("([a-z_.]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := filepath.Glob("*/*.go")
	seen := 0
	for _, name := range append(files, sub...) {
		if filepath.Ext(name) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(name) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			seen++
			action := m[1]
			_, change := changeTopics[action]
			if change == readActions[action] {
				t.Errorf("%s: audit action %q must be in exactly one of changeTopics and readActions", name, action)
			}
		}
	}
	if seen < 50 {
		t.Fatalf("found only %d audit calls: has the pattern changed?", seen)
	}
	for action := range changeTopics {
		if readActions[action] {
			t.Errorf("%q is both a change and a read", action)
		}
	}
}

func TestNoticesArePublishedAfterCommitOnly(t *testing.T) {
	a, err := Open(context.Background(), t.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	sub, err := a.Feed().Subscribe("")
	if err != nil {
		t.Fatal(err)
	}
	failed := errors.New("validation failed after the audit entry")
	tests := []struct {
		name   string
		action string
		err    error
		want   []feed.Notice
	}{
		{"rolled back", "vitals.record", failed, nil},
		{"a read", "chart.open", nil, nil},
		{"committed", "vitals.record", nil, []feed.Notice{{Topic: feed.Chart, Record: "vitals", PatientID: "p1"},
			{Topic: feed.Lists, Record: "vitals", PatientID: "p1"}}},
		{"several entries, one notice each", "allergy.add", nil, []feed.Notice{{Topic: feed.Chart, Record: "allergy", PatientID: "p1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.actAs(actor{}, func(o *op) error {
				for i := 0; i < 2; i++ {
					if err := o.audit(tt.action, "p1", "", ""); err != nil {
						return err
					}
				}
				select {
				case n := <-sub.C:
					t.Errorf("notice %+v before the commit", n)
				default:
				}
				return tt.err
			})
			if (err != nil) != (tt.err != nil) {
				t.Fatalf("err = %v", err)
			}
			for _, want := range tt.want {
				select {
				case n := <-sub.C:
					if n.Topic != want.Topic || n.Record != want.Record || n.PatientID != want.PatientID || n.ID == "" {
						t.Errorf("got %+v, want %+v", n, want)
					}
				default:
					t.Errorf("no %s notice after the commit", want.Topic)
				}
			}
			select {
			case n := <-sub.C:
				t.Errorf("unexpected notice %+v", n)
			default:
			}
		})
	}
}
