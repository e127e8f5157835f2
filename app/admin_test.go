package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

func TestAddUser(t *testing.T) {
	ta := newTestApp(t)
	u, err := ta.Admin.Admin.AddUser(app.NewUser{Username: " nurse.kim ", FullName: " Kim Park ", Role: app.RoleClinician,
		Password: "nurse-password"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "nurse.kim" || u.FullName != "Kim Park" || u.Role != app.RoleClinician || !u.Active || u.ID == "" {
		t.Errorf("added %+v", u)
	}
	if e := ta.lastAudit(t); e.Action != "user.add" || e.Username != adminUsername || e.Record != "user/"+u.ID ||
		e.Detail != "nurse.kim (clinician)" {
		t.Errorf("user.add entry: %+v", e.AuditEntry)
	}
	users, err := ta.Admin.Admin.Users()
	if err != nil || len(users) != 4 {
		t.Fatalf("Users = %+v, %v", users, err)
	}
	if _, err := ta.newCaller("room-5").Auth.Login("nurse.kim", "nurse-password"); err != nil {
		t.Errorf("the new user cannot sign in: %v", err)
	}
}

func TestAddUserRejectsBadInput(t *testing.T) {
	ta := newTestApp(t)
	valid := func() app.NewUser {
		return app.NewUser{Username: "newbie", FullName: "New Bie", Role: app.RoleFrontDesk, Password: "long-enough-pw"}
	}
	tests := []struct {
		name  string
		edit  func(*app.NewUser)
		field string
	}{
		{"short password", func(n *app.NewUser) { n.Password = "short-pw1" }, "password"},
		{"empty password", func(n *app.NewUser) { n.Password = "" }, "password"},
		{"password too long", func(n *app.NewUser) { n.Password = strings.Repeat("p", 257) }, "password"},
		{"user name with a space", func(n *app.NewUser) { n.Username = "new bie" }, "username"},
		{"user name too short", func(n *app.NewUser) { n.Username = "nb" }, "username"},
		{"user name too long", func(n *app.NewUser) { n.Username = strings.Repeat("n", 33) }, "username"},
		{"user name with accents", func(n *app.NewUser) { n.Username = "josé" }, "username"},
		{"empty user name", func(n *app.NewUser) { n.Username = "" }, "username"},
		{"duplicate user name", func(n *app.NewUser) { n.Username = frontDeskUsername }, "username"},
		{"duplicate in another case", func(n *app.NewUser) { n.Username = "DrLee" }, "username"},
		{"no full name", func(n *app.NewUser) { n.FullName = "  " }, "fullName"},
		{"full name too long", func(n *app.NewUser) { n.FullName = strings.Repeat("f", 101) }, "fullName"},
		{"unknown role", func(n *app.NewUser) { n.Role = "root" }, "role"},
		{"no role", func(n *app.NewUser) { n.Role = "" }, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			n := valid()
			tt.edit(&n)
			u, err := ta.Admin.Admin.AddUser(n)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("fields = %v, want only %s", e.Fields, tt.field)
			}
			if u != (app.User{}) {
				t.Errorf("a refused AddUser returned %+v", u)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused AddUser wrote: %+v -> %+v", before, after)
			}
		})
	}
	// The edges are allowed.
	n := valid()
	n.Username, n.Password = "a.b", strings.Repeat("é", 10)
	if _, err := ta.Admin.Admin.AddUser(n); err != nil {
		t.Errorf("3-letter name, 10-letter password: %v", err)
	}
}

