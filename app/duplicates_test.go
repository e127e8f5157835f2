package app_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"folio/app"
)

// duplicateClinic registers the charts the duplicate check is tried on.
func duplicateClinic(t *testing.T, ta *testApp) map[string]app.Patient {
	t.Helper()
	okafor := app.PatientInput{FamilyName: "Okafor", GivenNames: "Chinedu", BirthDate: "1990-02-14", Sex: "male",
		Phone: "217-555-0142", Phone2: "+1 (608) 555-0101", InsurancePayer: "Acme Health", InsuranceMemberID: "XG-4471-002"}
	garcia := app.PatientInput{FamilyName: "García López", GivenNames: "María José", PreferredName: "Majo",
		BirthDate: "1975-12-01", Sex: "female"}
	return map[string]app.Patient{
		"rivera": ta.register(t, samplePatient()), // Rivera, Ana Sofia, 1984-06-21, 555-201-3344
		"lee": ta.register(t, app.PatientInput{FamilyName: "Lee", GivenNames: "Jordan", BirthDate: "1984-06-21",
			Sex: "male"}),
		"okafor": ta.register(t, okafor),
		"garcia": ta.register(t, garcia),
		"li":     ta.register(t, app.PatientInput{FamilyName: "Li", GivenNames: "Wei", BirthDate: "2001-09-09", Sex: "male"}),
	}
}

func TestLikelyDuplicates(t *testing.T) {
	ta := newTestApp(t)
	charts := duplicateClinic(t, ta)
	form := func(family, given, birth string) app.PatientInput {
		return app.PatientInput{FamilyName: family, GivenNames: given, BirthDate: birth, Sex: "unknown"}
	}
	withPhone := func(in app.PatientInput, phone, phone2 string) app.PatientInput {
		in.Phone, in.Phone2 = phone, phone2
		return in
	}
	withInsurance := func(in app.PatientInput, payer, member string) app.PatientInput {
		in.InsurancePayer, in.InsuranceMemberID = payer, member
		return in
	}
	tests := []struct {
		name      string
		in        app.PatientInput
		want      []string // chart keys, most likely first
		matchedOn []string // of the first match
		reason    string   // part of a reason of the first match
	}{
		{"same name and birth date", form("Rivera", "Ana Sofia", "1984-06-21"), []string{"rivera"},
			[]string{"name", "birthDate"}, "Same name and birth date"},
		{"accents and case folded", form("GARCIA LOPEZ", "maria jose", "1975-12-01"), []string{"garcia"}, nil, "Same name"},
		{"letters swapped in the family name", form("Rievra", "Ana Sofia", "1984-06-21"), []string{"rivera"},
			[]string{"name", "birthDate"}, "one letter differs in the family name"},
		{"letter left out of the family name", form("Rivra", "Ana", "1984-06-21"), []string{"rivera"}, nil, "family name"},
		{"letter added to the given name", form("Rivera", "Anna Sofia", "1984-06-21"), []string{"rivera"}, nil,
			"one letter differs in the given name"},
		{"middle name left out", form("Rivera", "Ana", "1984-06-21"), []string{"rivera"}, nil, "a middle name differs"},
		{"given and family swapped", form("Ana Sofia", "Rivera", "1984-06-21"), []string{"rivera"}, nil, "swapped"},
		{"initial only", form("Rivera", "A.", "1984-06-21"), []string{"rivera"}, nil, "an initial"},
		{"short form of the given name", form("Okafor", "Chin", "1990-02-14"), []string{"okafor"}, nil, "short form"},
		{"preferred name for the given name", form("Garcia Lopez", "Majo", "1975-12-01"), []string{"garcia"}, nil,
			"the preferred name"},
		{"one of a double family name", form("Garcia", "Maria Jose", "1975-12-01"), []string{"garcia"}, nil,
			"part of a double family name"},
		{"same phone, other details differ", withPhone(form("Smith", "John", "2000-01-01"), "(555) 201-3344", ""),
			[]string{"rivera"}, []string{"phone"}, "Same phone number"},
		{"country code and second phone", withPhone(form("Smith", "John", ""), "020 7946 0958", "+1 608 555 0101"),
			[]string{"okafor"}, []string{"phone"}, "Same phone number"},
		{"same member id and insurer, written differently", withInsurance(form("Smith", "John", ""), "ACME  health", "xg 4471 002"),
			[]string{"okafor"}, []string{"insuranceMemberId"}, "Same insurance member ID with Acme Health"},
		{"same member id, no insurer given", withInsurance(form("", "", ""), "", "XG4471002"),
			[]string{"okafor"}, []string{"insuranceMemberId"}, "Same insurance member ID"},
		{"phone and name agree", withPhone(form("Okafor", "Chinedu", "1991-01-01"), "217 555 0142", ""),
			[]string{"okafor"}, []string{"phone", "name"}, "Same name"},
		{"same birth date, another name", form("Lee", "Jordan", "1984-06-21"), []string{"lee"}, nil, "Same name and birth date"},
		{"same member id, another insurer", withInsurance(form("Smith", "John", "2000-01-01"), "Other Mutual", "XG-4471-002"),
			nil, nil, ""},
		{"similar name, another birth date", form("Rivera", "Ana Sofia", "1984-06-22"), nil, nil, ""},
		{"short names a letter apart", form("Lu", "Wei", "2001-09-09"), nil, nil, ""},
		{"unrelated", withPhone(form("Smith", "John", "2000-01-01"), "555-999-0000", ""), nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			got, err := ta.FrontDesk.Patients.LikelyDuplicates(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, m := range got {
				for k, p := range charts {
					if p.ID == m.Patient.ID {
						keys = append(keys, k)
					}
				}
			}
			if !slices.Equal(keys, tt.want) {
				t.Fatalf("found %v (%+v), want %v", keys, got, tt.want)
			}
			if len(got) > 0 {
				first := got[0]
				if first.Score < 1 || first.Score > 100 || len(first.Reasons) == 0 {
					t.Errorf("match %+v", first)
				}
				for _, f := range tt.matchedOn {
					if !slices.Contains(first.MatchedOn, f) {
						t.Errorf("matched on %v, want %s among them", first.MatchedOn, f)
					}
				}
				if !strings.Contains(strings.Join(first.Reasons, "; "), tt.reason) {
					t.Errorf("reasons %q, want one containing %q", first.Reasons, tt.reason)
				}
			}
			// The check writes its audit entry and nothing else.
			after := ta.counts(t)
			if after.Audit != before.Audit+1 {
				t.Errorf("audit entries %d -> %d", before.Audit, after.Audit)
			}
			after.Audit = before.Audit
			if after != before {
				t.Errorf("the check wrote: %+v -> %+v", before, after)
			}
			e := ta.lastAudit(t)
			if e.Action != "patient.duplicate_check" || e.PatientID != "" || e.Detail != strconv.Itoa(len(got))+" likely duplicates" {
				t.Errorf("audit entry %+v", e.AuditEntry)
			}
		})
	}
}

