package workstation_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/host"
	"folio/app/workstation"
)

// hostClinic is a set-up clinic served as folio serve --lan serves it, over
// real TLS on 127.0.0.1, with the admin's command-line approvals.
type hostClinic struct {
	app  *app.App
	ca   *clinicca.Authority
	addr string
}

func startHost(t *testing.T) *hostClinic {
	t.Helper()
	a, err := app.Open(context.Background(), t.TempDir(), app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.SetupClinic(app.SetupRequest{ClinicName: "Riverside", Username: "admin", FullName: "Ada Admin",
		Password: "admin-password-123"}, ""); err != nil {
		t.Fatal(err)
	}
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "host"})
	if err != nil {
		t.Fatal(err)
	}
	a.UseClinicCA(ca)
	h, err := host.Start(a, ca, host.Options{Addr: "127.0.0.1:0", NoAnnounce: true,
		Assets: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Folio</title>")}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Stop() })
	return &hostClinic{app: a, ca: ca, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(h.Port()))}
}

func (h *hostClinic) admin(t *testing.T) *app.WorkstationCommand {
	t.Helper()
	cmd, err := h.app.WorkstationCommand("")
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func wantError(t *testing.T, what string, err error, kind app.Kind, says string) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Kind != kind || !strings.Contains(e.Message+strings.Join(fieldValues(e.Fields), " "), says) {
		t.Errorf("%s: %v (%#v), want %s saying %q", what, err, e, kind, says)
	}
}

func fieldValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestJoiningFromTheWindow: the first-run screen's pairing, step by step,
// with a real host: a typed address asks to pair and shows the code the
// host's admin approves by; until then the request waits; on approval the
// pairing is kept and the window is told to become the host's workstation,
// after which it refuses to join again.
func TestJoiningFromTheWindow(t *testing.T) {
	h := startHost(t)
	dir := filepath.Join(t.TempDir(), "ws")
	var became *workstation.Config
	j := workstation.NewJoining(dir, nil, nil, func(c *workstation.Config) error { became = c; return nil })

	if m := j.Mode(); m.Workstation {
		t.Fatalf("a window not yet paired says it is a workstation: %+v", m)
	}
	_, err := j.Begin("", "", "")
	wantError(t, "nothing typed", err, app.Invalid, "Give the host's address")
	_, err = j.Begin("a b", "Exam room 2", "")
	wantError(t, "a malformed address", err, app.Invalid, "not a computer's name or address")

	p, err := j.Begin(h.addr, "Exam room 2", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Fingerprint != h.ca.Fingerprint() || len(strings.ReplaceAll(p.Code, " ", "")) != 30 || p.Host != h.addr {
		t.Errorf("the request shows %+v; want the clinic's authority %s and a 30-digit code", p, h.ca.Fingerprint())
	}
	if got, err := j.Check(); err != nil || got.Status != "pending" {
		t.Fatalf("before the admin answers: %+v, %v; want pending", got, err)
	}
	if became != nil || workstation.Paired(dir) {
		t.Fatal("paired before the admin approved")
	}
	admin := h.admin(t)
	if _, err := admin.Approve(p.ID, p.Code); err != nil {
		t.Fatal(err)
	}
	got, err := j.Check()
	if err != nil || got.Status != "approved" || !got.Mode.Workstation || got.Mode.Host != h.addr {
		t.Fatalf("after approval: %+v, %v", got, err)
	}
	if became == nil || became.Name != "Exam room 2" || became.CAFingerprint != h.ca.Fingerprint() || !workstation.Paired(dir) {
		t.Fatalf("the window was not switched to the pairing kept in %s: %+v", dir, became)
	}
	if m := j.Mode(); !m.Workstation || m.Host != h.addr {
		t.Errorf("after approval the window is %+v", m)
	}
	// The certificate the host issued is accepted by the host.
	c, err := workstation.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Client().Post("https://"+h.addr+"/api/Auth/Status", "application/json", strings.NewReader("[]"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the paired workstation's call: %s", resp.Status)
	}
	_, err = j.Begin(h.addr, "Exam room 2", "")
	wantError(t, "joining again", err, app.Conflict, "already a workstation")
	_, err = j.Find()
	wantError(t, "looking for hosts once paired", err, app.Conflict, "already a workstation")
}

// TestJoiningRefused: a host whose authority is not the one announced for
// it, an admin's refusal, a host that is not there, and a folder that holds
// a clinic are each told plainly, and none leaves a pairing behind.
func TestJoiningRefused(t *testing.T) {
	h := startHost(t)
	other, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := net.Listen("tcp", "127.0.0.1:0")
	goneAddr := gone.Addr().String()
	gone.Close()

	for _, tt := range []struct {
		name      string
		may       error
		address   string
		announced string
		refuse    bool
		kind      app.Kind
		says      string
	}{
		{name: "another authority than announced", address: h.addr, announced: other.Fingerprint(), kind: app.Invalid,
			says: "not the one announced on the network"},
		{name: "the admin refuses", address: h.addr, announced: h.ca.Fingerprint(), refuse: true, kind: app.Invalid,
			says: "admin refused"},
		{name: "no host at the address", address: goneAddr, kind: app.Invalid, says: "Cannot reach the host"},
		{name: "a clinic of its own", may: &app.Error{Kind: app.Conflict, Message: "This PC holds a clinic."},
			address: h.addr, kind: app.Conflict, says: "holds a clinic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j := workstation.NewJoining(dir, nil, func() error { return tt.may },
				func(*workstation.Config) error { t.Error("switched to a workstation"); return nil })
			before := pending(t, h)
			p, err := j.Begin(tt.address, "Exam room 3", tt.announced)
			if tt.refuse {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := h.admin(t).Refuse(p.ID, "not a workstation of this clinic"); err != nil {
					t.Fatal(err)
				}
				_, err = j.Check()
			}
			wantError(t, tt.name, err, tt.kind, tt.says)
			if !tt.refuse && pending(t, h) != before {
				t.Error("a request reached the host")
			}
			if workstation.Paired(dir) {
				t.Error("a pairing was kept")
			}
			if _, err := os.Stat(filepath.Join(dir, workstation.ConfigFile)); err == nil {
				t.Error("workstation.json was written")
			}
		})
	}
}

// pending counts the host's pairing requests.
func pending(t *testing.T, h *hostClinic) int {
	t.Helper()
	list, err := h.admin(t).List()
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}
