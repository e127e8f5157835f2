package archive

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"filippo.io/age"
)

// ageHeader begins every binary age file; Folio never writes the armored
// (text) form, so that is not an archive of Folio's.
var ageHeader = []byte("age-encryption.org/v1\n")

var zipHeader = []byte("PK\x03\x04")

// Open checks an archive and returns its files. It succeeds only when the
// archive is whole, every file is exactly as the manifest lists it, nothing
// unlisted is inside, and the manifest is signed by the key it names; any
// other archive is refused with an *Error whose Kind says why and whose
// Verification (when the manifest was readable) says which files differ
// and who the sender claims to be. passphrase opens an encrypted archive;
// it is not needed, and ignored, for one that is not.
//
// Open trusts nothing in data: sizes are checked before anything is
// decompressed and again while reading, names are checked before use, and
// no more than MaxTotalSize is ever read out of the zip.
func Open(data []byte, passphrase string) (*Opened, error) {
	return open(data, passphrase, maxScryptWorkFactor)
}

func open(data []byte, passphrase string, maxWorkFactor int) (*Opened, error) {
	if len(data) > MaxArchiveSize {
		return nil, tooLarge("This archive", MaxArchiveSize)
	}
	var v Verification
	if bytes.HasPrefix(data, ageHeader) {
		plain, err := decrypt(data, passphrase, maxWorkFactor)
		if err != nil {
			return nil, err
		}
		data, v.Encrypted = plain, true
	}
	if !bytes.HasPrefix(data, zipHeader) {
		return nil, notFolio(nil)
	}
	if err := checkZipLayout(data); err != nil {
		return nil, damaged(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, damaged(err)
	}
	entries, err := indexEntries(zr.File)
	if err != nil {
		return nil, err
	}
	manifestBytes, signature, err := readSignedManifest(entries)
	if err != nil {
		return nil, err
	}
	manifest, pub, err := parseManifest(manifestBytes)
	if err != nil {
		return nil, err
	}
	v.Sender = Sender{Clinic: manifest.Sender.Clinic, PublicKey: manifest.Sender.PublicKey, Fingerprint: Fingerprint(pub)}
	v.SignatureValid = len(signature) == ed25519.SignatureSize && ed25519.Verify(pub, manifestBytes, signature)
	files, problems := readFiles(manifest, entries)
	v.Problems, v.Intact = problems, len(problems) == 0
	if !v.SignatureValid {
		return nil, &Error{Kind: BadSignature, Verification: &v,
			Message: fmt.Sprintf("This archive was changed after it was signed, or is damaged: its signature does not match the key of %q that it names. It was not opened.", v.Sender.Clinic)}
	}
	if !v.Intact {
		e := damaged(nil)
		e.Message = fmt.Sprintf("This archive is damaged or was changed: %s. It was not opened; ask the sender to send it again.", describe(problems))
		e.Verification = &v
		return nil, e
	}
	return &Opened{Manifest: manifest, Files: files, Verification: v}, nil
}

// decrypt opens the age wrapping with the passphrase.
func decrypt(data []byte, passphrase string, maxWorkFactor int) ([]byte, error) {
	if passphrase == "" {
		return nil, refuse(NeedsPassphrase, nil, "This archive is protected by a passphrase. Enter the passphrase the sender gave you.")
	}
	identity, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("open encrypted archive: %w", err)
	}
	identity.SetMaxWorkFactor(maxWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(data), identity)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && !slices.Contains(noMatch.StanzaTypes, "scrypt"):
		return nil, refuse(NotFolio, err, "This file is encrypted for someone's key, not with a passphrase as Folio does, so it was not opened.")
	case errors.As(err, &noMatch):
		return nil, refuse(WrongPassphrase, err, "The passphrase does not open this archive. Check it with the sender and try again.")
	case err != nil:
		return nil, refuse(Damaged, err, "This encrypted archive is damaged, or was not encrypted by Folio, so it was not opened.")
	}
	// The plain zip is never longer than the encrypted file, which is
	// within MaxArchiveSize; the limit only guards that promise.
	plain, err := io.ReadAll(io.LimitReader(r, MaxArchiveSize+1))
	if err != nil {
		return nil, damaged(err)
	}
	if len(plain) > MaxArchiveSize {
		return nil, tooLarge("This archive", MaxArchiveSize)
	}
	return plain, nil
}

