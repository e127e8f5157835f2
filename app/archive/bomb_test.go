package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"runtime"
	"sync"
	"testing"
	"time"
)

const bombSize = 1 << 30

// gibOfZeros is 1 GiB of zeros, deflated (about 1 MiB), made once.
var gibOfZeros = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	chunk := make([]byte, 1<<20)
	for range bombSize / len(chunk) {
		w.Write(chunk)
	}
	w.Close()
	return buf.Bytes()
})

// bomb is a signed archive whose one file inflates to 1 GiB of zeros while
// its zip header says declared bytes (and the manifest lists declared
// zeros, so only the inflating gives it away when declared is small).
func bomb(t *testing.T, declared int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zeros := make([]byte, min(declared, 1<<20))
	sum := sha256.Sum256(zeros)
	m := listing([]File{{Path: "bundle.json", MediaType: "application/fhir+json"}}, riverside())
	m.Files[0].Size, m.Files[0].SHA256 = declared, hex.EncodeToString(sum[:])
	signed := signedArchive(t, m, riverside().Key)
	for _, e := range unzip(t, signed) {
		w, _ := zw.Create(e.name)
		w.Write(e.data)
	}
	stream := gibOfZeros()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bundle.json", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(zeros),
		CompressedSize64: uint64(len(stream)), UncompressedSize64: uint64(declared)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(stream)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZipBomb opens a 1 GiB entry, honest about its size and lying about
// it: both are refused at once, without inflating it.
func TestZipBomb(t *testing.T) {
	for _, tc := range []struct {
		name     string
		declared int64
		want     Kind
	}{
		{"declaring its size", bombSize, TooLarge},
		{"declaring 4 KiB", 4096, Damaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bomb(t, tc.declared)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Open(data, "")
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if KindOf(err) != tc.want {
				t.Fatalf("err = %v, want kind %q", err, tc.want)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KiB archive refused in %v, allocating %d KiB", len(data)>>10, took, allocated>>10)
			// Memory, not time, tells that the bomb was not inflated: time
			// depends on how busy the machine is.
			if allocated > 16<<20 {
				t.Errorf("refusing the bomb allocated %d MiB", allocated>>20)
			}
		})
	}
}
