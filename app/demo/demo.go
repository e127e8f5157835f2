// Package demo makes a synthetic clinic: realistic but invented patients,
// the same ones for the same seed, for trying Folio and for benchmarks.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"folio/app"
)

// Name lists: the most common US surnames (US Census Bureau, 2010 surname
// file) and given names (US Social Security Administration, national baby
// name data), both US government works in the public domain, with a few
// others so that accents, apostrophes and hyphens appear as in a real
// clinic.
//
//go:embed names.txt
var namesFile string

type nameLists struct {
	family, female, male []string
}

func loadNames() nameLists {
	var l nameLists
	var cur *[]string
	for _, line := range strings.Split(namesFile, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "[family]":
			cur = &l.family
		case line == "[female]":
			cur = &l.female
		case line == "[male]":
			cur = &l.male
		case cur != nil:
			*cur = append(*cur, strings.Fields(line)...)
		}
	}
	for _, list := range [][]string{l.family, l.female, l.male} {
		for i, n := range list {
			list[i] = strings.ReplaceAll(n, "_", " ") // "De_la_Cruz" is one name
		}
	}
	return l
}

var streets = []string{"Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
	"Church", "Mill", "River", "Spring", "Ridge", "Meadow", "Sunset", "Highland", "Forest", "Willow"}
var streetKinds = []string{"St", "Ave", "Rd", "Ln", "Dr", "Ct", "Way", "Blvd"}

type town struct{ city, region, zip, area string }

var towns = []town{
	{"Springfield", "IL", "627", "217"}, {"Madison", "WI", "537", "608"}, {"Franklin", "TN", "370", "615"},
	{"Greenville", "SC", "296", "864"}, {"Salem", "OR", "973", "503"}, {"Fairview", "NJ", "070", "201"},
	{"Clinton", "IA", "527", "563"}, {"Georgetown", "TX", "786", "512"}, {"Riverside", "CA", "925", "951"},
	{"Bristol", "CT", "060", "860"}, {"Dover", "DE", "199", "302"}, {"Auburn", "AL", "368", "334"},
}

// ageReference is the day ages are counted back from: fixed, so that a seed
// gives the same clinic on any day.
var ageReference = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Patients yields n synthetic patients, the same for the same seed. Ages
// follow a primary-care list: children, many adults, fewer of the very old.
func Patients(n int, seed int64) iter.Seq[app.PatientInput] {
	names := loadNames()
	return func(yield func(app.PatientInput) bool) {
		r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
		for i := 0; i < n; i++ {
			sex := "female"
			given := names.female
			switch x := r.IntN(100); {
			case x >= 51 && x < 99:
				sex, given = "male", names.male
			case x == 99:
				sex = []string{"other", "unknown"}[r.IntN(2)]
				if r.IntN(2) == 0 {
					given = names.male
				}
			}
			first := given[r.IntN(len(given))]
			if r.IntN(5) == 0 {
				first += " " + given[r.IntN(len(given))]
			}
			family := names.family[r.IntN(len(names.family))]
			if r.IntN(40) == 0 {
				family += "-" + names.family[r.IntN(len(names.family))]
			}
			t := towns[r.IntN(len(towns))]
			in := app.PatientInput{
				FamilyName:  family,
				GivenNames:  first,
				BirthDate:   birthDate(r, ageReference),
				Sex:         sex,
				AddressLine: fmt.Sprintf("%d %s %s", 1+r.IntN(9899), streets[r.IntN(len(streets))], streetKinds[r.IntN(len(streetKinds))]),
				City:        t.city,
				Region:      t.region,
				PostalCode:  fmt.Sprintf("%s%02d", t.zip, r.IntN(100)),
			}
			if r.IntN(20) != 0 { // a few patients give no phone
				in.Phone = fmt.Sprintf("(%s) %d%02d-%04d", t.area, 2+r.IntN(8), r.IntN(100), r.IntN(10000))
			}
			if !yield(in) {
				return
			}
		}
	}
}

func birthDate(r *rand.Rand, today time.Time) string {
	var years int
	switch x := r.IntN(100); {
	case x < 20:
		years = r.IntN(18)
	case x < 85:
		years = 18 + r.IntN(47)
	default:
		years = 65 + r.IntN(35)
	}
	d := today.AddDate(-years, 0, -r.IntN(365))
	return d.Format("2006-01-02")
}

// Account is a demo sign-in printed for the person who made the demo.
type Account struct {
	Username, Password, Role string
}

// Result says what Generate made.
type Result struct {
	Patients     int
	Appointments int
	Charted      []string // the MRNs of the patients given a clinical chart
	Vaccinated   []string // the MRNs of the children given a vaccination history
	Accounts     []Account
}

