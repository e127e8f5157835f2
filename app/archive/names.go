package archive

import (
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pathProblem says why a file's path is not one Folio writes or accepts, or
// "" when it is. Whoever unpacks an archive may one day write its files to
// a disk, so only plain relative paths pass: no "..", no absolute paths, no
// backslashes or drive letters (which Windows reads as separators or
// roots), no control characters, nothing that names a directory.
func pathProblem(p string) string {
	switch {
	case p == "":
		return "an empty name"
	case len(p) > maxPathLength:
		return "a name longer than 255 bytes"
	case !utf8.ValidString(p):
		return "a name that is not valid text"
	case strings.ContainsAny(p, `\:`):
		return fmt.Sprintf("the name %q, with a backslash or colon", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Sprintf("the absolute name %q", p)
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return fmt.Sprintf("the name %q, with a control character", p)
	case path.Clean(p) != p:
		return fmt.Sprintf("the name %q, which is not a plain path", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." || part == "." {
			return fmt.Sprintf("the name %q, which leads outside the archive", p)
		}
	}
	return ""
}

// nameKey is how two names are compared for duplicates: case-insensitive,
// because "Letter.pdf" and "letter.pdf" are one file on Windows and macOS.
func nameKey(p string) string { return strings.ToLower(p) }

// reserved tells whether p is one of the archive's own entries, which no
// file may take the name of.
func reserved(p string) bool {
	k := nameKey(p)
	return k == manifestName || k == signatureName
}

// mediaTypeProblem says why a media type is not acceptable, or "".
func mediaTypeProblem(t string) string {
	if len(t) > 255 {
		return "a media type longer than 255 bytes"
	}
	if _, _, err := mime.ParseMediaType(t); err != nil || !strings.Contains(t, "/") {
		return fmt.Sprintf("the media type %q, which is not valid", t)
	}
	return ""
}

// clinicProblem says why a clinic name cannot be shown as a sender, or "".
func clinicProblem(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "no clinic name"
	case utf8.RuneCountInString(name) > maxClinicLength || !utf8.ValidString(name):
		return "a clinic name that is too long or not valid text"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "a clinic name with a control character"
	}
	return ""
}
