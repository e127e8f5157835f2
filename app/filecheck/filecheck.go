// Package filecheck tells what a file brought into a chart is, and refuses
// one that only starts like a PDF or a picture. A file that begins with
// "%PDF-" or a PNG signature and carries a web page after it (a polyglot)
// is harmless while Folio shows it as what it claims to be, but becomes a
// web page the moment a browser, a mail program or another system treats it
// as one. So a picture is decoded whole and must end where its format says
// it ends; a PDF must have the structure a PDF reader follows (its header,
// its cross-reference table or stream, "%%EOF" at the end); and neither may
// carry HTML or script where it has no business (a PDF outside its streams,
// a picture in its text and metadata, any file in the first bytes a
// browser's sniffer reads).
//
// Problems are said in the user's words: what is wrong with the file and
// what to do about it.
package filecheck

import (
	"bytes"
	"fmt"
	"image"
)

// The types Check accepts. A browser shows each without running anything
// in it; the rest (HTML, SVG, XML, scripts) are never accepted.
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	WebP = "image/webp"
)

// MaxPixels bounds a picture's size once decoded: a file of a few
// kilobytes can claim a picture of billions of pixels, and decoding it
// would take gigabytes. 64 megapixels holds a 600 dpi colour scan of an A4
// page (35 megapixels) and the photos of every phone's usual setting;
// decoding one takes at most 256 MB.
const MaxPixels = 64_000_000

// sniffWindow is how much of the start of any file is searched for web
// markup whatever the format: more than any browser's sniffer reads.
const sniffWindow = 2048

// Check tells a file's type from its bytes (never its name) and checks it
// whole, or says in the user's words why it cannot be attached. It accepts
// PDF, PNG, JPEG and WebP.
func Check(data []byte) (mediaType, problem string) {
	return check(data, true)
}

// Recheck is Check for a file already stored, to be shown again: all of
// Check but decoding pictures, which takes a second for a large photo.
// What makes a file safe to show (nothing after its end, no web markup,
// a PDF's structure) is all checked; a picture's pixels were decoded when
// it was attached, and a damaged picture stored before that shows as a
// blank, harmlessly.
func Recheck(data []byte) (mediaType, problem string) {
	return check(data, false)
}

func check(data []byte, decode bool) (mediaType, problem string) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		mediaType, problem = PDF, checkPDF(data)
	case bytes.HasPrefix(data, pngSignature):
		mediaType, problem = PNG, checkPNG(data, decode)
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		mediaType, problem = JPEG, checkJPEG(data, decode)
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		mediaType, problem = WebP, checkWebP(data, decode)
	case bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*")):
		return "", "TIFF scans cannot be shown in Folio; save the scan as PDF, PNG or JPEG."
	default:
		return "", "Attach a PDF, PNG, JPEG or WebP file; this file's contents are none of these, whatever its name says."
	}
	if problem == "" && hasWebMarkup(data[:min(len(data), sniffWindow)]) {
		problem = webMarkupProblem(label[mediaType])
	}
	if problem != "" {
		return "", problem
	}
	return mediaType, ""
}

// label names a type as the user knows it.
var label = map[string]string{PDF: "PDF", PNG: "PNG", JPEG: "JPEG", WebP: "WebP"}

// Extension is the file name extension of an accepted type, "" for others.
func Extension(mediaType string) string {
	return map[string]string{PDF: ".pdf", PNG: ".png", JPEG: ".jpg", WebP: ".webp"}[mediaType]
}

func damagedPicture(kind string) string {
	return fmt.Sprintf("This %s picture is damaged and cannot be shown. Save it again from the scanner or camera "+
		"and upload that copy.", kind)
}

func extraAfterPicture(kind string) string {
	return fmt.Sprintf("This file is not a valid %s image: it has extra data after the picture. Save it again "+
		"from the scanner or camera and upload that copy.", kind)
}

func webMarkupProblem(kind string) string {
	return fmt.Sprintf("This %s file carries web page code (HTML or script) inside it, which Folio does not accept. "+
		"Save it again from the program that made it and upload that copy.", kind)
}

// checkPixels refuses a picture too large to decode, before decoding it.
func checkPixels(cfg image.Config, kind string) string {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return damagedPicture(kind)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return fmt.Sprintf("This picture is %d × %d pixels (%.0f megapixels); Folio takes pictures of up to %d megapixels. "+
			"Save it at a lower resolution and upload that copy.", cfg.Width, cfg.Height,
			float64(cfg.Width)*float64(cfg.Height)/1e6, MaxPixels/1_000_000)
	}
	return ""
}

// webTags are the elements that make a file dangerous once something
// reads it as a web page: the page itself, and every element that runs
// script, loads from elsewhere or takes input (an <img onerror=...> runs
// anywhere in a page, whatever binary comes before it). Elements that only
// format text (<p>, <b>, <a>) are left out: their short names turn up by
// chance in compressed data, and they run nothing.
var webTags = []string{"!doctype", "html", "head", "body", "script", "iframe", "frame", "frameset", "object", "embed",
	"applet", "svg", "math", "img", "image", "video", "audio", "meta", "base", "link", "form", "input", "button",
	"select", "textarea", "details", "style", "template"}

// hasWebMarkup tells whether b holds the start of one of webTags, in any
// case, followed by what ends a tag's name.
func hasWebMarkup(b []byte) bool {
	for i := bytes.IndexByte(b, '<'); i >= 0; {
		rest := b[i+1:]
		for _, tag := range webTags {
			if len(rest) > len(tag) && bytes.EqualFold(rest[:len(tag)], []byte(tag)) && endsTagName(rest[len(tag)]) {
				return true
			}
		}
		next := bytes.IndexByte(rest, '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func endsTagName(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '/', '>':
		return true
	}
	return false
}
