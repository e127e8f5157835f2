package archive

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name       string
		passphrase string
	}{
		{"plain", ""},
		{"with a passphrase", "correct horse battery staple"},
		{"with a passphrase of any characters", "  Ünïcödé 🔑 pass  "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Through a real file, as it is handed over.
			file := filepath.Join(t.TempDir(), "referral.folio")
			if err := os.WriteFile(file, mustPack(t, referral(), riverside(), tc.passphrase), 0o600); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.HasPrefix(data, ageHeader); got != (tc.passphrase != "") {
				t.Errorf("encrypted = %v, want %v", got, tc.passphrase != "")
			}
			opened, err := Open(data, tc.passphrase)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if !slices.EqualFunc(opened.Files, referral(), func(a, b File) bool {
				return a.Path == b.Path && a.MediaType == b.MediaType && bytes.Equal(a.Data, b.Data)
			}) {
				t.Errorf("files = %+v, want %+v", opened.Files, referral())
			}
			v := opened.Verification
			pub := testKey("riverside").Public().(ed25519.PublicKey)
			if !v.Intact || !v.SignatureValid || len(v.Problems) != 0 || v.Encrypted != (tc.passphrase != "") {
				t.Errorf("verification = %+v", v)
			}
			if v.Sender.Clinic != "Riverside Family Practice" || v.Sender.Fingerprint != Fingerprint(pub) {
				t.Errorf("sender = %+v", v.Sender)
			}
			m := opened.Manifest
			if m.Format != FormatName || m.Version != Version || !m.Created.Equal(signedAt) || len(m.Files) != 3 {
				t.Errorf("manifest = %+v", m)
			}
			if f, ok := opened.File("documents/letter.pdf"); !ok || f.MediaType != "application/pdf" {
				t.Errorf("File(documents/letter.pdf) = %+v, %v", f, ok)
			}
		})
	}
}

// TestDefaultPassphraseCost packs and opens once with the real scrypt work
// factor, which the other tests lower to stay quick.
func TestDefaultPassphraseCost(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt at its real cost takes a second or two")
	}
	data, err := Pack(referral(), riverside(), "a passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data[:200], []byte(" 18\n")) {
		t.Errorf("the age header does not name work factor 18:\n%s", data[:120])
	}
	if _, err := Open(data, "a passphrase"); err != nil {
		t.Fatal(err)
	}
	// A file that asks for more work than Open allows is refused before
	// any is done.
	heavy := bytes.Replace(mustPack(t, referral(), riverside(), "a passphrase"), []byte(" 10\n"),
		[]byte(fmt.Sprintf(" %d\n", maxScryptWorkFactor+1)), 1)
	if _, err := Open(heavy, "a passphrase"); KindOf(err) != Damaged {
		t.Errorf("work factor %d: err = %v, want damaged", maxScryptWorkFactor+1, err)
	}
}

func TestFingerprint(t *testing.T) {
	fp := Fingerprint(testKey("riverside").Public().(ed25519.PublicKey))
	if !regexp.MustCompile(`^[0-9A-F]{4}( [0-9A-F]{4}){7}$`).MatchString(fp) {
		t.Errorf("fingerprint %q is not eight groups of four hex digits", fp)
	}
	if other := Fingerprint(testKey("elsewhere").Public().(ed25519.PublicKey)); other == fp {
		t.Errorf("two keys share the fingerprint %s", fp)
	}
}

