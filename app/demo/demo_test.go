package demo_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

func collect(n int, seed int64) []app.PatientInput {
	return slices.Collect(demo.Patients(n, seed))
}

func TestPatientsAreReproducible(t *testing.T) {
	a, b := collect(500, 7), collect(500, 7)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different patients")
	}
	if c := collect(500, 8); slices.Equal(a, c) {
		t.Fatal("different seeds gave the same patients")
	}
	// A shorter run is the start of a longer one.
	if !slices.Equal(collect(50, 7), a[:50]) {
		t.Error("the first 50 patients depend on how many are asked for")
	}
	// Stopping early is honoured.
	n := 0
	for range demo.Patients(100, 1) {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("iterated %d times after break", n)
	}
}

func TestPatientsLookReal(t *testing.T) {
	patients := collect(3000, 1)
	var accented, hyphenated, apostrophe, noPhone, children, old int
	sexes := map[string]int{}
	oldest, youngest := "9999", "0000"
	for _, p := range patients {
		name := p.FamilyName + p.GivenNames
		if !isASCII(name) {
			accented++
		}
		if strings.Contains(p.FamilyName, "-") {
			hyphenated++
		}
		if strings.Contains(p.FamilyName, "'") {
			apostrophe++
		}
		if p.Phone == "" {
			noPhone++
		}
		if p.BirthDate > "2008-01-01" {
			children++
		}
		if p.BirthDate < "1961-01-01" {
			old++
		}
		oldest, youngest = min(oldest, p.BirthDate), max(youngest, p.BirthDate)
		sexes[p.Sex]++
		if _, err := time.Parse("2006-01-02", p.BirthDate); err != nil {
			t.Errorf("birth date %q", p.BirthDate)
		}
	}
	if accented == 0 || hyphenated == 0 || apostrophe == 0 {
		t.Errorf("names lack variety: %d accented, %d hyphenated, %d with apostrophes", accented, hyphenated, apostrophe)
	}
	if noPhone == 0 || noPhone > len(patients)/10 {
		t.Errorf("%d of %d patients have no phone", noPhone, len(patients))
	}
	if children < len(patients)/10 || old < len(patients)/20 {
		t.Errorf("ages: %d children, %d over 65", children, old)
	}
	if oldest < "1900-01-01" || youngest > "2026-01-01" {
		t.Errorf("birth dates from %s to %s", oldest, youngest)
	}
	if sexes["female"] < 1000 || sexes["male"] < 1000 || sexes["other"]+sexes["unknown"] == 0 || len(sexes) != 4 {
		t.Errorf("sexes: %v", sexes)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestGenerate(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a, err := app.Open(ctx, t.TempDir(), app.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := demo.Generate(ctx, a, demo.Options{Patients: 300, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Patients != 300 || len(res.Accounts) != 3 {
		t.Fatalf("result = %+v", res)
	}
	roles := map[string]bool{}
	for _, acct := range res.Accounts {
		roles[acct.Role] = true
	}
	if !roles[app.RoleAdmin] || !roles[app.RoleClinician] || !roles[app.RoleFrontDesk] {
		t.Errorf("accounts = %+v", res.Accounts)
	}
	// The printed accounts sign in; the front desk finds a generated patient.
	var desk demo.Account
	for _, acct := range res.Accounts {
		if acct.Role == app.RoleFrontDesk {
			desk = acct
		}
	}
	s := a.NewSession("test")
	auth, patients := a.Services(s)[0].(*app.Auth), a.Services(s)[1].(*app.Patients)
	if _, err := auth.Login(desk.Username, desk.Password); err != nil {
		t.Fatalf("demo account %s: %v", desk.Username, err)
	}
	first := collect(1, 7)[0]
	hits, err := patients.Search(first.GivenNames+" "+first.FamilyName+" "+first.BirthDate, 10)
	if err != nil || len(hits) == 0 || hits[0].MRN != app.MRN(1) {
		t.Errorf("search for the first demo patient: %+v, %v", hits, err)
	}

	// In a clinic that is set up, Generate only adds patients.
	res, err = demo.Generate(ctx, a, demo.Options{Patients: 50, Seed: 8})
	if err != nil || res.Patients != 50 || len(res.Accounts) != 0 {
		t.Fatalf("second Generate = %+v, %v", res, err)
	}
	var n, users int
	a.DB().View(ctx, func(tx *db.Tx) (err error) {
		if n, err = tx.CountPatients(); err != nil {
			return err
		}
		users, err = tx.CountUsers()
		return err
	})
	if n != 350 || users != 3 {
		t.Errorf("%d patients, %d users; want 350, 3", n, users)
	}
	if c, err := a.CheckAudit(); err != nil || c.Problem != "" {
		t.Errorf("audit after Generate: %+v, %v", c, err)
	}
}

// TestGenerateOnlyInItsOwnClinic: Generate writes nothing into a clinic
// that it did not make, and the clinic it makes says it is a demo before
// anyone signs in.
func TestGenerateOnlyInItsOwnClinic(t *testing.T) {
	ctx := context.Background()
	quiet := app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	real, err := app.Open(ctx, t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	if _, err := real.SetupClinic(app.SetupRequest{ClinicName: "Hill Clinic", Username: "boss", FullName: "Bo Boss",
		Password: "a-good-long-password"}, ""); err != nil {
		t.Fatal(err)
	}
	_, err = demo.Generate(ctx, real, demo.Options{Patients: 1, Appointments: 5, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "not made by folio demo") {
		t.Errorf("Generate in a real clinic: %v", err)
	}
	var patients, users int
	real.DB().View(ctx, func(tx *db.Tx) (err error) {
		if patients, err = tx.CountPatients(); err != nil {
			return err
		}
		users, err = tx.CountUsers()
		return err
	})
	if patients != 0 || users != 1 {
		t.Errorf("a refused Generate left %d patients and %d users", patients, users)
	}
	if st, err := real.Services(real.NewSession("t"))[0].(*app.Auth).Status(); err != nil || st.Demo {
		t.Errorf("a real clinic's status: %+v, %v", st, err)
	}

	made, err := app.Open(ctx, t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer made.Close()
	if _, err := demo.Generate(ctx, made, demo.Options{Patients: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if st, err := made.Services(made.NewSession("t"))[0].(*app.Auth).Status(); err != nil || !st.Demo || st.SetupNeeded {
		t.Errorf("a demo clinic's status: %+v, %v", st, err)
	}
	if demoClinic, err := made.DemoClinic(); err != nil || !demoClinic {
		t.Errorf("DemoClinic() = %v, %v", demoClinic, err)
	}
}
