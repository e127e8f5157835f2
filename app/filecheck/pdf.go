package filecheck

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"regexp"
	"strconv"
)

// The structure a PDF reader follows (ISO 32000-1, 7.5): a header line
// "%PDF-1.x" (or 2.0); objects; a cross-reference table ("xref") or stream
// (an object of /Type /XRef) giving each object's place in the file, with
// a trailer naming the document's root; "startxref" and the offset of the
// last cross-reference section; "%%EOF". A file saved again by appending
// (an incremental update) has several sections, each naming the one before
// it (/Prev). checkPDF follows them all and checks that every object they
// place is where they say.

const (
	pdfDamaged = "This PDF is damaged: its table of contents (the cross-reference table) is missing or does not " +
		"match the file, so a PDF reader would have to guess. Save or print it to PDF again, or scan it again, " +
		"and upload that copy."
	pdfExtra = "This file is not a valid PDF: it has extra data after its end. Save or print it to PDF again and " +
		"upload that copy."
	pdfIncomplete = "This PDF is incomplete: its end is missing (it may not have finished downloading or copying). " +
		"Save or print it to PDF again and upload that copy."
	pdfHeader = "This file starts like a PDF but its first line is not a PDF version. Save or print it to PDF " +
		"again and upload that copy."
)

// maxXrefSections bounds how many incremental updates are followed.
const maxXrefSections = 1000

var pdfVersion = regexp.MustCompile(`^%PDF-(1\.[0-7]|2\.0)[\r\n \t%]`)

func checkPDF(data []byte) string {
	if !pdfVersion.Match(data[:min(len(data), 16)]) {
		return pdfHeader
	}
	end := len(bytes.TrimRight(data, "\x00\t\n\f\r "))
	eof := bytes.LastIndex(data, []byte("%%EOF"))
	switch {
	case eof < 0:
		return pdfIncomplete
	case eof+5 != end:
		return pdfExtra
	}
	outside, ok := outsideStreams(data)
	if !ok {
		return pdfDamaged
	}
	for _, part := range outside {
		if hasWebMarkup(part) {
			return webMarkupProblem("PDF")
		}
	}
	if !checkXref(data, eof) {
		return pdfDamaged
	}
	return ""
}

// outsideStreams cuts a PDF into the parts outside its streams' data
// (dictionaries, strings, comments and the cross-reference table). A
// stream is the keyword "stream" after a dictionary's ">>", then an end of
// line; its data runs to "endstream".
func outsideStreams(data []byte) ([][]byte, bool) {
	var parts [][]byte
	from := 0
	for at := 0; ; {
		k := bytes.Index(data[at:], []byte("stream"))
		if k < 0 {
			return append(parts, data[from:]), true
		}
		k += at
		at = k + len("stream")
		start, isStream := streamDataStart(data, k)
		if !isStream {
			continue
		}
		stop := bytes.Index(data[start:], []byte("endstream"))
		if stop < 0 {
			return nil, false
		}
		parts = append(parts, data[from:k])
		from = start + stop
		at = from + len("endstream")
	}
}

// streamDataStart tells whether the "stream" at k starts a stream's data,
// and where that data begins.
func streamDataStart(data []byte, k int) (int, bool) {
	before := bytes.TrimRight(data[:k], "\x00\t\n\f\r ")
	if !bytes.HasSuffix(before, []byte(">>")) {
		return 0, false
	}
	i := k + len("stream")
	switch {
	case bytes.HasPrefix(data[i:], []byte("\r\n")):
		return i + 2, true
	case bytes.HasPrefix(data[i:], []byte("\n")), bytes.HasPrefix(data[i:], []byte("\r")):
		return i + 1, true
	}
	return 0, false
}

// checkXref follows "startxref" before the final %%EOF at eof through
// every cross-reference section.
func checkXref(data []byte, eof int) bool {
	at := bytes.LastIndex(data[:eof], []byte("startxref"))
	if at < 0 {
		return false
	}
	fields := bytes.Fields(data[at+len("startxref") : eof])
	if len(fields) != 1 {
		return false
	}
	offset, err := strconv.ParseInt(string(fields[0]), 10, 64)
	if err != nil {
		return false
	}
	seen := map[int64]bool{}
	for n := 0; offset > 0 || n == 0; n++ {
		if n == maxXrefSections || seen[offset] || offset < 0 || offset >= int64(len(data)) {
			return false
		}
		seen[offset] = true
		s, ok := readXrefSection(data, int(offset))
		if !ok || n == 0 && !s.root {
			return false
		}
		if s.xrefStream > 0 { // a hybrid file: a table, and a stream for readers that know it
			if _, ok := readXrefStream(data, int(s.xrefStream)); !ok {
				return false
			}
		}
		offset = s.prev
	}
	return true
}

