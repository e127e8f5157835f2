package app

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template blanks: the places a template leaves for the clinician to fill.
// A blank is a run of underscores standing alone ("_", "___"), not inside a
// word (snake_case is not a blank); blanks joined by slashes are one blank,
// so a blood pressure's "_/_" is filled (or waived) as one. A note keeps no
// blank when it is signed: each is filled, or waived with the marker below
// so the signed note says plainly what was not done. The visit screen finds
// them with the same rules (frontend/src/lib/blanks.ts).

// waivedBlank replaces a blank the clinician chose not to fill.
const waivedBlank = "[not assessed]"

// noteBlank is one blank of a note's part: the words before it that say
// what it asks for ("BP _/_"), and its line in the part, from 1.
type noteBlank struct {
	Label string
	Line  int
}

// blanksIn finds text's blanks in order.
func blanksIn(text string) []noteBlank {
	var out []noteBlank
	for n, line := range strings.Split(text, "\n") {
		for i := 0; i < len(line); {
			end := blankEnd(line, i)
			if end == i {
				i++
				continue
			}
			out = append(out, noteBlank{Label: blankLabel(line[:i], line[i:end]), Line: n + 1})
			i = end
		}
	}
	return out
}

// blankEnd is where the blank that starts at i in line ends, or i when none
// starts there.
func blankEnd(line string, i int) int {
	if line[i] != '_' || wordRuneBefore(line[:i]) {
		return i
	}
	j := i
	for j < len(line) && line[j] == '_' {
		j++
	}
	// "_/_": a pair read together.
	for j+1 < len(line) && line[j] == '/' && line[j+1] == '_' {
		j++
		for j < len(line) && line[j] == '_' {
			j++
		}
	}
	if r, _ := utf8.DecodeRuneInString(line[j:]); r != utf8.RuneError && isWordRune(r) {
		return i
	}
	return j
}

func wordRuneBefore(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r != utf8.RuneError && isWordRune(r)
}

// isWordRune is whether r makes an underscore part of a word, not a blank.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// blankLabel names a blank by the (at most three) words before it in its
// clause, or the words after it when it starts one: "BP _/_", "_ days".
func blankLabel(before, blank string) string {
	if k := strings.LastIndexAny(before, ".,;!?()"); k >= 0 {
		before = before[k+1:]
	}
	words := strings.Fields(before)
	if len(words) > 3 {
		words = words[len(words)-3:]
	}
	if len(words) == 0 {
		return blank
	}
	return strings.Join(words, " ") + " " + blank
}

// unfilledBlanks marks in fields each part of n that still has blanks,
// naming them: "2 blanks not filled: BP _/_ (line 4), Weight ___ (line 6)."
func (n NoteText) unfilledBlanks(fields fieldErrors) {
	for _, p := range []struct{ name, text string }{
		{"subjective", n.Subjective}, {"objective", n.Objective}, {"assessment", n.Assessment}, {"plan", n.Plan},
	} {
		blanks := blanksIn(p.text)
		if len(blanks) == 0 {
			continue
		}
		names := make([]string, len(blanks))
		for i, b := range blanks {
			names[i] = fmt.Sprintf("%s (line %d)", b.Label, b.Line)
		}
		count := "1 blank"
		if len(blanks) > 1 {
			count = fmt.Sprintf("%d blanks", len(blanks))
		}
		fields.add(p.name, fmt.Sprintf("%s not filled: %s. Fill each, or waive it as %s.", count,
			strings.Join(names, ", "), waivedBlank))
	}
}