// checkZipLayout holds the zip's end record to what archive/zip writes
// for an archive within Folio's limits: no comment, nothing after the end
// record, the central directory right before it, no zip64, and at most
// MaxFiles+2 entries. archive/zip reads directory entries until one fails
// to parse, whatever count the end record gives, so without this a small
// hostile file of empty entries could make it allocate without bound; and a
// truncated file is refused here as damaged.
func checkZipLayout(data []byte) error {
	const endLen = 22
	if len(data) < endLen {
		return errors.New("zip: too short")
	}
	end := data[len(data)-endLen:]
	le := binary.LittleEndian
	records, size, offset := le.Uint16(end[10:]), le.Uint32(end[12:]), le.Uint32(end[16:])
	switch {
	case !bytes.HasPrefix(end, []byte("PK\x05\x06")):
		return errors.New("zip: no end record at the end")
	case le.Uint16(end[4:]) != 0 || le.Uint16(end[6:]) != 0 || le.Uint16(end[8:]) != records || le.Uint16(end[20:]) != 0:
		return errors.New("zip: split archive or comment")
	case records > MaxFiles+2 || size > 1<<20:
		return errors.New("zip: directory too large")
	case int64(offset)+int64(size) != int64(len(data)-endLen):
		return errors.New("zip: directory not where the end record says")
	}
	return nil
}

// indexEntries checks every zip entry's name, kind and declared size, and
// indexes them by name. Declared sizes are checked here, before anything
// is decompressed; archive/zip then refuses to read past them.
func indexEntries(files []*zip.File) (map[string]*zip.File, error) {
	if len(files) > MaxFiles+2 {
		return nil, refuse(TooLarge, nil, "This archive holds more than %d files, more than Folio accepts, so it was not opened.", MaxFiles)
	}
	entries := map[string]*zip.File{}
	seen := map[string]bool{}
	var total uint64
	for _, f := range files {
		if problem := pathProblem(f.Name); problem != "" {
			return nil, refuse(NotFolio, nil, "This archive holds a file with %s, which Folio never writes, so it was not opened.", problem)
		}
		if seen[nameKey(f.Name)] {
			return nil, refuse(NotFolio, nil, "This archive holds the name %q twice, which Folio never writes, so it was not opened.", f.Name)
		}
		seen[nameKey(f.Name)] = true
		if f.Mode()&fs.ModeType != 0 || f.Flags&0x1 != 0 || (f.Method != zip.Store && f.Method != zip.Deflate) {
			return nil, refuse(NotFolio, nil, "This archive holds %q in a form Folio never writes (a link, a folder, or zip encryption), so it was not opened.", f.Name)
		}
		if f.UncompressedSize64 > MaxFileSize {
			return nil, tooLarge(fmt.Sprintf("The file %q in this archive", f.Name), MaxFileSize)
		}
		if total += f.UncompressedSize64; total > MaxTotalSize {
			return nil, tooLarge("The content of this archive", MaxTotalSize)
		}
		entries[f.Name] = f
	}
	return entries, nil
}

// readSignedManifest reads manifest.json and manifest.sig.
func readSignedManifest(entries map[string]*zip.File) (manifest, signature []byte, err error) {
	m, s := entries[manifestName], entries[signatureName]
	if m == nil || s == nil {
		return nil, nil, refuse(NotFolio, nil, "This file is not an archive made by Folio (it has no signed list of contents), so it was not opened.")
	}
	if m.UncompressedSize64 > maxManifestSize {
		return nil, nil, tooLarge("The list of contents of this archive", maxManifestSize)
	}
	if manifest, err = readEntry(m, int64(m.UncompressedSize64)); err != nil {
		return nil, nil, damaged(err)
	}
	if signature, err = readEntry(s, ed25519.SignatureSize); err != nil {
		return nil, nil, damaged(err)
	}
	return manifest, signature, nil
}

// readEntry reads a zip entry of at most limit bytes (limit must already
// be within the size limits): a longer one is an error.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(int64(f.UncompressedSize64), limit)))
	n, err := io.Copy(buf, io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	if n > limit {
		return nil, fmt.Errorf("read %s: longer than %d bytes", f.Name, limit)
	}
	return buf.Bytes(), nil
}

