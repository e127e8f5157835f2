package db

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestUpdatePatientKeepsRevision(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 1, "Smith", "Anna")

	next := p
	next.FamilyName, next.UpdatedAt = "Smyth", testTime.Add(1)
	var saved Patient
	mustUpdate(t, d, func(tx *Tx) (err error) {
		saved, err = tx.UpdatePatient(next, "spelling")
		return err
	})
	if saved.Version != 2 || saved.FamilyName != "Smyth" || saved.MRN != p.MRN {
		t.Fatalf("saved = %+v", saved)
	}
	err := d.View(ctx, func(tx *Tx) error {
		cur, err := tx.PatientByID(p.ID)
		if err != nil {
			return err
		}
		if cur.FamilyName != "Smyth" || cur.Version != 2 {
			t.Errorf("stored patient = %+v", cur)
		}
		revs, err := tx.PatientRevisions(p.ID)
		if err != nil {
			return err
		}
		if len(revs) != 1 || revs[0].Patient.FamilyName != "Smith" || revs[0].Patient.Version != 1 ||
			revs[0].Reason != "spelling" || revs[0].ChangedBy != "desk" {
			t.Errorf("revisions = %+v", revs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A second update from the version 1 the caller read is a conflict, and writes nothing.
	stale := p
	stale.FamilyName = "Smithe"
	err = d.Update(ctx, func(tx *Tx) error {
		_, err := tx.UpdatePatient(stale, "late")
		return err
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: err = %v, want ErrConflict", err)
	}
	err = d.View(ctx, func(tx *Tx) error {
		cur, _ := tx.PatientByID(p.ID)
		revs, _ := tx.PatientRevisions(p.ID)
		if cur.FamilyName != "Smyth" || len(revs) != 1 {
			t.Errorf("after a conflict: patient %q, %d revisions", cur.FamilyName, len(revs))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPatientByIDNotFound(t *testing.T) {
	d := openTestDB(t)
	err := d.View(context.Background(), func(tx *Tx) error {
		_, err := tx.PatientByID("nobody")
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestInsertPatientDuplicateMRN(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Smith", "Anna")
	dup := Patient{ID: "other", MRN: "0000001", FamilyName: "Jones", GivenNames: "Bo", BirthDate: "1990-01-01",
		Sex: "male", Version: 1, CreatedAt: testTime, CreatedBy: u.ID, UpdatedAt: testTime, UpdatedBy: u.ID}
	err := d.Update(context.Background(), func(tx *Tx) error { return tx.InsertPatient(dup) })
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("err = %v, want ErrDuplicate", err)
	}
}

func TestInsertPatientNeedsKnownUser(t *testing.T) {
	d := openTestDB(t)
	p := Patient{ID: "p", MRN: "0000001", FamilyName: "Smith", GivenNames: "Anna", BirthDate: "1990-01-01",
		Sex: "female", Version: 1, CreatedAt: testTime, CreatedBy: "ghost", UpdatedAt: testTime, UpdatedBy: "ghost"}
	if err := d.Update(context.Background(), func(tx *Tx) error { return tx.InsertPatient(p) }); err == nil {
		t.Fatal("a patient created by an unknown user was stored: foreign keys are off")
	}
}

// TestTriggersRefuseRawChanges goes around the db package, as a person with
// a SQLite tool would, and checks that the schema itself refuses.
func TestTriggersRefuseRawChanges(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 1, "Smith", "Anna")
	next := p
	next.GivenNames = "Ann"
	mustUpdate(t, d, func(tx *Tx) error {
		if _, err := tx.UpdatePatient(next, "typo"); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: testTime, UserID: u.ID, Username: u.Username, Action: "patient.correct"})
	})
	raw := rawConn(t, d.Path())
	tests := []struct {
		name, sql, wantErr string
	}{
		{"update patient without revision", "UPDATE patients SET family_name = 'Jones'", "without a kept revision"},
		{"update patient version too", "UPDATE patients SET family_name = 'Jones', version = version + 1", "without a kept revision"},
		{"delete patient", "DELETE FROM patients", "never deleted"},
		{"update revision", "UPDATE revisions SET reason = 'nothing happened'", "append-only"},
		{"delete revision", "DELETE FROM revisions", "append-only"},
		{"update audit", "UPDATE audit SET username = 'someone else'", "append-only"},
		{"delete audit", "DELETE FROM audit", "append-only"},
		{"delete user", "DELETE FROM users", "disabled, not deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := raw.Exec(tt.sql)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	var family, given string
	var patients, revisions, audit, users int
	err := raw.QueryRow(`SELECT family_name, given_names, (SELECT count(*) FROM patients), (SELECT count(*) FROM revisions),
		(SELECT count(*) FROM audit), (SELECT count(*) FROM users) FROM patients`).
		Scan(&family, &given, &patients, &revisions, &audit, &users)
	if err != nil {
		t.Fatal(err)
	}
	if family != "Smith" || given != "Ann" || patients != 1 || revisions != 1 || audit != 1 || users != 1 {
		t.Errorf("after refused changes: %s %s, %d patients, %d revisions, %d audit, %d users",
			family, given, patients, revisions, audit, users)
	}
}

func familyNames(ps []Patient) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.FamilyName)
	}
	return strings.Join(names, " ")
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Núñez-O'Brien", "nunez obrien"},
		{"  GARCÍA   López ", "garcia lopez"},
		{"D’Angelo", "dangelo"},
		{"Müller", "muller"},
		{"Lefèvre", "lefevre"},
		{"Søndergaard", "sondergaard"}, // letters that do not decompose still fold
		{"Van der Berg", "van der berg"},
		{"---", ""},
		{"Mary-Kate", "mary kate"},
		{"123 Main", "123 main"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(555) 201-3344", "5552013344"},
		{"+44 20 7946 0958", "442079460958"},
		{"no digits", ""},
		{"٣٤", ""}, // only ASCII digits count
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUsers(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	admin := addTestUser(t, d, "Admin", "admin")
	addTestUser(t, d, "desk", "frontdesk")
	dup := admin
	dup.ID, dup.Username = "u-other", "ADMIN"
	if err := d.Update(ctx, func(tx *Tx) error { return tx.InsertUser(dup) }); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("user name differing only in case: err = %v, want ErrDuplicate", err)
	}
	bad := User{ID: "u-bad", Username: "bad", FullName: "Bad", Role: "superuser", PasswordHash: "x", Active: true,
		CreatedAt: testTime, UpdatedAt: testTime}
	if err := d.Update(ctx, func(tx *Tx) error { return tx.InsertUser(bad) }); err == nil {
		t.Fatal("a user with an unknown role was stored")
	}
	locked := admin
	locked.FailedLogins, locked.LockedUntil, locked.Active = 2, testTime.Add(15*60e9), false
	mustUpdate(t, d, func(tx *Tx) error { return tx.UpdateUser(locked) })
	err := d.View(ctx, func(tx *Tx) error {
		u, err := tx.UserByName("admin")
		if err != nil {
			return err
		}
		if u.ID != admin.ID || u.FailedLogins != 2 || !u.LockedUntil.Equal(locked.LockedUntil) || u.Active {
			t.Errorf("UserByName = %+v", u)
		}
		if _, err := tx.UserByName("nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user: err = %v", err)
		}
		if n, err := tx.CountActiveAdmins(); err != nil || n != 0 {
			t.Errorf("CountActiveAdmins = %d, %v; want 0", n, err)
		}
		users, err := tx.Users()
		if err != nil || len(users) != 2 || users[0].Username != "desk" {
			t.Errorf("Users (active first) = %+v, %v", users, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ghost := admin
	ghost.ID = "u-ghost"
	if err := d.Update(ctx, func(tx *Tx) error { return tx.UpdateUser(ghost) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateUser of unknown id: err = %v, want ErrNotFound", err)
	}
}