// TestOpenRefuses is every way an archive can be wrong, each refused with
// the kind that tells the user what to do, and never half-opened.
func TestOpenRefuses(t *testing.T) {
	plain := mustPack(t, referral(), riverside(), "")
	encrypted := mustPack(t, referral(), riverside(), "right passphrase")
	intruder := Signer{Clinic: "Riverside Family Practice", Key: testKey("intruder"), Time: signedAt}

	// The manifest of the real archive, signed by the intruder but still
	// naming Riverside's key.
	resigned := edit(t, plain, func(es []entry) []entry {
		es[1].data = ed25519.Sign(intruder.Key, es[0].data)
		return es
	})
	// The intruder's own key and fingerprint, but Riverside's fingerprint.
	misnamed := listing(referral(), intruder)
	misnamed.Sender.Fingerprint = Fingerprint(testKey("riverside").Public().(ed25519.PublicKey))
	newer := listing(referral(), riverside())
	newer.Version = Version + 1
	otherFormat := listing(referral(), riverside())
	otherFormat.Format = "someone-elses-archive"
	extraField, _ := json.Marshal(map[string]any{"format": FormatName, "version": Version, "created": signedAt,
		"sender": listing(referral(), riverside()).Sender, "files": listing(referral(), riverside()).Files, "superseded": true})
	traversal := []File{{Path: "../../.bashrc", MediaType: "text/plain", Data: []byte("rm -rf ~")}}
	// age to a recipient's key rather than a passphrase: not what Folio writes.
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	var toKey bytes.Buffer
	w, err := age.Encrypt(&toKey, identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()

	cases := []struct {
		name       string
		data       []byte
		passphrase string
		want       Kind
		problems   []FileProblem // when the manifest was readable
	}{
		{"a byte changed in a file", edit(t, plain, flipByte("bundle.json", 5)), "", Damaged,
			[]FileProblem{{"bundle.json", Changed}}},
		{"a byte changed in two files", edit(t, edit(t, plain, flipByte("bundle.json", 5)), flipByte("summary.html", 0)), "", Damaged,
			[]FileProblem{{"bundle.json", Changed}, {"summary.html", Changed}}},
		{"a byte changed in the manifest", edit(t, plain, func(es []entry) []entry {
			es[0].data = bytes.Replace(es[0].data, []byte("Riverside"), []byte("Riverbend"), 1)
			return es
		}), "", BadSignature, []FileProblem{}},
		{"a byte changed in the signature", edit(t, plain, flipByte(signatureName, 10)), "", BadSignature, []FileProblem{}},
		{"a file removed", edit(t, plain, without("documents/letter.pdf")), "", Damaged,
			[]FileProblem{{"documents/letter.pdf", Missing}}},
		{"a file added", edit(t, plain, func(es []entry) []entry {
			return append(es, entry{"documents/extra.pdf", []byte("%PDF-1.7")})
		}), "", Damaged, []FileProblem{{"documents/extra.pdf", Unlisted}}},
		{"a file replaced", edit(t, plain, func(es []entry) []entry {
			es[2].data = []byte(`{"resourceType":"Bundle","type":"document","entry":[{}]}`)
			return es
		}), "", Damaged, []FileProblem{{"bundle.json", Changed}}},
		{"signed by another key than the one it names", resigned, "", BadSignature, []FileProblem{}},
		{"a fingerprint that is not its key's", signedArchive(t, misnamed, intruder.Key, entriesOf(referral())...), "", BadSignature, nil},
		{"the signature removed", edit(t, plain, without(signatureName)), "", NotFolio, nil},
		{"the manifest removed", edit(t, plain, without(manifestName)), "", NotFolio, nil},
		{"a newer archive version", signedArchive(t, newer, riverside().Key, entriesOf(referral())...), "", NewerVersion, nil},
		{"another format", signedArchive(t, otherFormat, riverside().Key, entriesOf(referral())...), "", NotFolio, nil},
		{"a manifest field Folio does not know", signedArchive(t, extraField, riverside().Key, entriesOf(referral())...), "", Damaged, nil},
		{"a manifest that is not JSON", signedArchive(t, []byte("{not json"), riverside().Key, entriesOf(referral())...), "", Damaged, nil},
		{"no passphrase for an encrypted archive", encrypted, "", NeedsPassphrase, nil},
		{"the wrong passphrase", encrypted, "wrong passphrase", WrongPassphrase, nil},
		{"a passphrase differing only in case", encrypted, "Right passphrase", WrongPassphrase, nil},
		{"encrypted to a key, not a passphrase", toKey.Bytes(), "a passphrase", NotFolio, nil},
		{"truncated", plain[:len(plain)-40], "", Damaged, nil},
		{"truncated to its first half", plain[:len(plain)/2], "", Damaged, nil},
		{"truncated when encrypted", encrypted[:len(encrypted)-40], "right passphrase", Damaged, nil},
		{"bytes appended", append(bytes.Clone(plain), "trailing"...), "", Damaged, nil},
		{"empty", nil, "", NotFolio, nil},
		{"not a zip", []byte("%PDF-1.7 this is a letter, not an archive"), "", NotFolio, nil},
		{"an armored age file", []byte("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"), "x", NotFolio, nil},
		{"an ordinary zip", rezip(t, []entry{{"readme.txt", []byte("hello")}}), "", NotFolio, nil},
		{"larger than Folio accepts", make([]byte, MaxArchiveSize+1), "", TooLarge, nil},
		{"a listed path leading outside, validly signed", signedArchive(t, listing(traversal, intruder), intruder.Key), "", NotFolio, nil},
		{"an entry leading outside, validly listed and signed", signedArchive(t, listing(traversal, intruder), intruder.Key, entriesOf(traversal)...), "", NotFolio, nil},
	}
	for _, name := range []string{"../evil.txt", "documents/../../evil.txt", "/etc/passwd", `documents\evil.txt`, "C:evil.txt",
		"documents//evil.txt", "./evil.txt", "documents/", "evil\x00.txt", "BUNDLE.JSON", "Manifest.json"} {
		cases = append(cases, struct {
			name       string
			data       []byte
			passphrase string
			want       Kind
			problems   []FileProblem
		}{"an entry named " + name, edit(t, plain, func(es []entry) []entry {
			return append(es, entry{name, []byte("x")})
		}), "", NotFolio, nil})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opened, err := Open(tc.data, tc.passphrase)
			if KindOf(err) != tc.want {
				t.Fatalf("err = %v (kind %q), want kind %q", err, KindOf(err), tc.want)
			}
			if opened != nil {
				t.Errorf("a refused archive was opened: %+v", opened.Manifest)
			}
			msg := err.Error()
			if msg == "" || !strings.HasSuffix(msg, ".") || strings.Contains(msg, "zip:") || strings.Contains(msg, "json:") {
				t.Errorf("message %q is not in users' words", msg)
			}
			var e *Error
			errors.As(err, &e)
			if tc.problems == nil {
				return
			}
			if e.Verification == nil {
				t.Fatalf("no verification given with %v", err)
			}
			if !slices.Equal(e.Verification.Problems, tc.problems) {
				t.Errorf("problems = %v, want %v", e.Verification.Problems, tc.problems)
			}
			if e.Verification.Sender.Fingerprint != Fingerprint(testKey("riverside").Public().(ed25519.PublicKey)) {
				t.Errorf("sender = %+v", e.Verification.Sender)
			}
		})
	}
}