// Options choose the size and seed of the demo clinic.
type Options struct {
	Patients int
	Seed     int64
	// Appointments, if any, fill the clinicians' calendars back in time
	// from four weeks after Today, among all the clinic's patients.
	Appointments int
	// Charts is how many adult patients get a clinical history (problems,
	// allergies, medications, vitals over three years, a signed visit);
	// as many children times childShare get a vaccination history. It
	// needs the demo clinician: only in a folder the demo set up.
	Charts int
	Today  time.Time // zero: the real today
	// Progress, if set, hears each step as it is done: "accounts",
	// "patients", "appointments", "charts". Generate stops after a step
	// once ctx is done.
	Progress func(step string)
}

var demoAccounts = []app.NewUser{
	{Username: "admin", FullName: "Alex Admin", Role: app.RoleAdmin, Password: "demo-admin-pass"},
	{Username: "drlee", FullName: "Dr. Jordan Lee", Role: app.RoleClinician, Password: "demo-clinician-pass",
		LicenceNumber: "MD-482133"},
	{Username: "desk", FullName: "Sam Front Desk", Role: app.RoleFrontDesk, Password: "demo-frontdesk-pass"},
}

// Generate adds a synthetic clinic to a. In a new data folder it first
// marks the clinic as a demo and sets up "Demo Clinic" with three demo
// accounts (printed, with their passwords); in a demo clinic that is set
// up, it only adds patients, as its first admin. Any other clinic is
// refused before anything is written: the demo's accounts have published
// passwords. Generate writes in many transactions; a caller that needs all
// or nothing runs it on a copy (see `folio demo`).
func Generate(ctx context.Context, a *app.App, opts Options) (Result, error) {
	var res Result
	done := func(step string) error {
		if opts.Progress != nil {
			opts.Progress(step)
		}
		return ctx.Err()
	}
	demo, err := a.DemoClinic()
	if err != nil {
		return res, err
	}
	if !demo {
		if err := a.MarkDemoClinic(); err != nil {
			return res, err
		}
	}
	admin, err := a.FirstAdmin()
	if err != nil {
		return res, err
	}
	if admin == "" {
		first := demoAccounts[0]
		if _, err := a.SetupClinic(app.SetupRequest{ClinicName: "Demo Clinic", Username: first.Username,
			FullName: first.FullName, Password: first.Password}, ""); err != nil {
			return res, err
		}
		admin = first.Username
		res.Accounts = append(res.Accounts, Account{first.Username, first.Password, first.Role})
		for _, acct := range demoAccounts[1:] {
			if _, err := a.AddUserAs(admin, acct); err != nil {
				return res, err
			}
			res.Accounts = append(res.Accounts, Account{acct.Username, acct.Password, acct.Role})
		}
		if err := setDemoClinic(a, first); err != nil {
			return res, err
		}
		if err := done("accounts"); err != nil {
			return res, err
		}
	}
	if res.Patients, err = a.RegisterPatients(admin, Patients(opts.Patients, opts.Seed)); err != nil {
		return res, err
	}
	if err := done("patients"); err != nil {
		return res, err
	}
	if opts.Appointments > 0 {
		if err = generateSchedule(ctx, a, admin, opts, &res); err != nil {
			return res, err
		}
		if err := done("appointments"); err != nil {
			return res, err
		}
	}
	// The charts are written by the demo clinician, whom only a new demo
	// folder has.
	if opts.Charts > 0 && len(res.Accounts) > 0 {
		today := opts.Today
		if today.IsZero() {
			today = time.Now()
		}
		if res.Charted, err = generateCharts(a, opts.Charts, opts.Seed, today); err != nil {
			return res, err
		}
		if res.Vaccinated, err = generateChildDoses(a, opts.Charts*childShare, opts.Seed, today); err != nil {
			return res, err
		}
		if err = done("charts"); err != nil {
			return res, err
		}
	}
	// The desk's recall list, made whole now (the bulk registration left it
	// to the daily making), so the clinic opens with it ready.
	if _, err = a.RefreshCareList(ctx, true); err != nil {
		return res, err
	}
	return res, done("due list")
}

// setDemoClinic gives the demo clinic the address and phone its printouts
// carry, as its admin would in Settings.
func setDemoClinic(a *app.App, admin app.NewUser) error {
	s := a.NewSession("demo")
	services := a.Services(s)
	var auth *app.Auth
	var adm *app.Admin
	for _, svc := range services {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Admin:
			adm = v
		}
	}
	if _, err := auth.Login(admin.Username, admin.Password); err != nil {
		return fmt.Errorf("sign in as the demo admin: %w", err)
	}
	settings, err := adm.Settings()
	if err != nil {
		return err
	}
	settings.ClinicAddress = "12 Harbour Road, Salem, OR 97301"
	settings.ClinicPhone = "503-555-0142"
	if _, err := adm.SaveSettings(settings); err != nil {
		return fmt.Errorf("demo clinic settings: %w", err)
	}
	return auth.Logout()
}