// TestLikelyDuplicatesRanks checks that more evidence ranks higher: the
// same name beats a similar one, and each agreeing detail adds.
func TestLikelyDuplicatesRanks(t *testing.T) {
	ta := newTestApp(t)
	exact := ta.register(t, app.PatientInput{FamilyName: "Novak", GivenNames: "Petra", BirthDate: "1970-05-05", Sex: "female"})
	typo := ta.register(t, app.PatientInput{FamilyName: "Novack", GivenNames: "Petra", BirthDate: "1970-05-05", Sex: "female"})
	phoneOnly := ta.register(t, app.PatientInput{FamilyName: "Novak", GivenNames: "Jan", BirthDate: "2010-01-01", Sex: "male",
		Phone: "555-300-4000"})
	got, err := ta.FrontDesk.Patients.LikelyDuplicates(app.PatientInput{FamilyName: "Novak", GivenNames: "Petra",
		BirthDate: "1970-05-05", Phone: "555 300 4000"})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range got {
		order = append(order, m.Patient.MRN)
	}
	if want := []string{exact.MRN, typo.MRN, phoneOnly.MRN}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v (%+v)", order, want, got)
	}
	if !(got[0].Score > got[1].Score && got[1].Score > got[2].Score) {
		t.Errorf("scores %d, %d, %d do not fall", got[0].Score, got[1].Score, got[2].Score)
	}
}

// TestLikelyDuplicatesOfAnEmptyForm: nothing to look up, nothing audited,
// an empty list (not null) for the UI.
func TestLikelyDuplicatesOfAnEmptyForm(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	for _, in := range []app.PatientInput{
		{},
		{BirthDate: "1984-06-21"}, // a birth date alone finds nobody
		{FamilyName: "Rivera", GivenNames: "Ana"}, // a name alone is a search, not a duplicate check
		{Phone: "3344"},           // too few digits to compare
		{InsuranceMemberID: "X1"}, // too short to compare
		{BirthDate: "1984-02-30", FamilyName: "Rivera", GivenNames: "Ana Sofia"},
	} {
		before := ta.counts(t)
		got, err := ta.FrontDesk.Patients.LikelyDuplicates(in)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%+v: %#v, %v", in, got, err)
		}
		if after := ta.counts(t); after != before {
			t.Errorf("%+v: wrote %+v -> %+v", in, before, after)
		}
	}
}