// TestResignedByAnotherClinic is the tampering a signature cannot refuse:
// someone who changes the files and signs a new manifest with their own key
// makes a valid archive. What gives them away is the fingerprint, which is
// their key's, not the sender's; Open must show exactly that one.
func TestResignedByAnotherClinic(t *testing.T) {
	files := referral()
	files[0].Data = []byte(`{"resourceType":"Bundle","type":"document","entry":[{"forged":true}]}`)
	intruder := Signer{Clinic: "Riverside Family Practice", Key: testKey("intruder"), Time: signedAt}
	opened, err := Open(mustPack(t, files, intruder, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	got := opened.Verification.Sender.Fingerprint
	if real := Fingerprint(testKey("riverside").Public().(ed25519.PublicKey)); got == real {
		t.Fatalf("the forged archive shows the real clinic's fingerprint %s", real)
	}
	if want := Fingerprint(testKey("intruder").Public().(ed25519.PublicKey)); got != want {
		t.Errorf("fingerprint = %s, want the signing key's %s", got, want)
	}
}

// TestEveryByteFlip flips each byte of a whole archive in turn: either
// Open refuses it, or (for zip bookkeeping no checksum covers, such as a
// timestamp) it opens with exactly the files and manifest that were sent.
// Encrypted, every flip is refused: age authenticates every byte.
func TestEveryByteFlip(t *testing.T) {
	for _, passphrase := range []string{"", "a passphrase"} {
		data := mustPack(t, referral(), riverside(), passphrase)
		want, err := open(data, passphrase, testWorkFactor)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for i := range data {
			flipped := bytes.Clone(data)
			flipped[i] ^= 0x20
			got, err := open(flipped, passphrase, testWorkFactor)
			if err != nil {
				refused++
				if KindOf(err) == "" {
					t.Fatalf("byte %d: error %v has no kind", i, err)
				}
				continue
			}
			if passphrase != "" {
				t.Fatalf("byte %d of an encrypted archive changed and it still opened", i)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(want)
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Fatalf("byte %d changed what opened:\n%s\nwant\n%s", i, gotJSON, wantJSON)
			}
		}
		t.Logf("passphrase %q: %d of %d flipped bytes refused, the rest opened unchanged", passphrase, refused, len(data))
	}
}

func TestPackRefuses(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	cases := []struct {
		name   string
		files  []File
		signer Signer
		want   Kind
	}{
		{"no files", nil, riverside(), Invalid},
		{"no key", referral(), Signer{Clinic: "Riverside"}, Invalid},
		{"no clinic name", referral(), Signer{Clinic: " ", Key: testKey("riverside")}, Invalid},
		{"a path leading outside", []File{{Path: "../x", MediaType: "text/plain"}}, riverside(), Invalid},
		{"a name twice", []File{{Path: "a.txt", MediaType: "text/plain"}, {Path: "A.TXT", MediaType: "text/plain"}}, riverside(), Invalid},
		{"the manifest's name", []File{{Path: "manifest.json", MediaType: "application/json"}}, riverside(), Invalid},
		{"no media type", []File{{Path: "a.txt"}}, riverside(), Invalid},
		{"a file too large", []File{{Path: "scan.pdf", MediaType: "application/pdf", Data: big}}, riverside(), TooLarge},
		{"files too large together", []File{{Path: "a.pdf", MediaType: "application/pdf", Data: big[:MaxFileSize]},
			{Path: "b.pdf", MediaType: "application/pdf", Data: big[:MaxFileSize]}, {Path: "c.pdf", MediaType: "application/pdf", Data: []byte("x")}},
			riverside(), TooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Pack(tc.files, tc.signer, "")
			if KindOf(err) != tc.want || data != nil {
				t.Errorf("err = %v (kind %q), want kind %q and no archive", err, KindOf(err), tc.want)
			}
		})
	}
}
