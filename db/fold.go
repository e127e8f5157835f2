package db

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold lowercases s, strips accents and collapses punctuation and spaces, so
// that "Núñez-O'Brien" and "nunez obrien" sort and match alike. Letters that
// carry no separable accent (ø, æ, ß, ł, ...) are spelled in plain Latin as
// a keyboard without them would type them.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		folded = strings.ToLower(s)
	}
	var b strings.Builder
	space := false
	for _, r := range folded {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(plainLetter(r))
		case r == '\'' || r == '’':
			// O'Brien is one name: keep its letters together.
		default:
			space = true
		}
	}
	return b.String()
}

// plainLetter spells a lowercase letter that Unicode does not decompose
// into a base letter and a mark in the Latin letters it is read as.
func plainLetter(r rune) string {
	switch r {
	case 'ø':
		return "o"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ß':
		return "ss"
	case 'ł':
		return "l"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'ħ':
		return "h"
	case 'ı':
		return "i"
	case 'ŀ':
		return "l"
	case 'ŧ':
		return "t"
	}
	return string(r)
}

// Digits keeps only the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