func TestSetUserActive(t *testing.T) {
	ta := newTestApp(t)
	_, err := ta.Admin.Admin.SetUserActive(ta.Admin.User.ID, false)
	wantKind(t, err, app.Conflict)
	_, err = ta.Admin.Admin.SetUserActive("no-such-user", false)
	wantKind(t, err, app.NotFound)

	u, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false)
	if err != nil || u.Active {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	users, _ := ta.Admin.Admin.Users()
	if last := users[len(users)-1]; last.Username != frontDeskUsername || last.Active {
		t.Errorf("disabled users are listed last: %+v", users)
	}
	u, err = ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, true)
	if err != nil || !u.Active {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	if e := ta.lastAudit(t); e.Action != "user.enable" || e.Detail != frontDeskUsername {
		t.Errorf("enable entry: %+v", e.AuditEntry)
	}
	// Disabling signed the account's window out; enabling does not sign it
	// back in (see TestDisableEndsSessions).
	_, err = ta.FrontDesk.Patients.Search("rivera", 5)
	wantKind(t, err, app.Unauthenticated)
}

func TestResetPasswordRefusals(t *testing.T) {
	ta := newTestApp(t)
	before := ta.counts(t)
	err := ta.Admin.Admin.ResetPassword(ta.FrontDesk.User.ID, "short")
	if e := wantKind(t, err, app.Invalid); e.Fields["password"] == "" {
		t.Errorf("fields = %v", e.Fields)
	}
	wantKind(t, ta.Admin.Admin.ResetPassword("no-such-user", "long-enough-password"), app.NotFound)
	if after := ta.counts(t); after != before {
		t.Errorf("refused resets wrote: %+v -> %+v", before, after)
	}
	if _, err := ta.newCaller("x").Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Errorf("the old password stopped working: %v", err)
	}
}

