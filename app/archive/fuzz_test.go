package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "write FuzzOpen's seed archives to testdata/fuzz/FuzzOpen")

// fuzzSeeds are archives good and bad to start fuzzing from, with the
// passphrase to try on each.
func fuzzSeeds(t testing.TB) map[string]struct {
	data       []byte
	passphrase string
} {
	plain := mustPack(t, referral(), riverside(), "")
	type seed = struct {
		data       []byte
		passphrase string
	}
	return map[string]seed{
		"plain":              {plain, ""},
		"encrypted":          {mustPack(t, referral(), riverside(), "pass"), "pass"},
		"encrypted-no-pass":  {mustPack(t, referral(), riverside(), "pass"), ""},
		"changed-file":       {edit(t, plain, flipByte("bundle.json", 3)), ""},
		"changed-signature":  {edit(t, plain, flipByte(signatureName, 3)), ""},
		"removed-file":       {edit(t, plain, without("summary.html")), ""},
		"traversal":          {edit(t, plain, func(es []entry) []entry { return append(es, entry{"../x", nil}) }), ""},
		"one-file":           {mustPack(t, referral()[:1], riverside(), ""), ""},
		"truncated":          {plain[:len(plain)/2], ""},
		"not-a-zip":          {[]byte("%PDF-1.7"), ""},
		"age-header-only":    {ageHeader, "pass"},
		"zip-end-record":     {plain[len(plain)-22:], ""},
		"newer-version":      {signedArchive(t, []byte(`{"format":"folio-archive","version":2}`), riverside().Key), ""},
		"manifest-not-json":  {signedArchive(t, []byte(`{"format":`), riverside().Key), ""},
		"empty-manifest-obj": {signedArchive(t, []byte(`{}`), riverside().Key), ""},
	}
}

// TestWriteFuzzSeeds writes the seeds as files when asked
// (go test -run TestWriteFuzzSeeds -write-fuzz-seeds), so the corpus kept
// in testdata starts from them.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, s := range fuzzSeeds(t) {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nstring(%q)\n", s.data, s.passphrase)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzOpen feeds Open anything: it must never panic, refuse with a kind
// and a message, and open only what is whole and validly signed. The
// scrypt cost it accepts is capped low, so an input may not make one run
// take seconds.
func FuzzOpen(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.data, s.passphrase)
	}
	f.Fuzz(func(t *testing.T, data []byte, passphrase string) {
		opened, err := open(data, passphrase, 12)
		if err != nil {
			if opened != nil || KindOf(err) == "" || err.Error() == "" {
				t.Fatalf("refused with %#v and %v", err, opened)
			}
			return
		}
		v := opened.Verification
		if !v.Intact || !v.SignatureValid || len(opened.Files) != len(opened.Manifest.Files) {
			t.Fatalf("opened although %+v", v)
		}
		for i, f := range opened.Files {
			listed := opened.Manifest.Files[i]
			sum := sha256.Sum256(f.Data)
			if f.Path != listed.Path || hex.EncodeToString(sum[:]) != listed.SHA256 || pathProblem(f.Path) != "" {
				t.Fatalf("file %q opened unlike its listing %+v", f.Path, listed)
			}
		}
		if !bytes.HasPrefix(data, ageHeader) && v.Encrypted {
			t.Fatal("a plain archive reported as encrypted")
		}
	})
}

// FuzzSignedManifest fuzzes what the zip and the signature otherwise keep
// a fuzzer from reaching: the manifest itself, validly signed (as a sender
// with their own key could), in an archive of the referral's files.
func FuzzSignedManifest(f *testing.F) {
	m := listing(referral(), riverside())
	for _, seed := range []any{m, []byte(`{"format":"folio-archive","version":1,"files":[{"path":"bundle.json"}]}`),
		[]byte(`{"format":"folio-archive","version":1,"sender":{},"files":[]}`)} {
		raw, ok := seed.([]byte)
		if !ok {
			raw, _ = json.Marshal(seed)
		}
		f.Add(raw)
	}
	files := entriesOf(referral())
	f.Fuzz(func(t *testing.T, manifest []byte) {
		opened, err := Open(signedArchive(t, manifest, riverside().Key, files...), "")
		if err != nil {
			if opened != nil || KindOf(err) == "" {
				t.Fatalf("refused with %#v and %v", err, opened)
			}
			return
		}
		for _, f := range opened.Files {
			if pathProblem(f.Path) != "" || reserved(f.Path) {
				t.Fatalf("opened a file named %q", f.Path)
			}
		}
	})
}
