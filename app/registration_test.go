package app_test

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// picture is a w×h image of noise (which compresses badly, for size
// limits), or of one colour.
func picture(w, h int, noise bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 200, G: 120, B: 80, A: 255}
			if noise {
				c = color.RGBA{R: uint8(r.IntN(256)), G: uint8(r.IntN(256)), B: uint8(r.IntN(256)), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func pngURL(t testing.TB, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func jpegURL(t testing.TB, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// fullPatient is a registration form with every field filled in.
func fullPatient(t testing.TB, clinicianID string) app.PatientInput {
	in := samplePatient()
	in.PreferredName = "Annie"
	in.GenderIdentity = "Woman"
	in.Phone2 = "+1 (608) 555-0101"
	in.Email = "ana.rivera@example.com"
	in.Language = "Spanish"
	in.EmergencyName = "Luis Rivera"
	in.EmergencyRelationship = "Brother"
	in.EmergencyPhone = "555-201-9000"
	in.InsurancePayer = "Acme Health"
	in.InsuranceMemberID = "XG-4471-002"
	in.InsuranceGroup = "G-100"
	in.PrimaryClinicianID = clinicianID
	in.Photo = jpegURL(t, picture(32, 32, false))
	in.DeskNote = "Prefers morning appointments.\nNeeds an interpreter for long visits."
	return in
}

func TestRegisterEveryField(t *testing.T) {
	ta := newTestApp(t)
	in := fullPatient(t, ta.Clinician.User.ID)
	in.DeskNote = "  Prefers morning appointments.\r\nNeeds an interpreter for long visits.  "
	in.Email = " ana.rivera@example.com "
	p, err := ta.FrontDesk.Patients.Register(in)
	if err != nil {
		t.Fatal(err)
	}
	want := fullPatient(t, ta.Clinician.User.ID)
	if p.PatientInput != want {
		t.Errorf("registered\n%+v\nwant\n%+v", p.PatientInput, want)
	}
	opened, err := ta.FrontDesk.Patients.Open(p.ID)
	if err != nil || opened != p {
		t.Errorf("Open = %+v, %v; want %+v", opened, err, p)
	}
	summary, err := ta.Clinician.Chart.Summary(p.ID)
	if err != nil || summary.Patient != p {
		t.Errorf("chart summary patient = %+v, %v", summary.Patient, err)
	}

	// The desk finds the patient by preferred name, second phone and member id.
	for _, query := range []string{"Annie", "annie rivera", "608 555 0101", "5550101", "XG-4471-002", "xg4471002", "4471"} {
		hits, err := ta.FrontDesk.Patients.Search(query, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != p.ID {
			t.Errorf("search %q found %+v, want %s", query, hits, p.MRN)
		}
	}

	// A PNG is stored as a PNG, whatever type the data URL claims.
	in2 := samplePatient()
	pngPhoto := pngURL(t, picture(8, 8, false))
	in2.Photo = strings.Replace(pngPhoto, "image/png", "image/jpeg", 1)
	p2 := ta.register(t, in2)
	if p2.Photo != pngPhoto {
		t.Errorf("photo stored as %.40s, want %.40s", p2.Photo, pngPhoto)
	}
}

// TestRegisterRejectsBadDetails covers the new fields: each wrong one is
// named, and nothing at all is written.
func TestRegisterRejectsBadDetails(t *testing.T) {
	ta := newTestApp(t)
	spare := ta.addUser(t, "drgone", app.RoleClinician, "gone-password-1")
	if _, err := ta.Admin.Admin.SetUserActive(spare.ID, false); err != nil {
		t.Fatal(err)
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	notAPicture := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("GIF89a not a png at all"))
	brokenPNG := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nrest is junk"))
	tooBig := pngURL(t, picture(600, 600, true))
	tests := []struct {
		name  string
		edit  func(*app.PatientInput)
		field string
	}{
		{"preferred name of digits", func(p *app.PatientInput) { p.PreferredName = "123" }, "preferredName"},
		{"preferred name too long", func(p *app.PatientInput) { p.PreferredName = long(101) }, "preferredName"},
		{"gender identity too long", func(p *app.PatientInput) { p.GenderIdentity = long(51) }, "genderIdentity"},
		{"second phone with letters", func(p *app.PatientInput) { p.Phone2 = "555-CALL-ME" }, "phone2"},
		{"second phone too short", func(p *app.PatientInput) { p.Phone2 = "12345" }, "phone2"},
		{"second phone without a first", func(p *app.PatientInput) { p.Phone, p.Phone2 = "", "555-201-3344" }, "phone"},
		{"email without @", func(p *app.PatientInput) { p.Email = "ana.example.com" }, "email"},
		{"email without domain dot", func(p *app.PatientInput) { p.Email = "ana@example" }, "email"},
		{"email with a name", func(p *app.PatientInput) { p.Email = "Ana <ana@example.com>" }, "email"},
		{"two emails", func(p *app.PatientInput) { p.Email = "ana@example.com, bo@example.com" }, "email"},
		{"email too long", func(p *app.PatientInput) { p.Email = long(250) + "@example.com" }, "email"},
		{"language too long", func(p *app.PatientInput) { p.Language = long(51) }, "language"},
		{"emergency phone malformed", func(p *app.PatientInput) {
			p.EmergencyName, p.EmergencyPhone = "Luis", "call Luis"
		}, "emergencyPhone"},
		{"emergency phone without a name", func(p *app.PatientInput) { p.EmergencyPhone = "555-201-9000" }, "emergencyName"},
		{"emergency name without a phone", func(p *app.PatientInput) { p.EmergencyName = "Luis Rivera" }, "emergencyPhone"},
		{"relationship too long", func(p *app.PatientInput) {
			p.EmergencyName, p.EmergencyPhone, p.EmergencyRelationship = "Luis", "555-201-9000", long(51)
		}, "emergencyRelationship"},
		{"member id with symbols", func(p *app.PatientInput) { p.InsurancePayer, p.InsuranceMemberID = "Acme", "XG#44*71" }, "insuranceMemberId"},
		{"member id too long", func(p *app.PatientInput) { p.InsurancePayer, p.InsuranceMemberID = "Acme", long(31) }, "insuranceMemberId"},
		{"member id without insurer", func(p *app.PatientInput) { p.InsuranceMemberID = "XG-4471-002" }, "insurancePayer"},
		{"group without member id", func(p *app.PatientInput) { p.InsurancePayer, p.InsuranceGroup = "Acme", "G-1" }, "insuranceMemberId"},
		{"unknown clinician", func(p *app.PatientInput) { p.PrimaryClinicianID = "no-such-user" }, "primaryClinicianId"},
		{"front desk as clinician", func(p *app.PatientInput) { p.PrimaryClinicianID = ta.FrontDesk.User.ID }, "primaryClinicianId"},
		{"disabled clinician", func(p *app.PatientInput) { p.PrimaryClinicianID = spare.ID }, "primaryClinicianId"},
		{"photo not a data URL", func(p *app.PatientInput) { p.Photo = "https://example.com/a.jpg" }, "photo"},
		{"photo a GIF", func(p *app.PatientInput) { p.Photo = notAPicture }, "photo"},
		{"photo a PNG header over junk", func(p *app.PatientInput) { p.Photo = brokenPNG }, "photo"},
		{"photo not base64", func(p *app.PatientInput) { p.Photo = "data:image/png;base64,@@@@" }, "photo"},
		{"photo of another type", func(p *app.PatientInput) {
			p.Photo = strings.Replace(pngURL(t, picture(4, 4, false)), "image/png", "image/gif", 1)
		}, "photo"},
		{"photo too large", func(p *app.PatientInput) { p.Photo = tooBig }, "photo"},
		{"note too long", func(p *app.PatientInput) { p.DeskNote = long(1001) }, "deskNote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			in := samplePatient()
			tt.edit(&in)
			p, err := ta.FrontDesk.Patients.Register(in)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("fields = %v, want only %q", e.Fields, tt.field)
			}
			if p != (app.Patient{}) {
				t.Errorf("a refused registration returned %+v", p)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused registration wrote: %+v -> %+v", before, after)
			}
		})
	}
	// The limits themselves pass.
	ok := fullPatient(t, ta.Clinician.User.ID)
	ok.GenderIdentity, ok.Language, ok.DeskNote, ok.InsuranceMemberID = long(50), long(50), long(1000), strings.Repeat("7", 30)
	ok.Photo = jpegURL(t, picture(256, 256, true))
	ta.register(t, ok)
}

func TestCorrectNewDetailsKeepsHistory(t *testing.T) {
	ta := newTestApp(t)
	first := jpegURL(t, picture(16, 16, false))
	in := samplePatient()
	in.Photo = first
	p := ta.register(t, in)

	// Sending the photo back unchanged changes nothing about it.
	next := p.PatientInput
	next.Email, next.Phone2 = "ana@example.com", "608-555-0101"
	v2, err := ta.FrontDesk.Patients.Correct(p.ID, next, "new contact details", p.Version)
	if err != nil {
		t.Fatal(err)
	}
	if e := ta.lastAudit(t); !strings.Contains(e.Detail, "changed phone2, email;") {
		t.Errorf("audit detail %q", e.Detail)
	}

	// A new photo replaces the old, which is kept in the history.
	second := pngURL(t, picture(16, 16, false))
	next = v2.PatientInput
	next.Photo = second
	v3, err := ta.FrontDesk.Patients.Correct(p.ID, next, "new photo", v2.Version)
	if err != nil {
		t.Fatal(err)
	}
	if v3.Photo != second {
		t.Errorf("photo after correction: %.40s", v3.Photo)
	}
	// Removing it.
	next = v3.PatientInput
	next.Photo = ""
	v4, err := ta.FrontDesk.Patients.Correct(p.ID, next, "patient asked", v3.Version)
	if err != nil || v4.Photo != "" {
		t.Fatalf("remove photo: %.40s, %v", v4.Photo, err)
	}
	hist, err := ta.FrontDesk.Patients.History(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]app.FieldChange{
		{{Field: "photo", Before: "photo #2", After: ""}},
		{{Field: "photo", Before: "photo #1", After: "photo #2"}},
		{{Field: "phone2", Before: "", After: "608-555-0101"}, {Field: "email", Before: "", After: "ana@example.com"}},
	}
	if len(hist) != len(want) {
		t.Fatalf("history = %+v", hist)
	}
	for i := range want {
		if len(hist[i].Changes) != len(want[i]) {
			t.Errorf("revision %d: %+v, want %+v", hist[i].Version, hist[i].Changes, want[i])
			continue
		}
		for j := range want[i] {
			if hist[i].Changes[j] != want[i][j] {
				t.Errorf("revision %d: %+v, want %+v", hist[i].Version, hist[i].Changes, want[i])
			}
		}
	}

	// A primary clinician disabled since does not block other corrections,
	// but cannot be newly chosen.
	dr := ta.addUser(t, "drsoon", app.RoleClinician, "soon-password-1")
	next = v4.PatientInput
	next.PrimaryClinicianID = dr.ID
	v5, err := ta.FrontDesk.Patients.Correct(p.ID, next, "chose a doctor", v4.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.SetUserActive(dr.ID, false); err != nil {
		t.Fatal(err)
	}
	next = v5.PatientInput
	next.City = "Madison"
	if _, err := ta.FrontDesk.Patients.Correct(p.ID, next, "moved", v5.Version); err != nil {
		t.Errorf("correcting the city of a patient whose clinician left: %v", err)
	}
	other := ta.register(t, samplePatient())
	next = other.PatientInput
	next.PrimaryClinicianID = dr.ID
	before := ta.counts(t)
	_, err = ta.FrontDesk.Patients.Correct(other.ID, next, "chose a doctor", other.Version)
	if e := wantKind(t, err, app.Invalid); e.Fields["primaryClinicianId"] == "" {
		t.Errorf("fields = %v", e.Fields)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("a refused correction wrote: %+v -> %+v", before, after)
	}
}

// TestPhotoPolyglotRefused: a photo that decodes but carries a web page
// after the picture is refused beside the photo, and nothing is written;
// a patient whose photo was stored before the check keeps it through a
// correction.
func TestPhotoPolyglotRefused(t *testing.T) {
	ta := newTestApp(t)
	var b bytes.Buffer
	if err := png.Encode(&b, picture(32, 32, false)); err != nil {
		t.Fatal(err)
	}
	polyglot := "data:image/png;base64," + base64.StdEncoding.EncodeToString(append(b.Bytes(), "<script>alert(1)</script>"...))
	before := ta.counts(t)
	in := samplePatient()
	in.Photo = polyglot
	_, err := ta.FrontDesk.Patients.Register(in)
	e := wantKind(t, err, app.Invalid)
	if !strings.Contains(e.Fields["photo"], "extra data after the picture") {
		t.Errorf("fields %v, want the photo's trailing data named", e.Fields)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("a refused registration wrote: %+v -> %+v", before, after)
	}

	// As a polyglot stored before the check was: a correction that sends
	// the photo back unchanged keeps it; a new one is checked.
	in.Photo = "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	p := ta.register(t, in)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec(`DROP TRIGGER patient_photos_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE patient_photos SET data = CAST(data || '<script>alert(1)</script>' AS BLOB) WHERE patient_id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
	stored, err := ta.FrontDesk.Patients.Open(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := stored.PatientInput
	next.Email = "ana@example.com"
	corrected, err := ta.FrontDesk.Patients.Correct(p.ID, next, "new email", stored.Version)
	if err != nil || corrected.Photo != stored.Photo {
		t.Errorf("a correction keeping the stored photo: %v", err)
	}
	next = corrected.PatientInput
	next.Photo = "data:image/png;base64," + base64.StdEncoding.EncodeToString(append(b.Bytes(), "<iframe src=//x>"...))
	_, err = ta.FrontDesk.Patients.Correct(p.ID, next, "new photo", corrected.Version)
	if e := wantKind(t, err, app.Invalid); !strings.Contains(e.Fields["photo"], "extra data") {
		t.Errorf("a new polyglot photo in a correction: fields %v", e.Fields)
	}
}
