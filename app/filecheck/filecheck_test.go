package filecheck_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/app/filecheck"
)

// buildPDF writes a PDF of the objects (numbered from 1, the first the
// catalog) with a correct cross-reference table. between is written after
// the objects, before the table.
func buildPDF(between string, objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, body := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	b.WriteString(between)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0a1b><2c3d>] >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// letterPDF is a one-page PDF whose page says text, in a stream.
func letterPDF(text string) []byte {
	content := "BT /F1 12 Tf 72 700 Td (" + text + ") Tj ET"
	return buildPDF("",
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
}

func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 7), G: uint8(y * 5), B: uint8(x ^ y), A: 255})
		}
	}
	return img
}

func pngFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture(64, 48)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(64, 48), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngChunk is one PNG chunk with its checksum.
func pngChunk(kind string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, kind...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), body...)))
}

// withPNGChunk puts a chunk right after a PNG's header chunk.
func withPNGChunk(data []byte, chunk []byte) []byte {
	at := 8 + 12 + 13 // signature, IHDR
	return append(append(bytes.Clone(data[:at]), chunk...), data[at:]...)
}

// withJPEGSegment puts a segment right after a JPEG's start-of-image.
func withJPEGSegment(data []byte, marker byte, body []byte) []byte {
	seg := append([]byte{0xFF, marker}, binary.BigEndian.AppendUint16(nil, uint16(len(body)+2))...)
	return append(append([]byte{0xFF, 0xD8}, append(seg, body...)...), data[2:]...)
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const page = "<html><body><script>alert(document.cookie)</script></body></html>\n"

// TestCheckAcceptsRealFiles: what scanners, browsers, PDF tools and
// cameras write is accepted as its type.
func TestCheckAcceptsRealFiles(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"Ghostscript PDF", testdata(t, "letter-ghostscript.pdf"), filecheck.PDF},
		{"PDF with a cross-reference stream", testdata(t, "letter-xref-stream.pdf"), filecheck.PDF},
		{"linearized PDF", testdata(t, "letter-linearized.pdf"), filecheck.PDF},
		{"PDF saved again incrementally", testdata(t, "letter-incremental.pdf"), filecheck.PDF},
		{"scan wrapped by img2pdf", testdata(t, "scan-img2pdf.pdf"), filecheck.PDF},
		{"Chromium's Save as PDF", testdata(t, "page-chromium.pdf"), filecheck.PDF},
		{"PDF written by the tests", letterPDF("Referral"), filecheck.PDF},
		{"PDF ending in CRLF and padding", append(letterPDF("Referral"), "\r\n\x00\x00"...), filecheck.PDF},
		{"PDF whose text shows <script> in a stream", letterPDF(strings.Repeat("x", 3000) + "<script>"), filecheck.PDF},
		{"lossy WebP", testdata(t, "wound-lossy.webp"), filecheck.WebP},
		{"lossless WebP", testdata(t, "wound-lossless.webp"), filecheck.WebP},
		{"WebP with alpha", testdata(t, "wound-alpha.webp"), filecheck.WebP},
		{"PNG", pngFile(t), filecheck.PNG},
		{"PNG with a text chunk", withPNGChunk(pngFile(t), pngChunk("tEXt", []byte("Software\x00Scanner 3000 <v2>"))), filecheck.PNG},
		{"JPEG", jpegFile(t), filecheck.JPEG},
		{"JPEG with a comment", withJPEGSegment(jpegFile(t), 0xFE, []byte("Scanned at reception")), filecheck.JPEG},
		{"JPEG with a gain map after it, as phones store HDR", append(jpegFile(t), jpegFile(t)...), filecheck.JPEG},
		{"JPEG padded with zeros", append(jpegFile(t), 0, 0, 0, 0), filecheck.JPEG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := filecheck.Check(tt.data)
			if got != tt.want || problem != "" {
				t.Errorf("Check = %q, %q; want %s", got, problem, tt.want)
			}
			if got, problem := filecheck.Recheck(tt.data); got != tt.want || problem != "" {
				t.Errorf("Recheck = %q, %q; want %s", got, problem, tt.want)
			}
		})
	}
}

