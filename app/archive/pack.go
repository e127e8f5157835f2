package archive

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"filippo.io/age"
)

// scryptWorkFactor is the passphrase's scrypt cost, 2^18: age's own
// default, about a second to pack or open on a clinic PC (see
// BenchmarkPackOpen). Making a guess cost that much is what keeps a short
// passphrase from falling to a search; Open accepts one step more
// (maxScryptWorkFactor) and no further, so a hostile file cannot make it
// spend minutes and gigabytes.
const (
	scryptWorkFactor    = 18
	maxScryptWorkFactor = scryptWorkFactor + 1
)

// Pack builds the archive of files, signed by signer, and encrypted with
// passphrase unless it is "". The files keep their order; their paths must
// be plain relative paths, each used once. An *Error of kind Invalid or
// TooLarge says what is wrong with the files.
func Pack(files []File, signer Signer, passphrase string) ([]byte, error) {
	return pack(files, signer, passphrase, scryptWorkFactor)
}

func pack(files []File, signer Signer, passphrase string, workFactor int) ([]byte, error) {
	manifest, err := manifestFor(files, signer)
	if err != nil {
		return nil, err
	}
	manifestBytes, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write archive manifest: %w", err)
	}
	manifestBytes = append(manifestBytes, '\n')
	signature := ed25519.Sign(signer.Key, manifestBytes)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries := append([]File{{Path: manifestName, MediaType: "application/json", Data: manifestBytes},
		{Path: signatureName, MediaType: "application/octet-stream", Data: signature}}, files...)
	for _, f := range entries {
		header := &zip.FileHeader{Name: f.Path, Method: compression(f.MediaType), Modified: manifest.Created}
		w, err := zw.CreateHeader(header)
		if err != nil {
			return nil, fmt.Errorf("write %s into the archive: %w", f.Path, err)
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, fmt.Errorf("write %s into the archive: %w", f.Path, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("finish the archive: %w", err)
	}
	if passphrase == "" {
		return buf.Bytes(), nil
	}
	return encrypt(buf.Bytes(), passphrase, workFactor)
}

// manifestFor checks the files and the signer and lists them.
func manifestFor(files []File, signer Signer) (Manifest, error) {
	if len(signer.Key) != ed25519.PrivateKeySize {
		return Manifest{}, refuse(Invalid, nil, "The clinic's signing key is missing or not an Ed25519 key.")
	}
	if problem := clinicProblem(signer.Clinic); problem != "" {
		return Manifest{}, refuse(Invalid, nil, "The archive cannot be signed: the sender has %s.", problem)
	}
	if len(files) == 0 || len(files) > MaxFiles {
		return Manifest{}, refuse(Invalid, nil, "An archive holds 1 to %d files; %d were given.", MaxFiles, len(files))
	}
	created := signer.Time
	if created.IsZero() {
		created = time.Now()
	}
	pub := signer.Key.Public().(ed25519.PublicKey)
	m := Manifest{Format: FormatName, Version: Version, Created: created.UTC(),
		Sender: Sender{Clinic: signer.Clinic, PublicKey: base64.StdEncoding.EncodeToString(pub), Fingerprint: Fingerprint(pub)}}
	seen := map[string]bool{}
	var total int64
	for _, f := range files {
		problem := pathProblem(f.Path)
		if problem == "" {
			problem = mediaTypeProblem(f.MediaType)
		}
		if problem == "" && (reserved(f.Path) || seen[nameKey(f.Path)]) {
			problem = fmt.Sprintf("the name %q twice", f.Path)
		}
		if problem != "" {
			return Manifest{}, refuse(Invalid, nil, "A file for the archive has %s.", problem)
		}
		seen[nameKey(f.Path)] = true
		size := int64(len(f.Data))
		if size > MaxFileSize {
			return Manifest{}, refuse(TooLarge, nil, "%s is larger than an archive may hold (%d MiB).", f.Path, MaxFileSize>>20)
		}
		if total += size; total > MaxTotalSize {
			return Manifest{}, refuse(TooLarge, nil, "The files chosen are larger together than an archive may hold (%d MiB).", MaxTotalSize>>20)
		}
		sum := sha256.Sum256(f.Data)
		m.Files = append(m.Files, ManifestFile{Path: f.Path, Size: size, SHA256: hex.EncodeToString(sum[:]), MediaType: f.MediaType})
	}
	return m, nil
}

// compression stores files that are compressed already: deflating a PDF or
// a photo again costs time and saves nothing.
func compression(mediaType string) uint16 {
	switch mediaType {
	case "application/pdf", "image/jpeg", "image/png", "image/webp", "application/octet-stream":
		return zip.Store
	}
	return zip.Deflate
}

// encrypt wraps the zip in age, to the passphrase alone.
func encrypt(plain []byte, passphrase string, workFactor int) ([]byte, error) {
	recipient, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("encrypt the archive: %w", err)
	}
	recipient.SetWorkFactor(workFactor)
	var buf bytes.Buffer
	buf.Grow(len(plain) + len(plain)/1024*16 + 512)
	w, err := age.Encrypt(&buf, recipient)
	if err != nil {
		return nil, fmt.Errorf("encrypt the archive: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt the archive: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt the archive: %w", err)
	}
	return buf.Bytes(), nil
}
