package main

import (
	"context"
	"strings"
	"testing"

	"folio/app"
)

// TestSetupResetAdmin: the admin's recovery at the command line sets a new
// password that signs in; the old one no longer does.
func TestSetupResetAdmin(t *testing.T) {
	dir := dataDir(t)
	if _, err := folioIn(t, "a-good-long-password\n", "setup", "--data", dir, "--clinic", "Hill Clinic",
		"--username", "boss", "--full-name", "Bo Boss"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ user, pw, want string }{
		{"nobody", "another-long-password", `no account named "nobody"`},
		{"boss", "short", "at least 10 characters"},
	} {
		_, err := folioIn(t, tt.pw+"\n", "setup", "--data", dir, "--reset-admin", tt.user)
		if exitCode(err) == 0 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--reset-admin %s: %v, want %q", tt.user, err, tt.want)
		}
	}
	out, err := folioIn(t, "recovered-password\n", "setup", "--data", dir, "--reset-admin", "boss")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"boss" has a new password`) {
		t.Errorf("printed %q", out)
	}
	a, err := app.Open(context.Background(), dir, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	auth := a.Services(a.NewSession("test"))[0].(*app.Auth)
	if _, err := auth.Login("boss", "a-good-long-password"); err == nil {
		t.Error("the old password still signs in")
	}
	if _, err := auth.Login("boss", "recovered-password"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}
