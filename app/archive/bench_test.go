package archive

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// typicalReferral is what a referral carries: a 1 MB FHIR bundle, a 200 KB
// summary and two 2 MB PDFs (compressed inside, so random bytes stand in).
func typicalReferral() []File {
	rng := rand.New(rand.NewPCG(7, 7))
	text := func(size int, line func(i int) string) []byte {
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			b.WriteString(line(i))
		}
		return []byte(b.String()[:size])
	}
	bundle := text(1<<20, func(i int) string {
		return fmt.Sprintf(`{"fullUrl":"urn:uuid:%08x-0000","resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"%d-%d"}]},"valueQuantity":{"value":%.1f,"unit":"mmol/L"},"effectiveDateTime":"20%02d-%02d-%02d"}},`,
			rng.Uint32(), 1000+rng.IntN(90000), rng.IntN(10), rng.Float64()*200, rng.IntN(26), 1+rng.IntN(12), 1+rng.IntN(28))
	})
	summary := text(200<<10, func(i int) string {
		return fmt.Sprintf("<tr><td>20%02d-%02d-%02d</td><td>Glucose</td><td>%.1f mmol/L</td></tr>\n", rng.IntN(26), 1+rng.IntN(12), 1+rng.IntN(28), rng.Float64()*20)
	})
	pdf := func() []byte {
		b := make([]byte, 2<<20)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return append([]byte("%PDF-1.7\n"), b...)[:2<<20]
	}
	return []File{
		{Path: "bundle.json", MediaType: "application/fhir+json", Data: bundle},
		{Path: "summary.html", MediaType: "text/html; charset=utf-8", Data: summary},
		{Path: "documents/discharge-summary.pdf", MediaType: "application/pdf", Data: pdf()},
		{Path: "documents/echo-report.pdf", MediaType: "application/pdf", Data: pdf()},
	}
}

// BenchmarkPackOpen packs and opens a typical referral, as sender and
// receiver do, plain and with a passphrase at the real scrypt cost.
func BenchmarkPackOpen(b *testing.B) {
	files := typicalReferral()
	for _, tc := range []struct{ name, passphrase string }{{"plain", ""}, {"passphrase", "correct horse battery staple"}} {
		b.Run(tc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				data, err := Pack(files, riverside(), tc.passphrase)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Open(data, tc.passphrase); err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB/archive")
		})
	}
}

// BenchmarkPackOpenSteps times each half alone, to show where time goes.
func BenchmarkPackOpenSteps(b *testing.B) {
	files := typicalReferral()
	for _, passphrase := range []string{"", "correct horse battery staple"} {
		name := map[bool]string{true: "plain", false: "passphrase"}[passphrase == ""]
		b.Run("pack/"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Pack(files, riverside(), passphrase); err != nil {
					b.Fatal(err)
				}
			}
		})
		data, err := Pack(files, riverside(), passphrase)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("open/"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Open(data, passphrase); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
