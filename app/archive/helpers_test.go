package archive

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// testWorkFactor keeps the scrypt of tests cheap; one test packs with the
// real default.
const testWorkFactor = 10

var signedAt = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

// testKey is a fixed key per name, so archives (and fuzz seeds) come out
// the same on every run.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("folio archive test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func riverside() Signer {
	return Signer{Clinic: "Riverside Family Practice", Key: testKey("riverside"), Time: signedAt}
}

// referral is a small referral: a bundle, its summary and one document.
func referral() []File {
	return []File{
		{Path: "bundle.json", MediaType: "application/fhir+json", Data: []byte(`{"resourceType":"Bundle","type":"document","entry":[]}`)},
		{Path: "summary.html", MediaType: "text/html; charset=utf-8", Data: []byte("<!doctype html><title>Referral</title><h1>Ada Lovelace</h1>")},
		{Path: "documents/letter.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")},
	}
}

func mustPack(t testing.TB, files []File, s Signer, passphrase string) []byte {
	t.Helper()
	data, err := pack(files, s, passphrase, testWorkFactor)
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	return data
}

// entry is one zip entry, written as given: the tests build archives Pack
// never would.
type entry struct {
	name string
	data []byte
}

// unzip lists an archive's entries in order.
func unzip(t testing.TB, data []byte) []entry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("unzip: %v", err)
	}
	var out []entry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{f.Name, b})
	}
	return out
}

func rezip(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: signedAt})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.name, "/") {
			continue // a folder: zip holds no data for it
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edit changes the entries of an archive and zips them again.
func edit(t testing.TB, data []byte, change func([]entry) []entry) []byte {
	t.Helper()
	return rezip(t, change(unzip(t, data)))
}

// listing is the manifest Pack would write for files, for tests that
// craft their own.
func listing(files []File, s Signer) Manifest {
	pub := s.Key.Public().(ed25519.PublicKey)
	m := Manifest{Format: FormatName, Version: Version, Created: s.Time,
		Sender: Sender{Clinic: s.Clinic, PublicKey: base64.StdEncoding.EncodeToString(pub), Fingerprint: Fingerprint(pub)}}
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		m.Files = append(m.Files, ManifestFile{Path: f.Path, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:]), MediaType: f.MediaType})
	}
	return m
}

// signedArchive zips manifest (any JSON value, or raw bytes), its signature
// by key, and the entries: how an attacker with their own key would.
func signedArchive(t testing.TB, manifest any, key ed25519.PrivateKey, entries ...entry) []byte {
	t.Helper()
	raw, ok := manifest.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(manifest); err != nil {
			t.Fatal(err)
		}
	}
	return rezip(t, append([]entry{{manifestName, raw}, {signatureName, ed25519.Sign(key, raw)}}, entries...))
}

func entriesOf(files []File) []entry {
	var out []entry
	for _, f := range files {
		out = append(out, entry{f.Path, f.Data})
	}
	return out
}

// without drops the named entry.
func without(name string) func([]entry) []entry {
	return func(es []entry) []entry {
		var out []entry
		for _, e := range es {
			if e.name != name {
				out = append(out, e)
			}
		}
		return out
	}
}

// flipByte changes one byte of the named entry at offset at.
func flipByte(name string, at int) func([]entry) []entry {
	return func(es []entry) []entry {
		for i, e := range es {
			if e.name == name {
				b := bytes.Clone(e.data)
				b[at] ^= 0x01
				es[i].data = b
			}
		}
		return es
	}
}
