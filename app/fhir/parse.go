package fhir

// The import side: Parse reads a FHIR R4 Bundle someone else wrote (Folio's
// own referral bundle, an IPS document, a Synthea transaction) into an
// Import that a clinician reviews item by item. It touches no database.
//
// Identifiers here start with Import or in because this package also holds
// the export side, written separately; the prefixes keep the two apart.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what Parse reads. A file past any of them is refused before
// anything is built from it: a referral or a patient's whole record is far
// below them, so only a broken or hostile file meets them.
const (
	MaxImportBytes   = 64 << 20 // 64 MiB
	MaxImportEntries = 100_000  // resources in one bundle
	MaxImportDepth   = 100      // nested objects and arrays; real FHIR stays under 20
)

// The kinds of chart item an import maps resources to, as counted by
// ImportCounts.Mapped.
const (
	ImportKindPatient      = "patient"
	ImportKindProblem      = "problem"
	ImportKindAllergy      = "allergy"
	ImportKindMedication   = "medication"
	ImportKindImmunization = "immunization"
	ImportKindResult       = "result"
	ImportKindVital        = "vital"
	ImportKindProcedure    = "procedure"
	ImportKindReport       = "report"
)

// Why a resource was read and deliberately not offered for import, as
// counted by ImportCounts.Skipped.
const (
	SkipEnteredInError = "entered-in-error" // the source retracted it
	SkipRefuted        = "refuted"          // a condition or allergy the source ruled out
	SkipNotDone        = "not-done"         // an immunization that was not given
	SkipNotTaken       = "not-taken"        // a medication the patient does not take
	SkipCancelled      = "cancelled"        // an observation never made
	SkipNoInformation  = "no-information"   // an IPS "no information about problems/medications/allergies" entry
	SkipDuplicate      = "duplicate"        // the same resource, byte for byte, appears earlier in the bundle
)

// ParseError is why a file cannot be imported at all, in words a clinician
// understands. Path points into the file when that helps ("entry[3].resource"
// or "line 12, column 4"). Nothing was read from the file.
type ParseError struct {
	Message string `json:"message"`
	Path    string `json:"path"`
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Message + " (at " + e.Path + ")"
}

// inNotImportable refuses JSON that is not a Bundle: what Folio reads, and
// what the file is instead.
func inNotImportable(isInstead string) *ParseError {
	return &ParseError{Message: "Folio expects a FHIR Bundle (a document or a collection) or a Folio archive; this file is " +
		isInstead + "."}
}

func inNotBundle(path, format string, args ...any) *ParseError {
	return &ParseError{Message: "This file is not a FHIR Bundle that Folio can import: " + fmt.Sprintf(format, args...), Path: path}
}

// Import is what a bundle holds, ready for review: where it comes from, the
// patient(s), and one item per resource, by kind. Every resource in the
// bundle is in exactly one place: Patients, one of the item lists,
// Unmapped (kept as an original) or Skipped (with its reason).
type Import struct {
	Source        ImportSource         `json:"source"`
	Patients      []ImportPatient      `json:"patients"` // more than one: the caller must refuse or pick
	Problems      []ImportProblem      `json:"problems"`
	Allergies     []ImportAllergy      `json:"allergies"`
	Medications   []ImportMedication   `json:"medications"`
	Immunizations []ImportImmunization `json:"immunizations"`
	Results       []ImportResult       `json:"results"`
	Vitals        []ImportVital        `json:"vitals"`
	Procedures    []ImportProcedure    `json:"procedures"`
	Reports       []ImportReport       `json:"reports"`
	Unmapped      []ImportUnmapped     `json:"unmapped"`
	Skipped       []ImportSkipped      `json:"skipped"`
	Warnings      []string             `json:"warnings"` // things the clinician should be told, in their words

	resourcesIn  int // counted as read, independently of where each went
	emptyEntries int
}

// ImportSource is who sent the bundle and when.
type ImportSource struct {
	BundleID         string           `json:"bundleId"`
	BundleIdentifier ImportIdentifier `json:"bundleIdentifier"`
	BundleType       string           `json:"bundleType"` // document, collection, transaction, batch, searchset
	Timestamp        string           `json:"timestamp"`  // the bundle's, as written
	// Organization is the custodian (or authoring organization) of a
	// document; otherwise the organization most of the bundle's encounters
	// and results name; "Unknown source" when none is named.
	Organization string `json:"organization"`
	Author       string `json:"author"` // a document's authors, by name
	Title        string `json:"title"`  // a document's title
	Date         string `json:"date"`   // a document's date
}

