// Package archive is the one file a clinic hands over: a zip holding the
// files of a referral (the FHIR bundle, a readable summary, chosen
// documents), a manifest listing each file with its SHA-256, and the
// clinic's Ed25519 signature over that manifest; optionally the whole zip is
// encrypted with a passphrase (age, scrypt). Pack builds one; Open checks
// one from anywhere, hostile or not, and hands back its files only when
// every byte is as the sender signed it.
//
// The sender's public key travels inside the manifest, so a valid signature
// proves the archive is intact and was made by whoever holds that key; it
// does not prove who that is. The receiver compares the fingerprint with
// one the sender gave them another way (a phone call, a letter), and Folio
// may later keep a list of known senders to do it for them.
package archive

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Format and Version name what Pack writes. An archive of a newer version
// is refused, not guessed at: a field this Folio does not know might
// change what the files mean.
const (
	FormatName = "folio-archive"
	Version    = 1
)

// The limits Open enforces on what it reads, checked before and while
// decompressing, so a zip bomb is refused before it costs memory. Pack
// enforces the same, so Folio never makes an archive Folio refuses.
const (
	MaxArchiveSize  = 200 << 20 // the file as handed over, encrypted or not
	MaxTotalSize    = 200 << 20 // all files together, uncompressed
	MaxFileSize     = 100 << 20 // one file, uncompressed
	MaxFiles        = 1000
	maxManifestSize = 1 << 20
	maxPathLength   = 255
	maxClinicLength = 200
)

// The two entries every archive has besides its files.
const (
	manifestName  = "manifest.json"
	signatureName = "manifest.sig"
)

// File is one file inside an archive. Path is relative and uses forward
// slashes ("bundle.json", "documents/letter.pdf").
type File struct {
	Path      string `json:"path"`
	MediaType string `json:"mediaType"`
	Data      []byte `json:"data"`
}

// Signer is who signs an archive: the clinic's name and key, and the time
// written in the manifest (now when zero).
type Signer struct {
	Clinic string
	Key    ed25519.PrivateKey
	Time   time.Time
}

// Manifest is manifest.json: what the archive holds and who sent it. Its
// exact bytes are what manifest.sig signs.
type Manifest struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Created time.Time      `json:"created"`
	Sender  Sender         `json:"sender"`
	Files   []ManifestFile `json:"files"`
}

// Sender is the clinic that signed an archive, as the archive says. On Open
// the fingerprint is computed from the key, never taken on trust.
type Sender struct {
	Clinic      string `json:"clinic"`
	PublicKey   string `json:"publicKey"` // standard base64 of the 32-byte Ed25519 key
	Fingerprint string `json:"fingerprint"`
}

// ManifestFile is one file as the manifest lists it.
type ManifestFile struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // lowercase hex
	MediaType string `json:"mediaType"`
}

// Opened is an archive that passed every check: its files in the
// manifest's order, the manifest, and what was verified.
type Opened struct {
	Manifest     Manifest     `json:"manifest"`
	Files        []File       `json:"files"`
	Verification Verification `json:"verification"`
}

// File finds a file by its path.
func (o *Opened) File(path string) (File, bool) {
	for _, f := range o.Files {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// Verification is what Open found, for the UI to show: whether every file
// is as listed, whether the manifest is signed by the key it carries, and
// the sender as sent. Open returns it with the archive when all is well,
// and inside its *Error when the archive is damaged or badly signed.
type Verification struct {
	Encrypted      bool          `json:"encrypted"`
	SignatureValid bool          `json:"signatureValid"`
	Intact         bool          `json:"intact"`
	Problems       []FileProblem `json:"problems"`
	Sender         Sender        `json:"sender"`
}

// FileProblem is one way the files differ from the manifest.
type FileProblem struct {
	Path    string  `json:"path"`
	Problem Problem `json:"problem"`
}

// Problem says how one file differs from the manifest.
type Problem string

const (
	Changed  Problem = "changed"  // its bytes differ from the checksum or size listed
	Missing  Problem = "missing"  // listed, but not in the archive
	Unlisted Problem = "unlisted" // in the archive, but not listed
)

// Fingerprint is how people compare a clinic's key by eye or over the
// phone: the first 16 bytes of the SHA-256 of the 32-byte public key, as
// eight groups of four uppercase hex digits ("3F2A 9C1B ..."). Sixteen
// bytes keep it short enough to read aloud while leaving 2^128 work to make
// another key with the same fingerprint; hashing (rather than showing the
// key) gives the same length whatever the key type.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	digits := strings.ToUpper(hex.EncodeToString(sum[:16]))
	groups := make([]string, 0, len(digits)/4)
	for i := 0; i < len(digits); i += 4 {
		groups = append(groups, digits[i:i+4])
	}
	return strings.Join(groups, " ")
}