// TestRegisterRefusesALikelyDuplicate: a chart that is likely the same
// person stops the registration, naming the charts, and nothing is
// written; confirmed a different person from exactly those charts, the
// patient is registered and the audit entry names them. A phone number
// alone (a household's line) does not stop it.
func TestRegisterRefusesALikelyDuplicate(t *testing.T) {
	form := func(family, given, birth, phone string) app.PatientInput {
		return app.PatientInput{FamilyName: family, GivenNames: given, BirthDate: birth, Sex: "female", Phone: phone}
	}
	tests := []struct {
		name string
		in   app.PatientInput
		want []string // chart keys of duplicateClinic the refusal names; none: registered at once
	}{
		{"same name and birth date", form("Rivera", "Ana Sofia", "1984-06-21", ""), []string{"rivera"}},
		{"a typo in the name, same birth date", form("Rievra", "Ana", "1984-06-21", ""), []string{"rivera"}},
		{"a twin: same phone and birth date", form("Rivera", "Lucía", "1984-06-21", "555-201-3344"), []string{"rivera"}},
		{"same member id with the same insurer", func() app.PatientInput {
			in := form("Okafor", "Chidi", "1992-03-03", "")
			in.InsurancePayer, in.InsuranceMemberID = "ACME health", "XG4471002"
			return in
		}(), []string{"okafor"}},
		{"the household's phone alone", form("Okafor", "Adaeze", "2015-08-08", "217 555 0142"), nil},
		{"nobody alike", form("Moreau", "Lina", "1970-05-06", "555-909-1000"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			charts := duplicateClinic(t, ta)
			before := ta.counts(t)
			p, err := ta.FrontDesk.Patients.Register(tt.in)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if e := ta.lastAudit(t); e.Action != "patient.register" || e.Detail != "MRN "+p.MRN {
					t.Errorf("audit %+v", e)
				}
				return
			}
			e := wantKind(t, err, app.Conflict)
			var got []string
			for _, d := range e.Duplicates {
				got = append(got, d.Patient.ID)
			}
			var want, mrns []string
			for _, key := range tt.want {
				want, mrns = append(want, charts[key].ID), append(mrns, charts[key].MRN)
			}
			if !slices.Equal(got, want) || !strings.Contains(e.Message, mrns[0]) {
				t.Fatalf("refused naming %v (%q), want %v", got, e.Message, want)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused registration wrote: %+v -> %+v", before, after)
			}

			// Confirming none of them, or another chart, is not confirming.
			_, err = ta.FrontDesk.Patients.RegisterDifferentPerson(tt.in, nil)
			wantKind(t, err, app.Invalid)
			_, err = ta.FrontDesk.Patients.RegisterDifferentPerson(tt.in, []string{charts["li"].ID})
			wantKind(t, err, app.Conflict)
			if after := ta.counts(t); after != before {
				t.Errorf("an unconfirmed registration wrote: %+v -> %+v", before, after)
			}

			p, err = ta.FrontDesk.Patients.RegisterDifferentPerson(tt.in, want)
			if err != nil || p.MRN == "" {
				t.Fatalf("confirmed a different person: %+v, %v", p, err)
			}
			if e := ta.lastAudit(t); e.Action != "patient.register" ||
				e.Detail != "MRN "+p.MRN+"; confirmed a different person from MRN "+strings.Join(mrns, ", MRN ") {
				t.Errorf("audit %+v", e)
			}
		})
	}
}

// TestRegisterRefusesADuplicateRegisteredMeanwhile: the desk confirmed the
// charts it was shown; a chart of the same person registered meanwhile at
// another desk stops the registration again, and is named.
func TestRegisterRefusesADuplicateRegisteredMeanwhile(t *testing.T) {
	ta := newTestApp(t)
	first := ta.register(t, samplePatient())
	_, err := ta.FrontDesk.Patients.Register(samplePatient())
	shown := wantKind(t, err, app.Conflict).Duplicates
	if len(shown) != 1 || shown[0].Patient.ID != first.ID {
		t.Fatalf("shown %+v", shown)
	}
	other := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-2")
	meanwhile, err := other.Patients.RegisterDifferentPerson(samplePatient(), []string{first.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ta.FrontDesk.Patients.RegisterDifferentPerson(samplePatient(), []string{first.ID})
	e := wantKind(t, err, app.Conflict)
	if len(e.Duplicates) != 2 || !slices.ContainsFunc(e.Duplicates, func(d app.DuplicateMatch) bool {
		return d.Patient.ID == meanwhile.ID
	}) || !strings.Contains(e.Message, "2 charts") {
		t.Errorf("refused with %+v (%q), want both charts", e.Duplicates, e.Message)
	}
}