// UnknownSource is ImportSource.Organization when the bundle names none.
const UnknownSource = "Unknown source"

// ImportIdentifier is a business identifier: a system (a URI) and a value.
type ImportIdentifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Type   string `json:"type"` // e.g. "Medical Record Number", "" when not given
	// Use is FHIR's (usual, official, ...); TypeCodes the type's codings
	// (e.g. HL7 v2-0203 MR), kept with a patient registered from the file.
	Use       string       `json:"use"`
	TypeCodes []ImportCode `json:"typeCodes"`
}

// ImportCode is one coding: its system as written, the system's common name
// ("ICD-10-CM", "SNOMED CT", "LOINC", "RxNorm", "CVX", or the URI when
// Folio does not know it), the code and its display.
type ImportCode struct {
	System     string `json:"system"`
	SystemName string `json:"systemName"`
	Code       string `json:"code"`
	Display    string `json:"display"`
}

// ImportOrigin says where an item comes from, so an accepted item keeps its
// source visibly: the resource's type, id, fullUrl and business
// identifiers, its place in the bundle, the organization that recorded it
// when the bundle says, and the resource itself as JSON (to keep as
// provenance).
type ImportOrigin struct {
	Entry        int                `json:"entry"` // index in Bundle.entry
	ResourceType string             `json:"resourceType"`
	ID           string             `json:"id"`
	FullURL      string             `json:"fullUrl"`
	Identifiers  []ImportIdentifier `json:"identifiers"`
	// Organization that recorded the item: its encounter's service provider
	// or its performer; "" when the item names none (use Source.Organization).
	Organization string          `json:"organization"`
	Raw          json.RawMessage `json:"raw"`
}

// ImportPatient is a patient the bundle is about. Key is what items'
// Subject refers to.
type ImportPatient struct {
	Origin      ImportOrigin       `json:"origin"`
	Key         string             `json:"key"`
	FamilyName  string             `json:"familyName"`
	GivenNames  string             `json:"givenNames"`
	Names       []string           `json:"names"` // every name as written, official first
	BirthDate   string             `json:"birthDate"`
	Sex         string             `json:"sex"`      // female, male, other or unknown (FHIR gender)
	Deceased    string             `json:"deceased"` // a date, "yes", or "" when alive or not said
	Identifiers []ImportIdentifier `json:"identifiers"`
	Phones      []string           `json:"phones"`
	Emails      []string           `json:"emails"`
	Address     string             `json:"address"` // the first (home) address on one line
	Text        string             `json:"text"`

	// PostalAddress is Address as structured in the file; nil when the
	// file gives none.
	PostalAddress *ImportAddress `json:"postalAddress"`
}

// ImportUnmapped is a resource Folio does not turn into a chart item: kept
// whole so the caller can attach it as an original. Supporting resources
// (the document header, organizations, practitioners, medications that
// items name) were read for the source and items; the others carry
// information the clinician is told Folio did not import as items.
type ImportUnmapped struct {
	Origin     ImportOrigin `json:"origin"`
	Text       string       `json:"text"` // what it is, as far as Folio can tell
	Reason     string       `json:"reason"`
	Supporting bool         `json:"supporting"`
}

// ImportSkipped is a resource left out on purpose: Reason is one of the
// Skip constants, Explanation says it in words.
type ImportSkipped struct {
	Origin      ImportOrigin `json:"origin"`
	Text        string       `json:"text"`
	Reason      string       `json:"reason"`
	Explanation string       `json:"explanation"`
}

// ImportCounts says what went in and where it went; In equals MappedTotal +
// UnmappedTotal + SkippedTotal for every bundle Parse accepts.
type ImportCounts struct {
	In            int            `json:"in"`           // resources in the bundle
	EmptyEntries  int            `json:"emptyEntries"` // entries with no resource (e.g. a transaction's DELETE)
	Mapped        map[string]int `json:"mapped"`       // by ImportKind
	Unmapped      map[string]int `json:"unmapped"`     // by resource type
	Skipped       map[string]int `json:"skipped"`      // by Skip reason
	MappedTotal   int            `json:"mappedTotal"`
	UnmappedTotal int            `json:"unmappedTotal"`
	SkippedTotal  int            `json:"skippedTotal"`
}