// xrefSection is what a cross-reference section's trailer says.
type xrefSection struct {
	root       bool  // it names the document's root (/Root)
	prev       int64 // the section before it, 0 for none
	xrefStream int64 // a hybrid file's cross-reference stream (/XRefStm), 0 for none
}

func readXrefSection(data []byte, at int) (xrefSection, bool) {
	i := skipSpace(data, at)
	if bytes.HasPrefix(data[i:], []byte("xref")) {
		return readXrefTable(data, i+len("xref"))
	}
	return readXrefStream(data, i)
}

// readXrefTable reads a cross-reference table after its "xref": rows of
// subsections "first count", each followed by count entries of 20 bytes
// "offset generation n|f", then the trailer dictionary.
func readXrefTable(data []byte, i int) (xrefSection, bool) {
	for {
		i = skipSpace(data, i)
		if bytes.HasPrefix(data[i:], []byte("trailer")) {
			break
		}
		first, i2, ok1 := readNumber(data, i)
		count, i3, ok2 := readNumber(data, skipSpace(data, i2))
		if !ok1 || !ok2 || count > int64(len(data)-i3)/18 {
			return xrefSection{}, false
		}
		i = i3
		for n := int64(0); n < count; n++ {
			i = skipSpace(data, i)
			if len(data)-i < 18 || data[i+10] != ' ' || data[i+16] != ' ' {
				return xrefSection{}, false
			}
			offset, err1 := strconv.ParseInt(string(data[i:i+10]), 10, 64)
			_, err2 := strconv.ParseInt(string(data[i+11:i+16]), 10, 64)
			if err1 != nil || err2 != nil {
				return xrefSection{}, false
			}
			switch data[i+17] {
			case 'n':
				if !objectAt(data, offset, first+n) {
					return xrefSection{}, false
				}
			case 'f':
			default:
				return xrefSection{}, false
			}
			i += 18
		}
	}
	dict, ok := readDict(data, skipSpace(data, i+len("trailer")))
	if !ok {
		return xrefSection{}, false
	}
	s := xrefSection{root: dictHas(dict, "Root")}
	s.prev, _ = dictInt(dict, "Prev")
	s.xrefStream, _ = dictInt(dict, "XRefStm")
	return s, true
}

// readXrefStream reads a cross-reference stream (PDF 1.5): an object
// "n g obj << /Type /XRef /W [...] ... >> stream ... endstream" whose data,
// usually Flate-compressed with a PNG predictor, holds the entries as
// binary fields of the widths /W gives.
func readXrefStream(data []byte, at int) (xrefSection, bool) {
	i, ok := objectHeader(data, at)
	if !ok {
		return xrefSection{}, false
	}
	dict, ok := readDict(data, i)
	if !ok || !dictHasName(dict, "Type", "XRef") {
		return xrefSection{}, false
	}
	start, isStream := streamDataStart(data, skipSpace(data, i+len(dict)))
	if !isStream || !bytes.HasPrefix(data[skipSpace(data, i+len(dict)):], []byte("stream")) {
		return xrefSection{}, false
	}
	length, ok := dictInt(dict, "Length")
	if !ok || length < 0 || length > int64(len(data)-start) {
		return xrefSection{}, false
	}
	if !bytes.HasPrefix(data[skipSpace(data, start+int(length)):], []byte("endstream")) {
		return xrefSection{}, false
	}
	s := xrefSection{root: dictHas(dict, "Root")}
	s.prev, _ = dictInt(dict, "Prev")
	entries, known, ok := xrefStreamData(dict, data[start:start+int(length)])
	if !ok {
		return xrefSection{}, false
	}
	if !known { // a filter this check does not decode: the structure above is all it can see
		return s, true
	}
	return s, checkXrefEntries(data, dict, entries)
}