// parseManifest reads the manifest strictly: version 1 has exactly the
// fields Manifest has, and a field it does not know is refused rather than
// ignored. The manifest is what the signature vouches for, so a field an
// older Folio skipped could change what the sender meant (say, a file
// marked as superseded) without anyone seeing it; a newer Folio that adds
// one raises Version, and this one then says to update instead of
// guessing. The probe of format and version comes first, so that newer
// archives get that message and not "damaged".
func parseManifest(data []byte) (Manifest, ed25519.PublicKey, error) {
	var probe struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Manifest{}, nil, damaged(err)
	}
	if probe.Format != FormatName {
		return Manifest{}, nil, notFolio(nil)
	}
	if probe.Version > Version {
		return Manifest{}, nil, refuse(NewerVersion, nil, "This archive was made by a newer version of Folio (archive version %d). Update Folio to open it.", probe.Version)
	}
	if probe.Version != Version {
		return Manifest{}, nil, notFolio(nil)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, nil, damaged(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Manifest{}, nil, damaged(errors.New("manifest: data after the object"))
	}
	pub, err := base64.StdEncoding.Strict().DecodeString(m.Sender.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return Manifest{}, nil, refuse(BadSignature, err, "This archive does not carry a valid key of its sender, so it was not opened.")
	}
	if m.Sender.Fingerprint != Fingerprint(pub) {
		return Manifest{}, nil, refuse(BadSignature, nil, "This archive names a key fingerprint that is not its key's, so it was not opened.")
	}
	if err := checkListed(m); err != nil {
		return Manifest{}, nil, err
	}
	return m, pub, nil
}

// checkListed holds the manifest's list of files to the rules Pack
// follows.
func checkListed(m Manifest) error {
	if problem := clinicProblem(m.Sender.Clinic); problem != "" {
		return refuse(NotFolio, nil, "This archive names its sender with %s, which Folio never writes, so it was not opened.", problem)
	}
	if len(m.Files) == 0 || len(m.Files) > MaxFiles {
		return refuse(NotFolio, nil, "This archive lists %d files; Folio writes 1 to %d. It was not opened.", len(m.Files), MaxFiles)
	}
	seen := map[string]bool{}
	var total int64
	for _, f := range m.Files {
		problem := pathProblem(f.Path)
		if problem == "" && (reserved(f.Path) || seen[nameKey(f.Path)]) {
			problem = fmt.Sprintf("the name %q twice", f.Path)
		}
		if problem == "" {
			problem = mediaTypeProblem(f.MediaType)
		}
		if sum, err := hex.DecodeString(f.SHA256); problem == "" && (err != nil || len(sum) != sha256.Size || hex.EncodeToString(sum) != f.SHA256) {
			problem = fmt.Sprintf("a checksum for %q that is not a SHA-256", f.Path)
		}
		if problem != "" {
			return refuse(NotFolio, nil, "This archive lists %s, which Folio never writes, so it was not opened.", problem)
		}
		seen[nameKey(f.Path)] = true
		if f.Size < 0 || f.Size > MaxFileSize {
			return tooLarge(fmt.Sprintf("The file %q in this archive", f.Path), MaxFileSize)
		}
		if total += f.Size; total > MaxTotalSize {
			return tooLarge("The content of this archive", MaxTotalSize)
		}
	}
	return nil
}

// readFiles reads every listed file and compares it with the manifest,
// collecting every difference rather than stopping at the first, so the
// user is told the whole of what is wrong.
func readFiles(m Manifest, entries map[string]*zip.File) ([]File, []FileProblem) {
	var files []File
	problems := []FileProblem{}
	listed := map[string]bool{manifestName: true, signatureName: true}
	for _, mf := range m.Files {
		listed[mf.Path] = true
		entry := entries[mf.Path]
		if entry == nil {
			problems = append(problems, FileProblem{Path: mf.Path, Problem: Missing})
			continue
		}
		if entry.UncompressedSize64 != uint64(mf.Size) {
			problems = append(problems, FileProblem{Path: mf.Path, Problem: Changed})
			continue
		}
		data, err := readEntry(entry, mf.Size)
		sum := sha256.Sum256(data)
		if err != nil || int64(len(data)) != mf.Size || hex.EncodeToString(sum[:]) != mf.SHA256 {
			problems = append(problems, FileProblem{Path: mf.Path, Problem: Changed})
			continue
		}
		files = append(files, File{Path: mf.Path, MediaType: mf.MediaType, Data: data})
	}
	for name := range entries {
		if !listed[name] {
			problems = append(problems, FileProblem{Path: name, Problem: Unlisted})
		}
	}
	slices.SortFunc(problems, func(a, b FileProblem) int { return strings.Compare(a.Path, b.Path) })
	return files, problems
}

// describe puts problems in a sentence: "letter.pdf was changed, scan.png
// is missing".
func describe(problems []FileProblem) string {
	const shown = 3
	var b bytes.Buffer
	for i, p := range problems {
		if i == shown {
			fmt.Fprintf(&b, " and %d more", len(problems)-shown)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		switch p.Problem {
		case Changed:
			fmt.Fprintf(&b, "%q was changed", p.Path)
		case Missing:
			fmt.Fprintf(&b, "%q is missing", p.Path)
		case Unlisted:
			fmt.Fprintf(&b, "%q was added", p.Path)
		}
	}
	return b.String()
}