// Counts tallies the import.
func (imp *Import) Counts() ImportCounts {
	c := ImportCounts{In: imp.resourcesIn, EmptyEntries: imp.emptyEntries,
		Mapped: map[string]int{}, Unmapped: map[string]int{}, Skipped: map[string]int{}}
	for kind, n := range map[string]int{
		ImportKindPatient: len(imp.Patients), ImportKindProblem: len(imp.Problems),
		ImportKindAllergy: len(imp.Allergies), ImportKindMedication: len(imp.Medications),
		ImportKindImmunization: len(imp.Immunizations), ImportKindResult: len(imp.Results),
		ImportKindVital: len(imp.Vitals), ImportKindProcedure: len(imp.Procedures), ImportKindReport: len(imp.Reports),
	} {
		if n > 0 {
			c.Mapped[kind] = n
			c.MappedTotal += n
		}
	}
	for _, u := range imp.Unmapped {
		c.Unmapped[u.Origin.ResourceType]++
		c.UnmappedTotal++
	}
	for _, s := range imp.Skipped {
		c.Skipped[s.Reason]++
		c.SkippedTotal++
	}
	return c
}

// Patient returns the patient with the given key.
func (imp *Import) Patient(key string) (ImportPatient, bool) {
	for _, p := range imp.Patients {
		if p.Key == key {
			return p, true
		}
	}
	return ImportPatient{}, false
}

// Parse reads a FHIR R4 Bundle (JSON) of type document, collection,
// transaction, batch or searchset. It returns a *ParseError, in users'
// words, when the file is not JSON, not FHIR, a single resource rather than
// a Bundle, holds no resources, or passes a limit; a resource it cannot
// understand is not an error but goes to Unmapped. Parse never panics.
//
// Observations coded by one of the LOINC codes alsoResults are read as
// results whatever their category: the caller's screenings (a PHQ-9 is
// filed as a survey, a FIT at times as a procedure).
func Parse(data []byte, alsoResults ...string) (*Import, error) {
	if err := inPreScan(data); err != nil {
		return nil, err
	}
	// What the file is comes first, read on its own: the Bundle's other
	// fields mean something else in another resource (a Patient's
	// identifier is a list, a Bundle's one object), and a person who chose
	// the wrong file needs to hear that, not what one of its fields holds.
	var kind struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(data, &kind); err != nil {
		return nil, inJsonProblem(data, "", err)
	}
	switch kind.ResourceType {
	case "Bundle":
	case "":
		return nil, inNotImportable("JSON but not FHIR (it has no resourceType)")
	default:
		return nil, inNotImportable(fmt.Sprintf("a single %s resource, not a Bundle. Export the patient's record from "+
			"the other system as a Bundle (or ask for a Folio archive) and import that", inClip(kind.ResourceType, 40)))
	}
	var head inBundleHead
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, inJsonProblem(data, "", err)
	}
	switch head.Type {
	case "document", "collection", "transaction", "batch", "searchset":
	case "":
		return nil, inNotBundle("type", "the Bundle does not say what type it is.")
	default:
		return nil, inNotBundle("type", "a Bundle of type %q holds no patient record to import (Folio reads document, collection, transaction, batch and searchset).", inClip(head.Type, 40))
	}
	entries, err := inDecodeEntries(data, head.Entry)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, &ParseError{Message: "This Bundle holds no resources: there is nothing to import.", Path: "entry"}
	}
	return inParseEntries(head, entries, len(entries), alsoResults)
}

