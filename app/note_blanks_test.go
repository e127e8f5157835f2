package app_test

import (
	"testing"

	"folio/app"
)

// A note from a template is signed only once its blanks are filled or
// waived; the refusal names each blank by its words and line, and writes
// nothing.
func TestSignRefusesUnfilledBlanks(t *testing.T) {
	ta := newTestApp(t)
	for _, tc := range []struct {
		name   string
		note   app.NoteText
		fields map[string]string // part: its message; none when it signs
	}{
		{"a blood pressure pair is one blank",
			app.NoteText{Objective: "BP _/_ sitting.", Plan: "review"},
			map[string]string{"objective": "1 blank not filled: BP _/_ (line 1). Fill each, or waive it as [not assessed]."}},
		{"two blanks on their lines",
			app.NoteText{Objective: "Alert.\nBP _/_\nTemp 36.8\nWeight ___", Plan: "review"},
			map[string]string{"objective": "2 blanks not filled: BP _/_ (line 2), Weight ___ (line 4). Fill each, or waive it as [not assessed]."}},
		{"blanks in two parts, named by the words before them in their clause",
			app.NoteText{Subjective: "Cough, sore throat and runny nose for _ days.", Plan: "Recheck in _ months."},
			map[string]string{
				"subjective": "1 blank not filled: runny nose for _ (line 1). Fill each, or waive it as [not assessed].",
				"plan":       "1 blank not filled: Recheck in _ (line 1). Fill each, or waive it as [not assessed].",
			}},
		{"a blank that starts its line is named by itself",
			app.NoteText{Assessment: "_ controlled."},
			map[string]string{"assessment": "1 blank not filled: _ (line 1). Fill each, or waive it as [not assessed]."}},
		{"underscores inside words are not blanks",
			app.NoteText{Subjective: "sent file_name.pdf and __init__ logs", Plan: "review"}, nil},
		{"filled and waived blanks sign",
			app.NoteText{Objective: "BP 128/82. Weight [not assessed].", Plan: "Recheck in 3 months."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e := openVisit(t, ta)
			e, err := ta.Clinician.Chart.SaveDraft(e.ID, tc.note, e.Note.DraftVersion)
			if err != nil {
				t.Fatal(err)
			}
			before := ta.counts(t)
			signed, err := ta.Clinician.Chart.SignNote(e.ID, e.Version)
			if tc.fields == nil {
				if err != nil || signed.Status != "signed" {
					t.Fatalf("sign: %+v, %v; want signed", signed.Status, err)
				}
				return
			}
			ferr := wantKind(t, err, app.Invalid)
			if len(ferr.Fields) != len(tc.fields) {
				t.Errorf("fields = %v, want %v", ferr.Fields, tc.fields)
			}
			for part, want := range tc.fields {
				if got := ferr.Fields[part]; got != want {
					t.Errorf("%s: %q, want %q", part, got, want)
				}
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused signature wrote: before %+v, after %+v", before, after)
			}
			still, err := ta.Clinician.Chart.Encounter(e.ID)
			if err != nil || still.Status != "open" {
				t.Errorf("after the refusal: %s, %v; want still open", still.Status, err)
			}
		})
	}
}
