package filecheck_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"folio/app/filecheck"
)

// photo is a 12-megapixel picture (4000 × 3000, a phone's usual photo)
// with fine detail everywhere.
func photo() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + i/4001*13 + i/997)
	}
	return img
}

// BenchmarkCheck is what attaching (Check) or viewing (Recheck) a file
// costs in checks, for the largest files a clinic attaches: a
// 12-megapixel photo as JPEG and as PNG (fine detail everywhere: the
// slowest to decode), and a PDF of 25 MiB (a long scan).
func BenchmarkCheck(b *testing.B) {
	var jpg, pngData bytes.Buffer
	if err := jpeg.Encode(&jpg, photo(), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	if err := png.Encode(&pngData, photo()); err != nil {
		b.Fatal(err)
	}
	pad := make([]byte, 25<<20-2000)
	pdf := buildPDF("", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(pad), pad))
	for _, file := range []struct {
		name string
		data []byte
	}{
		{fmt.Sprintf("JPEG-12MP-%dKiB", jpg.Len()>>10), jpg.Bytes()},
		{fmt.Sprintf("PNG-12MP-%dKiB", pngData.Len()>>10), pngData.Bytes()},
		{fmt.Sprintf("PDF-%dKiB", len(pdf)>>10), pdf},
	} {
		for _, check := range []struct {
			name string
			fn   func([]byte) (string, string)
		}{{"Check", filecheck.Check}, {"Recheck", filecheck.Recheck}} {
			b.Run(check.name+"/"+file.name, func(b *testing.B) {
				for b.Loop() {
					if _, problem := check.fn(file.data); problem != "" {
						b.Fatal(problem)
					}
				}
			})
		}
	}
}