// preScan refuses oversized input and nesting deeper than MaxImportDepth
// before encoding/json (which has no depth limit) sees it.
func inPreScan(data []byte) error {
	if len(data) > MaxImportBytes {
		return &ParseError{Message: fmt.Sprintf("This file is too large to import: %s; Folio imports bundles up to %d MB.", inSizeInWords(len(data)), MaxImportBytes>>20)}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if len(trimmed) == 0 {
		return inNotBundle("", "the file is empty.")
	}
	switch trimmed[0] {
	case '{':
	case '[':
		return inNotBundle("", "it is a JSON list, not a FHIR resource (NDJSON and lists are not bundles).")
	case '<':
		return inNotBundle("", "it looks like XML or HTML; Folio imports FHIR JSON only.")
	default:
		return inNotBundle("", "it is not JSON.")
	}
	depth, inString, escaped := 0, false, false
	for i, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxImportDepth {
				line, col := inLineColumn(data, i)
				return &ParseError{Message: fmt.Sprintf("This file is nested more than %d levels deep; no FHIR bundle is, so Folio will not read it.", MaxImportDepth),
					Path: fmt.Sprintf("line %d, column %d", line, col)}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

func inSizeInWords(n int) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// jsonProblem turns an encoding/json error into a ParseError that says
// where in the file the problem is.
func inJsonProblem(data []byte, path string, err error) *ParseError {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && strings.Contains(syntax.Error(), "unexpected end"):
		return inNotBundle(path, "the file ends too early (it may be cut short).")
	case errors.As(err, &syntax):
		line, col := inLineColumn(data, int(syntax.Offset))
		return inNotBundle(fmt.Sprintf("line %d, column %d", line, col), "it is not valid JSON (%s).", syntax.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if path != "" && field != "" {
			field = path + "." + field
		} else if field == "" {
			field = path
		}
		return inNotBundle(field, "%s should be %s, not a JSON %s.", inOrWord(field, "a value"), inJsonKindWord(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return inNotBundle(path, "the file ends too early (it may be cut short).")
	}
	return inNotBundle(path, "%s", err.Error())
}

func inOrWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func inJsonKindWord(kind string) string {
	switch kind {
	case "string":
		return "text"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "float64", "int", "int64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return kind
}

func inLineColumn(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 0 {
		offset = 0
	}
	line = 1 + bytes.Count(data[:offset], []byte{'\n'})
	col = offset - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}

// inClip shortens text from the file that goes into a message.
func inClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// inBundleHead is the bundle around its entries; the entries are decoded
// one at a time so a bundle past MaxImportEntries is refused early.
type inBundleHead struct {
	ResourceType string          `json:"resourceType"`
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Timestamp    string          `json:"timestamp"`
	Identifier   *inIdentifier   `json:"identifier"`
	Entry        json.RawMessage `json:"entry"`
}

type inEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Request  *struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
}

func inDecodeEntries(data []byte, raw json.RawMessage) ([]inEntry, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] != '[' {
		return nil, inNotBundle("entry", "the Bundle's entry should be a list.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, inJsonProblem(data, "entry", err)
	}
	var entries []inEntry
	for dec.More() {
		if len(entries) == MaxImportEntries {
			return nil, &ParseError{Message: fmt.Sprintf("This Bundle holds more than %d resources; Folio imports at most %d at a time.", MaxImportEntries, MaxImportEntries), Path: "entry"}
		}
		var e inEntry
		if err := dec.Decode(&e); err != nil {
			return nil, inJsonProblem(data, fmt.Sprintf("entry[%d]", len(entries)), err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// inResource is one entry while the bundle is read: where it sits, what
// it is, and its JSON.
type inResource struct {
	entry        int
	fullURL      string
	resourceType string
	id           string
	raw          json.RawMessage
	key          string // fullUrl, or Type/id when the entry has no fullUrl
	duplicateOf  int    // -1, or the entry this one repeats byte for byte
}

// inBundle is a bundle being read: its resources and an index to resolve
// references between them.
type inBundle struct {
	resources []inResource
	byRef     map[string]int // fullUrl and Type/id → index in resources
	imp       *Import
	usedMeds  map[int]bool // Medication resources an item was read from
	orgNames  map[int]string
	encOrg    map[int]string // Encounter → its service provider's name
	// patientKept is set when a Patient was kept as the original for a
	// modifier extension, so the file names its patient but Folio cannot.
	patientKept bool
	// alsoResults are LOINC codes read as results whatever the category.
	alsoResults map[string]bool
}

func inParseEntries(head inBundleHead, entries []inEntry, n int, alsoResults []string) (*Import, error) {
	imp := &Import{Source: ImportSource{BundleID: head.ID, BundleType: head.Type, Timestamp: head.Timestamp},
		Patients: []ImportPatient{}, Problems: []ImportProblem{}, Allergies: []ImportAllergy{},
		Medications: []ImportMedication{}, Immunizations: []ImportImmunization{}, Results: []ImportResult{},
		Vitals: []ImportVital{}, Procedures: []ImportProcedure{}, Reports: []ImportReport{}, Unmapped: []ImportUnmapped{}, Skipped: []ImportSkipped{}, Warnings: []string{}}
	if head.Identifier != nil {
		imp.Source.BundleIdentifier = head.Identifier.value()
	}
	b := &inBundle{byRef: make(map[string]int, 2*n), imp: imp, usedMeds: map[int]bool{},
		orgNames: map[int]string{}, encOrg: map[int]string{}, alsoResults: map[string]bool{}}
	for _, c := range alsoResults {
		b.alsoResults[c] = true
	}
	for i, e := range entries {
		res := bytes.TrimSpace(e.Resource)
		if len(res) == 0 || bytes.Equal(res, []byte("null")) {
			imp.emptyEntries++
			what := ""
			if e.Request != nil {
				what = fmt.Sprintf(" (%s %s)", inClip(e.Request.Method, 10), inClip(e.Request.URL, 80))
			}
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("Entry %d of the bundle holds no resource%s; there is nothing in it to import.", i+1, what))
			continue
		}
		r := inResource{entry: i, fullURL: e.FullURL, raw: res, duplicateOf: -1}
		r.resourceType, r.id = inPeekResource(res)
		b.add(r)
	}
	imp.resourcesIn = len(b.resources)
	b.readSupporting()
	// Patients first, so every item can name the patient it is about
	// wherever the Patient sits in the bundle.
	for i, r := range b.resources {
		if r.resourceType == "Patient" {
			b.mapResource(i)
		}
	}
	for i, r := range b.resources {
		if r.resourceType != "Patient" {
			b.mapResource(i)
		}
	}
	b.markUsedMedications()
	b.decideSource(head)
	b.checkPatients()
	return imp, nil
}

// add indexes a resource by its fullUrl and Type/id; a second resource
// under a key already taken is a duplicate (skipped when identical,
// otherwise both kept and the clinician warned).
func (b *inBundle) add(r inResource) {
	idx := len(b.resources)
	typeID := ""
	if r.resourceType != "" && r.id != "" {
		typeID = r.resourceType + "/" + r.id
	}
	r.key = r.fullURL
	if r.key == "" {
		r.key = typeID
	}
	if r.key == "" {
		r.key = fmt.Sprintf("entry[%d]", r.entry)
	}
	for _, k := range []string{r.fullURL, typeID} {
		if k == "" {
			continue
		}
		if prev, taken := b.byRef[k]; taken {
			if r.duplicateOf < 0 && bytes.Equal(b.resources[prev].raw, r.raw) {
				r.duplicateOf = prev
			} else if r.duplicateOf < 0 {
				b.imp.Warnings = append(b.imp.Warnings, fmt.Sprintf("%s appears twice in the bundle with different content (entries %d and %d); both are listed.",
					inClip(k, 120), b.resources[prev].entry+1, r.entry+1))
			}
			continue
		}
		b.byRef[k] = idx
	}
	b.resources = append(b.resources, r)
}

// peekResource finds a resource's type and id; for the usual layout, with
// resourceType first, without decoding the whole resource.
func inPeekResource(raw json.RawMessage) (resourceType, id string) {
	var p struct {
		ResourceType json.RawMessage `json:"resourceType"`
		ID           json.RawMessage `json:"id"`
	}
	if raw[0] != '{' || json.Unmarshal(raw, &p) != nil {
		return "", ""
	}
	return inRawString(p.ResourceType), inRawString(p.ID)
}

func inRawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// resolve finds the resource a reference points to: by fullUrl, by
// Type/id, or by the last Type/id of an absolute URL.
func (b *inBundle) resolve(ref string) (int, bool) {
	if ref == "" {
		return 0, false
	}
	if i, ok := b.byRef[ref]; ok {
		return i, true
	}
	parts := strings.Split(strings.TrimSuffix(ref, "/"), "/")
	if n := len(parts); n >= 2 {
		if i, ok := b.byRef[parts[n-2]+"/"+parts[n-1]]; ok {
			return i, true
		}
	}
	return 0, false
}

// readSupporting reads the resources items refer to for their source
// before the items themselves: organization names and each encounter's
// service provider.
func (b *inBundle) readSupporting() {
	for i, r := range b.resources {
		if r.resourceType != "Organization" {
			continue
		}
		var org struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(r.raw, &org) == nil {
			b.orgNames[i] = org.Name
		}
	}
	for i, r := range b.resources {
		if r.resourceType != "Encounter" {
			continue
		}
		var enc struct {
			ServiceProvider inRef `json:"serviceProvider"`
		}
		if json.Unmarshal(r.raw, &enc) == nil {
			b.encOrg[i] = b.orgName(enc.ServiceProvider)
		}
	}
}

func (b *inBundle) orgName(ref inRef) string {
	if i, ok := b.resolve(ref.Reference); ok {
		if name, isOrg := b.orgNames[i]; isOrg {
			return name
		}
	}
	return ""
}

// recordedBy is the organization an item names: its encounter's service
// provider, else an Organization among its performers.
func (b *inBundle) recordedBy(encounter inRef, performers ...inRef) string {
	if i, ok := b.resolve(encounter.Reference); ok {
		if name := b.encOrg[i]; name != "" {
			return name
		}
	}
	for _, p := range performers {
		if name := b.orgName(p); name != "" {
			return name
		}
	}
	return ""
}

// subject is the Key of the patient a reference names: "" when it names a
// patient not in the bundle; the only patient when it names none.
func (b *inBundle) subject(ref inRef) string {
	if ref.Reference == "" {
		if len(b.imp.Patients) == 1 {
			return b.imp.Patients[0].Key
		}
		return ""
	}
	if i, ok := b.resolve(ref.Reference); ok && b.resources[i].resourceType == "Patient" {
		return b.resources[i].key
	}
	return ""
}

func (b *inBundle) origin(i int, identifiers []inIdentifier, organization string) ImportOrigin {
	r := b.resources[i]
	o := ImportOrigin{Entry: r.entry, ResourceType: r.resourceType, ID: r.id, FullURL: r.fullURL,
		Organization: organization, Raw: r.raw, Identifiers: []ImportIdentifier{}}
	for _, id := range identifiers {
		o.Identifiers = append(o.Identifiers, id.value())
	}
	return o
}

// inNoteText is the text of a note a DocumentReference carries inline as
// plain text, as Folio sends a visit note; "" for any other (a file by URL,
// a PDF, text that is not UTF-8).
func inNoteText(raw json.RawMessage) string {
	var r struct {
		Content []struct {
			Attachment struct {
				ContentType string `json:"contentType"`
				Data        string `json:"data"`
			} `json:"attachment"`
		} `json:"content"`
	}
	if json.Unmarshal(raw, &r) != nil || len(r.Content) == 0 {
		return ""
	}
	a := r.Content[0].Attachment
	if !strings.HasPrefix(strings.ToLower(a.ContentType), "text/plain") {
		return ""
	}
	data, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil || !utf8.Valid(data) {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func (b *inBundle) unmapped(i int, text, reason string, supporting bool) {
	b.imp.Unmapped = append(b.imp.Unmapped, ImportUnmapped{Origin: b.origin(i, nil, ""), Text: text, Reason: reason, Supporting: supporting})
}

func (b *inBundle) skipped(i int, text, reason, explanation string) {
	b.imp.Skipped = append(b.imp.Skipped, ImportSkipped{Origin: b.origin(i, nil, ""), Text: text, Reason: reason, Explanation: explanation})
}

// mapResource puts resource i in exactly one place of the import.
func (b *inBundle) mapResource(i int) {
	r := b.resources[i]
	if r.duplicateOf >= 0 {
		b.skipped(i, r.resourceType+" "+r.id, SkipDuplicate,
			fmt.Sprintf("The same resource appears earlier in the bundle (entry %d); it is imported once.", b.resources[r.duplicateOf].entry+1))
		return
	}
	if r.resourceType != "" && b.keptForModifier(i) {
		return
	}
	switch r.resourceType {
	case "":
		b.unmapped(i, "", "Not a FHIR resource: it has no resourceType.", false)
	case "Patient":
		b.mapPatient(i)
	case "Condition":
		b.mapCondition(i)
	case "AllergyIntolerance":
		b.mapAllergy(i)
	case "MedicationRequest", "MedicationStatement":
		b.mapMedication(i)
	case "Immunization":
		b.mapImmunization(i)
	case "Observation":
		b.mapObservation(i)
	case "Procedure":
		b.mapProcedure(i)
	case "DiagnosticReport":
		b.mapReport(i)
	case "Composition":
		b.unmapped(i, "Document header", "Read for the document's title, date, author and custodian; kept as the original.", true)
	case "Organization":
		b.unmapped(i, b.orgNames[i], "An organization, read as the source of items; kept as the original.", true)
	case "Practitioner", "PractitionerRole":
		b.unmapped(i, b.nameOf(i), "A clinician named by the bundle; kept as the original.", true)
	case "Medication":
		// Decided after the items: supporting when an item was read from it.
	case "Bundle":
		b.unmapped(i, "A bundle inside the bundle", "Folio does not read bundles inside bundles; kept as the original.", false)
	case "DocumentReference":
		if text := inNoteText(r.raw); text != "" {
			// Another clinic's note is its record, not a visit here: it is
			// kept as received, its text readable in the import.
			b.unmapped(i, text, "A visit note of the sending clinic: kept as received, with its text, not as a visit of this clinic.", false)
			return
		}
		b.unmapped(i, inDescribe(r.raw), "Folio does not import DocumentReference resources as chart items; kept as the original.", false)
	default:
		b.unmapped(i, inDescribe(r.raw), fmt.Sprintf("Folio does not import %s resources as chart items; kept as the original.", inClip(r.resourceType, 60)), false)
	}
}

func (b *inBundle) markUsedMedications() {
	for i, r := range b.resources {
		if r.resourceType != "Medication" || r.duplicateOf >= 0 {
			continue
		}
		if url, at := inModifierExtension(r.raw); url != "" {
			b.unmapped(i, inDescribe(r.raw), inModifierReason(url, at), false)
			continue
		}
		if b.usedMeds[i] {
			b.unmapped(i, inDescribe(r.raw), "A medication definition, read into the medication items that name it; kept as the original.", true)
		} else {
			b.unmapped(i, inDescribe(r.raw), "A medication no statement or prescription in the bundle names; kept as the original.", false)
		}
	}
}

// decideSource names who sent the bundle: a document's custodian or
// author organization, else the organization most items name.
func (b *inBundle) decideSource(head inBundleHead) {
	src := &b.imp.Source
	for _, r := range b.resources {
		if r.resourceType != "Composition" {
			continue
		}
		var c struct {
			Title     string  `json:"title"`
			Date      string  `json:"date"`
			Author    []inRef `json:"author"`
			Custodian inRef   `json:"custodian"`
		}
		if json.Unmarshal(r.raw, &c) != nil {
			break
		}
		src.Title, src.Date = c.Title, c.Date
		src.Organization = b.orgName(c.Custodian)
		var authors []string
		for _, a := range c.Author {
			name := a.Display
			if i, ok := b.resolve(a.Reference); ok {
				if n := b.nameOf(i); n != "" {
					name = n
				}
				if src.Organization == "" {
					src.Organization = b.orgNames[i]
				}
			}
			if name != "" {
				authors = append(authors, name)
			}
		}
		src.Author = strings.Join(authors, ", ")
		break
	}
	if src.Organization == "" {
		src.Organization = b.mostNamedOrganization()
	}
	if src.Organization == "" {
		src.Organization = UnknownSource
	}
}

// nameOf is a Practitioner's, PractitionerRole's or Organization's name.
func (b *inBundle) nameOf(i int) string {
	r := b.resources[i]
	switch r.resourceType {
	case "Organization":
		return b.orgNames[i]
	case "Practitioner", "Location":
		return inDescribe(r.raw)
	case "PractitionerRole":
		var pr struct {
			Practitioner inRef `json:"practitioner"`
		}
		if json.Unmarshal(r.raw, &pr) == nil {
			if j, ok := b.resolve(pr.Practitioner.Reference); ok && j != i {
				return inDescribe(b.resources[j].raw)
			}
		}
	}
	return ""
}

func (b *inBundle) mostNamedOrganization() string {
	count := map[string]int{}
	add := func(name string) {
		if name != "" {
			count[name]++
		}
	}
	for _, list := range [][]ImportOrigin{
		inOrigins(b.imp.Problems, func(x ImportProblem) ImportOrigin { return x.Origin }),
		inOrigins(b.imp.Allergies, func(x ImportAllergy) ImportOrigin { return x.Origin }),
		inOrigins(b.imp.Medications, func(x ImportMedication) ImportOrigin { return x.Origin }),
		inOrigins(b.imp.Immunizations, func(x ImportImmunization) ImportOrigin { return x.Origin }),
		inOrigins(b.imp.Results, func(x ImportResult) ImportOrigin { return x.Origin }),
		inOrigins(b.imp.Vitals, func(x ImportVital) ImportOrigin { return x.Origin }),
	} {
		for _, o := range list {
			add(o.Organization)
		}
	}
	for _, name := range b.encOrg {
		add(name)
	}
	best, bestN := "", 0
	names := make([]string, 0, len(count))
	for name := range count {
		names = append(names, name)
	}
	sort.Strings(names) // ties go to the first name in order, so the result is stable
	for _, name := range names {
		if count[name] > bestN {
			best, bestN = name, count[name]
		}
	}
	if best == "" {
		for i, r := range b.resources {
			if r.resourceType == "Organization" && b.orgNames[i] != "" {
				return b.orgNames[i]
			}
		}
	}
	return best
}

func inOrigins[T any](items []T, get func(T) ImportOrigin) []ImportOrigin {
	out := make([]ImportOrigin, len(items))
	for i, it := range items {
		out[i] = get(it)
	}
	return out
}

func (b *inBundle) checkPatients() {
	switch n := len(b.imp.Patients); {
	case n == 0 && b.patientKept:
		// keptForModifier has said why, and that the clinician must choose.
	case n == 0:
		b.imp.Warnings = append(b.imp.Warnings, "This file names no patient: choose the chart to import it into.")
	case n > 1:
		var names []string
		for _, p := range b.imp.Patients {
			names = append(names, p.Text)
		}
		b.imp.Warnings = append(b.imp.Warnings, fmt.Sprintf("This file holds %d patients (%s); import one at a time.", n, strings.Join(names, "; ")))
	}
}

// A modifier extension (FHIR's modifierExtension, on a resource or on any
// element inside it) changes what the element means: FHIR requires a
// system that does not understand one not to process the resource as if
// it were plain. Folio understands none, so a resource carrying one, on
// itself or anywhere nested (a dosage, a reaction, a component, a
// contained resource), is kept as the original and never charted, whatever
// its type. A prescription or statement that names a Medication carrying
// one is kept too, since the drug it names may not be what it seems.

// keptForModifier keeps resource i as the original, with the reason, when
// it (or the Medication it names) carries a modifier extension, and tells
// whether it did.
func (b *inBundle) keptForModifier(i int) bool {
	r := b.resources[i]
	url, at := inModifierExtension(r.raw)
	reason := inModifierReason(url, at)
	if url == "" && (r.resourceType == "MedicationRequest" || r.resourceType == "MedicationStatement") {
		var m struct {
			MedicationReference inRef `json:"medicationReference"`
		}
		if json.Unmarshal(r.raw, &m) == nil {
			if j, ok := b.resolve(m.MedicationReference.Reference); ok && j != i {
				if url, at = inModifierExtension(b.resources[j].raw); url != "" {
					reason = fmt.Sprintf("Kept as the original: the medication it names (%s) carries a modifier extension Folio does not understand: %s (at %s), which may change what it means, so Folio does not chart it.",
						inClip(m.MedicationReference.Reference, 80), url, at)
				}
			}
		}
	}
	if url == "" {
		return false
	}
	if r.resourceType == "Medication" {
		return false // markUsedMedications keeps it, after the items that name it
	}
	text := inDescribe(r.raw)
	if r.resourceType == "Patient" {
		b.patientKept = true
		b.imp.Warnings = append(b.imp.Warnings, fmt.Sprintf("The file's patient (%s) carries a modifier extension Folio does not understand (%s), so Folio cannot tell whom the file is about: it is kept as the original, and nothing in the file can be checked against a chart's patient.",
			inClip(r.resourceType+"/"+r.id, 80), url))
	}
	b.unmapped(i, text, reason, false)
	return true
}

func inModifierReason(url, at string) string {
	return fmt.Sprintf("Kept as the original: it carries a modifier extension Folio does not understand: %s (at %s), which may change what it means, so Folio does not chart it.", url, at)
}

// inModifierExtension finds the first modifier extension in a resource,
// on it or nested at any depth, in the order the file gives: its url
// ("no url" when it names none) and where it is ("the resource",
// "dosage[0]", "reaction[1].manifestation[0]"); "" when there is none.
func inModifierExtension(raw json.RawMessage) (url, at string) {
	if !bytes.Contains(raw, []byte(`"modifierExtension"`)) {
		return "", "" // the usual case, without decoding the resource again
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	url, at, _ = inFindModifier(dec, "")
	return url, at
}

// inFindModifier reads one JSON value from dec (at path) and reports the
// first modifierExtension inside it. Reading token by token keeps the
// file's order, so the first one in the file is the one named.
func inFindModifier(dec *json.Decoder, path string) (url, at string, err error) {
	tok, err := dec.Token()
	if err != nil {
		return "", "", err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return "", "", err
			}
			key, _ := keyTok.(string)
			child := key
			if path != "" {
				child = path + "." + key
			}
			if key == "modifierExtension" {
				var exts []struct {
					URL string `json:"url"`
				}
				if dec.Decode(&exts) != nil || len(exts) == 0 {
					// Not the list FHIR says it is: still a modifier, unread.
					return "(one that cannot be read)", inOrWord(path, "the resource"), nil
				}
				return inOrWord(inClip(exts[0].URL, 200), "(one with no url)"), inOrWord(path, "the resource"), nil
			}
			if url, at, err = inFindModifier(dec, child); url != "" || err != nil {
				return url, at, err
			}
		}
		_, err = dec.Token() // }
		return "", "", err
	case json.Delim('['):
		for n := 0; dec.More(); n++ {
			if url, at, err = inFindModifier(dec, fmt.Sprintf("%s[%d]", path, n)); url != "" || err != nil {
				return url, at, err
			}
		}
		_, err = dec.Token() // ]
		return "", "", err
	}
	return "", "", nil
}