// xrefStreamData decodes a cross-reference stream's data; known is false
// for a filter other than none or FlateDecode.
func xrefStreamData(dict, raw []byte) (out []byte, known, ok bool) {
	filter := dictValue(dict, "Filter")
	switch string(bytes.Trim(filter, "[] \t\r\n")) {
	case "":
		out = raw
	case "/FlateDecode", "/Fl":
		r, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, true, false
		}
		// A cross-reference stream holds at most a few bytes per object;
		// more than this is a decompression bomb, not a PDF.
		out, err = io.ReadAll(io.LimitReader(r, 64<<20))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) || len(out) == 0 {
			return nil, true, false
		}
	default:
		return nil, false, true
	}
	parms, _ := readDict(bytes.Trim(dictValue(dict, "DecodeParms"), "[] \t\r\n"), 0)
	var predictor int64
	if parms != nil {
		predictor, _ = dictInt(parms, "Predictor")
	}
	if predictor < 10 {
		return out, predictor <= 1, true
	}
	columns, ok := dictInt(parms, "Columns")
	if !ok {
		columns = 1
	}
	out, ok = unpredictPNG(out, int(columns))
	return out, true, ok
}

// unpredictPNG undoes the PNG row filters (RFC 2083, 6) of data in rows of
// columns bytes, each row after its filter type byte.
func unpredictPNG(data []byte, columns int) ([]byte, bool) {
	if columns <= 0 || len(data)%(columns+1) != 0 {
		return nil, false
	}
	out := make([]byte, 0, len(data)/(columns+1)*columns)
	prior := make([]byte, columns)
	for row := 0; row < len(data); row += columns + 1 {
		filter, line := data[row], bytes.Clone(data[row+1:row+1+columns])
		for x := range line {
			var left, upLeft byte
			if x > 0 {
				left, upLeft = line[x-1], prior[x-1]
			}
			up := prior[x]
			switch filter {
			case 0:
			case 1:
				line[x] += left
			case 2:
				line[x] += up
			case 3:
				line[x] += byte((int(left) + int(up)) / 2)
			case 4:
				line[x] += paeth(left, up, upLeft)
			default:
				return nil, false
			}
		}
		out, prior = append(out, line...), line
	}
	return out, true
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// checkXrefEntries checks that every object a cross-reference stream
// places in the file (an entry of type 1) is there.
func checkXrefEntries(data, dict, entries []byte) bool {
	widths := dictInts(dict, "W")
	if len(widths) != 3 {
		return false
	}
	size := 0
	for _, w := range widths {
		if w < 0 || w > 8 {
			return false
		}
		size += int(w)
	}
	index := dictInts(dict, "Index")
	if index == nil {
		n, ok := dictInt(dict, "Size")
		if !ok {
			return false
		}
		index = []int64{0, n}
	}
	if len(index)%2 != 0 || size == 0 {
		return false
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	at := 0
	for s := 0; s < len(index); s += 2 {
		first, count := index[s], index[s+1]
		if count < 0 || count > int64(len(entries)-at)/int64(size) {
			return false
		}
		for n := int64(0); n < count; n++ {
			e := entries[at : at+size]
			at += size
			kind := int64(1) // the default when the type field has width 0
			if widths[0] > 0 {
				kind = field(e[:widths[0]])
			}
			if kind == 1 && !objectAt(data, field(e[widths[0]:widths[0]+widths[1]]), first+n) {
				return false
			}
		}
	}
	return true
}

// objectAt tells whether object number num begins at offset: "num gen obj".
func objectAt(data []byte, offset, num int64) bool {
	if offset <= 0 || offset >= int64(len(data)) {
		return false
	}
	// Only white space may stand before the object: a writer may count
	// from the end of line before it, but nothing else hides there.
	i := int(offset)
	for i < len(data) && isPDFSpace(data[i]) {
		i++
	}
	n, _, ok := readNumber(data, i)
	if !ok || n != num {
		return false
	}
	_, ok = objectHeader(data, i)
	return ok
}

// objectHeader reads "num gen obj" at at and returns where its body begins.
func objectHeader(data []byte, at int) (int, bool) {
	i := skipSpace(data, at)
	_, i, ok1 := readNumber(data, i)
	_, i, ok2 := readNumber(data, skipSpace(data, i))
	i = skipSpace(data, i)
	if !ok1 || !ok2 || !bytes.HasPrefix(data[i:], []byte("obj")) {
		return 0, false
	}
	return skipSpace(data, i+len("obj")), true
}

func isPDFSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// skipSpace skips white space and comments.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch {
		case isPDFSpace(data[i]):
			i++
		case data[i] == '%':
			for i < len(data) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// readNumber reads a non-negative integer at i.
func readNumber(data []byte, i int) (int64, int, bool) {
	j := i
	for j < len(data) && j-i < 19 && '0' <= data[j] && data[j] <= '9' {
		j++
	}
	if j == i {
		return 0, i, false
	}
	n, err := strconv.ParseInt(string(data[i:j]), 10, 64)
	return n, j, err == nil
}

// readDict returns the dictionary "<< ... >>" at i, nested ones and
// strings within it included.
func readDict(data []byte, i int) ([]byte, bool) {
	if !bytes.HasPrefix(data[i:], []byte("<<")) {
		return nil, false
	}
	depth := 0
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '(':
			end, ok := skipLiteralString(data, j)
			if !ok {
				return nil, false
			}
			j = end - 1
		case '%':
			j = skipSpace(data, j) - 1
		case '<':
			if j+1 < len(data) && data[j+1] == '<' {
				depth++
				j++
			} else {
				j = skipHexString(data, j)
			}
		case '>':
			if j+1 < len(data) && data[j+1] == '>' {
				depth--
				j++
				if depth == 0 {
					return data[i : j+1], true
				}
			}
		}
	}
	return nil, false
}