func TestSettings(t *testing.T) {
	ta := newTestApp(t)
	// No meeting-link template until the clinic confirms one; the
	// suggestion is offered.
	defaults := app.Settings{ClinicName: clinicName, IdleMinutes: 10, DateOrder: app.MonthFirst,
		WeightUnit: app.UnitKg, HeightUnit: app.UnitCm, TemperatureUnit: app.UnitC,
		SuggestedMeetingLink: app.SuggestedMeetingLinkTemplate}
	s, err := ta.Admin.Admin.Settings()
	if err != nil || s != defaults {
		t.Fatalf("Settings = %+v, %v", s, err)
	}
	tests := []struct {
		name   string
		in     app.Settings
		fields []string
	}{
		{"idle 0", app.Settings{ClinicName: "C", IdleMinutes: 0}, []string{"idleMinutes"}},
		{"idle negative", app.Settings{ClinicName: "C", IdleMinutes: -5}, []string{"idleMinutes"}},
		{"idle over 4 hours", app.Settings{ClinicName: "C", IdleMinutes: 241}, []string{"idleMinutes"}},
		{"no clinic name", app.Settings{ClinicName: "  ", IdleMinutes: 10}, []string{"clinicName"}},
		{"clinic name too long", app.Settings{ClinicName: strings.Repeat("c", 101), IdleMinutes: 10}, []string{"clinicName"}},
		{"both", app.Settings{}, []string{"clinicName", "idleMinutes"}},
		{"unknown date order", app.Settings{ClinicName: "C", IdleMinutes: 10, DateOrder: "ymd"}, []string{"dateOrder"}},
		{"date order in capitals", app.Settings{ClinicName: "C", IdleMinutes: 10, DateOrder: "DMY"}, []string{"dateOrder"}},
		{"all three", app.Settings{DateOrder: "d/m/y"}, []string{"clinicName", "idleMinutes", "dateOrder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			out, err := ta.Admin.Admin.SaveSettings(tt.in)
			e := wantKind(t, err, app.Invalid)
			for _, f := range tt.fields {
				if e.Fields[f] == "" {
					t.Errorf("no message for %s: %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tt.fields) || out != (app.Settings{}) {
				t.Errorf("fields %v, result %+v", e.Fields, out)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("refused settings wrote: %+v -> %+v", before, after)
			}
		})
	}
	if s, _ := ta.Admin.Admin.Settings(); s != defaults {
		t.Errorf("refused saves changed the settings to %+v", s)
	}
	saved := app.Settings{ClinicName: "Lakeside Clinic", IdleMinutes: 240, DateOrder: app.DayFirst,
		WeightUnit: app.UnitKg, HeightUnit: app.UnitCm, TemperatureUnit: app.UnitC,
		SuggestedMeetingLink: app.SuggestedMeetingLinkTemplate}
	out, err := ta.Admin.Admin.SaveSettings(app.Settings{ClinicName: "  Lakeside Clinic ", IdleMinutes: 240, DateOrder: "dmy"})
	if err != nil || out != saved {
		t.Fatalf("SaveSettings = %+v, %v", out, err)
	}
	if s, _ := ta.Admin.Admin.Settings(); s != saved {
		t.Errorf("Settings after saving = %+v, want %+v", s, saved)
	}
	if st, _ := ta.SignedOut.Auth.Status(); st.ClinicName != "Lakeside Clinic" || st.IdleMinutes != 240 {
		t.Errorf("status after saving: %+v", st)
	}
	if e := ta.lastAudit(t); e.Action != "settings.save" || !strings.Contains(e.Detail, "Lakeside Clinic") ||
		!strings.Contains(e.Detail, "dates dmy") {
		t.Errorf("settings entry: %+v", e.AuditEntry)
	}
	// A form without the date order keeps the clinic's.
	out, err = ta.Admin.Admin.SaveSettings(app.Settings{ClinicName: "Lakeside Clinic", IdleMinutes: 30})
	if err != nil || out.DateOrder != app.DayFirst {
		t.Fatalf("SaveSettings without a date order = %+v, %v", out, err)
	}
	if s, _ := ta.Admin.Admin.Settings(); s.DateOrder != app.DayFirst || s.IdleMinutes != 30 {
		t.Errorf("Settings = %+v, want day first kept", s)
	}
	out, err = ta.Admin.Admin.SaveSettings(app.Settings{ClinicName: "Lakeside Clinic", IdleMinutes: 30, DateOrder: "mdy"})
	if err != nil || out.DateOrder != app.MonthFirst {
		t.Fatalf("SaveSettings back to month first = %+v, %v", out, err)
	}
}

func TestAdminBackup(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	if list, err := ta.Admin.Admin.Backups(); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Backups before any: %#v, %v", list, err)
	}
	b1, err := ta.Admin.Admin.Backup()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(b1.Path) != app.BackupDir(ta.Dir) || b1.Name != "folio-20260310-090000.000.db" || b1.Bytes == 0 {
		t.Errorf("backup = %+v", b1)
	}
	if e := ta.lastAudit(t); e.Action != "backup" || e.Detail != b1.Path || e.Username != adminUsername {
		t.Errorf("backup entry: %+v", e.AuditEntry)
	}
	info, err := db.Verify(context.Background(), b1.Path)
	if err != nil || info.Patients != 1 || info.Users != 3 || info.ClinicName != clinicName {
		t.Errorf("backup verifies as %+v, %v", info, err)
	}
	// Two backups in the same millisecond cannot share a name.
	before, _ := os.ReadFile(b1.Path)
	if _, err := ta.Admin.Admin.Backup(); err == nil {
		t.Error("a second backup with the same name overwrote the first")
	}
	if after, _ := os.ReadFile(b1.Path); string(after) != string(before) {
		t.Error("the first backup changed")
	}
	ta.Clock.Advance(time.Second)
	b2, err := ta.Admin.Admin.Backup()
	if err != nil {
		t.Fatal(err)
	}
	list, err := ta.Admin.Admin.Backups()
	if err != nil || len(list) != 2 || list[0].Name != b2.Name || list[1].Name != b1.Name {
		t.Errorf("Backups = %+v, %v; want newest first", list, err)
	}
	if app.LatestBackup(ta.Dir) != b2.Path {
		t.Errorf("LatestBackup = %q, want %q", app.LatestBackup(ta.Dir), b2.Path)
	}
}