// TestCheckRefusesPolyglots: a file that starts like a PDF or a picture
// but is something else after, or carries web markup, is refused, saying
// what is wrong in the user's words.
func TestCheckRefusesPolyglots(t *testing.T) {
	pdf := letterPDF("Referral")
	xrefStream := testdata(t, "letter-xref-stream.pdf")
	webp := testdata(t, "wound-lossy.webp")
	jpg, pngData := jpegFile(t), pngFile(t)

	// A WebP with a chunk of HTML inside its container, its size fixed up.
	webpWithPage := append(bytes.Clone(webp), "HTML"...)
	webpWithPage = binary.LittleEndian.AppendUint32(webpWithPage, uint32(len(page)))
	webpWithPage = append(webpWithPage, page...)
	binary.LittleEndian.PutUint32(webpWithPage[4:], uint32(len(webpWithPage)-8))
	// A WebP whose picture data is noise.
	webpNoise := bytes.Clone(webp)
	for i := 30; i < len(webpNoise); i++ {
		webpNoise[i] ^= 0x5A
	}
	// A PNG whose pixels are cut short, its checksums right.
	pngCut := bytes.Clone(pngData)
	idat := bytes.Index(pngCut, []byte("IDAT")) - 4
	size := binary.BigEndian.Uint32(pngCut[idat:])
	shortIDAT := pngChunk("IDAT", pngCut[idat+8:idat+8+int(size)/2])
	pngCut = append(append(pngCut[:idat:idat], shortIDAT...), pngChunk("IEND", nil)...)
	// A PNG that says it is 20,000 × 20,000 pixels: a few bytes that would
	// take 1.6 GB to decode.
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 20000), 20000)
	pngHuge := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", append(ihdr, 8, 0, 0, 0, 0))...)
	pngHuge = append(append(pngHuge, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...), pngChunk("IEND", nil)...)
	// A cross-reference stream with a byte of its data changed.
	xrefBroken := bytes.Clone(xrefStream)
	at := bytes.LastIndex(xrefBroken, []byte(">>\nstream\n")) + len(">>\nstream\n")
	xrefBroken[at+5] ^= 0xFF

	tests := []struct {
		name string
		data []byte
		want string // part of the problem
	}{
		{"%PDF- then a web page", []byte("%PDF-1.4\n" + page), "incomplete"},
		{"%PDF- then a web page and %%EOF", []byte("%PDF-1.4\n" + page + "%%EOF\n"), "web page code"},
		{"a PDF then a web page", append(bytes.Clone(pdf), page...), "extra data after its end"},
		{"a PDF then a web page and %%EOF", append(bytes.Clone(pdf), page+"%%EOF\n"...), "web page code"},
		{"a web page between a PDF's objects", buildPDF(strings.Repeat("%\n", 2000)+page,
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"), "web page code"},
		{"a script in a PDF's string", buildPDF("", "<< /Type /Catalog /Pages 2 0 R /Lang (<svg onload=alert(1)>) >>",
			"<< /Type /Pages /Kids [] /Count 0 >>"), "web page code"},
		{"a web page in the first stream, where sniffers look", buildPDF("",
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Length 70 >>\nstream\n"+page+"endstream"), "web page code"},
		{"a PDF without a cross-reference table", []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n" +
			"trailer <</Root 1 0 R>>\n%%EOF\n"), "damaged"},
		{"startxref pointing elsewhere", bytes.Replace(pdf, []byte("startxref\n"), []byte("startxref\n1"), 1), "damaged"},
		{"an object not where the table says", bytes.Replace(pdf, []byte("\n2 0 obj"), []byte("\n%\n2 0 obj"), 1), "damaged"},
		{"a table that names itself as the one before", bytes.Replace(pdf, []byte("/Size"),
			fmt.Appendf(nil, "/Prev %d /Size", bytes.LastIndex(pdf, []byte("xref\n"))), 1), "damaged"},
		{"a damaged cross-reference stream", xrefBroken, "damaged"},
		{"a PDF whose version line is not one", []byte("%PDF-x\n" + page), "version"},
		{"a PNG then a web page", append(bytes.Clone(pngData), page...), "extra data after the picture"},
		{"a PNG with a script in a text chunk", withPNGChunk(pngData, pngChunk("tEXt", []byte("Comment\x00"+page))), "web page code"},
		{"a PNG with a page in a chunk of its own", withPNGChunk(pngData, pngChunk("htMl", []byte(page))), "web page code"},
		{"a PNG whose pixels are cut short", pngCut, "damaged"},
		{"a PNG of 400 megapixels", pngHuge, "megapixels"},
		{"a JPEG then a web page", append(bytes.Clone(jpg), page...), "extra data after the picture"},
		{"a JPEG with a script in its comment", withJPEGSegment(jpg, 0xFE, []byte("*/="+page+"/*")), "web page code"},
		{"a JPEG with a page in its metadata", withJPEGSegment(jpg, 0xE1, []byte("Exif\x00\x00"+page)), "web page code"},
		{"a JPEG then a motion photo's video", append(bytes.Clone(jpg), "\x00\x00\x00\x18ftypmp42"...), "motion photo"},
		{"a JPEG cut before its end", jpg[:len(jpg)/2], "damaged"},
		{"a WebP then a web page", append(bytes.Clone(webp), page...), "extra data after the picture"},
		{"a WebP with a page inside its container", webpWithPage, "web page code"},
		{"a WebP whose picture is noise", webpNoise, "cannot be shown"},
		{"a WebP cut short", webp[:len(webp)-20], "damaged"},
		{"a WebP header and nothing that decodes", append([]byte("RIFF\x24\x00\x00\x00WEBPVP8L"), make([]byte, 24)...), "cannot be shown"},
	}
	// What only decoding the picture finds.
	decodeOnly := map[string]bool{"a PNG whose pixels are cut short": true, "a PNG of 400 megapixels": true,
		"a WebP whose picture is noise": true, "a WebP header and nothing that decodes": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := filecheck.Check(tt.data)
			if got != "" || !strings.Contains(problem, tt.want) {
				t.Errorf("Check = %q, %q; want refused, saying %q", got, problem, tt.want)
			}
			if strings.Contains(problem, "filecheck") || strings.Contains(problem, "error") {
				t.Errorf("not in the user's words: %q", problem)
			}
			// A stored file is shown again only if it passes the same
			// checks, all but decoding the picture.
			if got, problem := filecheck.Recheck(tt.data); !decodeOnly[tt.name] && got != "" {
				t.Errorf("Recheck = %q, %q; want refused", got, problem)
			}
		})
	}
}