// skipLiteralString returns the index after the literal string "( ... )"
// at i, with its nested parentheses and escapes.
func skipLiteralString(data []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return 0, false
}

// dictValue returns the text of key's value in a dictionary, up to the
// next key at the same level or the dictionary's end; nil if absent. It
// reads only the top level (the key inside a nested dictionary is not it).
func dictValue(dict []byte, key string) []byte {
	body := dict[2 : len(dict)-2]
	depth := 0
	for j := 0; j < len(body); j++ {
		switch c := body[j]; {
		case c == '(':
			end, ok := skipLiteralString(body, j)
			if !ok {
				return nil
			}
			j = end - 1
		case c == '<' && j+1 < len(body) && body[j+1] == '<':
			depth++
			j++
		case c == '<':
			j = skipHexString(body, j)
		case c == '>' && j+1 < len(body) && body[j+1] == '>':
			depth--
			j++
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '/' && depth == 0 && bytes.HasPrefix(body[j+1:], []byte(key)) &&
			(j+1+len(key) == len(body) || isDelimiterOrSpace(body[j+1+len(key)])):
			return valueAt(body, j+1+len(key))
		}
	}
	return nil
}

// valueAt returns the value that starts at i (after a key): everything up
// to the next key at the same level.
func valueAt(body []byte, i int) []byte {
	i = skipSpace(body, i)
	depth := 0
	for j := i; j < len(body); j++ {
		switch c := body[j]; {
		case c == '(':
			end, ok := skipLiteralString(body, j)
			if !ok {
				return body[i:]
			}
			j = end - 1
		case c == '<' && j+1 < len(body) && body[j+1] == '<':
			depth++
			j++
		case c == '<':
			j = skipHexString(body, j)
		case c == '>' && j+1 < len(body) && body[j+1] == '>':
			depth--
			j++
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '/' && depth == 0 && j > i:
			return bytes.TrimSpace(body[i:j])
		}
	}
	return bytes.TrimSpace(body[i:])
}

// skipHexString returns the index of the '>' that ends the hex string
// "<...>" at i (the last index if it has none).
func skipHexString(data []byte, i int) int {
	if end := bytes.IndexByte(data[i:], '>'); end > 0 {
		return i + end
	}
	return len(data) - 1
}

func isDelimiterOrSpace(c byte) bool {
	return isPDFSpace(c) || bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func dictHas(dict []byte, key string) bool { return dictValue(dict, key) != nil }

// dictHasName tells whether key's value is the name /name.
func dictHasName(dict []byte, key, name string) bool {
	return string(dictValue(dict, key)) == "/"+name
}

// dictInt reads key's value as a direct integer.
func dictInt(dict []byte, key string) (int64, bool) {
	v := dictValue(dict, key)
	if v == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// dictInts reads key's value as an array of integers; nil if absent or
// anything else.
func dictInts(dict []byte, key string) []int64 {
	v := dictValue(dict, key)
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil
	}
	var out []int64
	for _, f := range bytes.Fields(v[1 : len(v)-1]) {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}
