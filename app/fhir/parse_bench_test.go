package fhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// thousandResourceBundle joins the Synthea examples' entries (ten patients'
// records) into one transaction bundle of exactly 1,000 resources: the size
// the import must handle, database writes included, in under 500 ms.
func thousandResourceBundle(tb testing.TB) []byte {
	tb.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "synthea", "*.json"))
	var entries []json.RawMessage
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var b struct {
			Entry []json.RawMessage `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			tb.Fatal(err)
		}
		entries = append(entries, b.Entry...)
	}
	if len(entries) < 1000 {
		tb.Fatalf("only %d entries", len(entries))
	}
	out, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries[:1000]})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	data := thousandResourceBundle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		imp, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if c := imp.Counts(); c.In != 1000 {
			b.Fatalf("in = %d", c.In)
		}
	}
}
