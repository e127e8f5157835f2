package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/serve"
	"folio/db"
)

// callWithID posts a call named by a request id, as the UI sends a save.
func (b *browser) callWithID(id, service, method string, args ...any) (*http.Response, []byte) {
	b.t.Helper()
	body, err := json.Marshal(args)
	if err != nil {
		b.t.Fatal(err)
	}
	req := b.request("POST", "/api/"+service+"/"+method, bytes.NewReader(body))
	req.Header.Set(serve.RequestIDHeader, id)
	return b.do(req)
}

// TestRepeatedCallRunsOnce: a save sent again with the same request id
// (its first answer was lost) is answered as the first was, and saved once.
func TestRepeatedCallRunsOnce(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	var p app.Patient
	desk.mustCall(&p, "Patients", "Register", patientForm)
	dr := s.signIn(t, "drlee", clinicianPassword)
	allergy := app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives"}

	const id = "0b8f7c1e-5d2a-4c3b-9e7f-123456789abc"
	resp1, body1 := dr.callWithID(id, "Chart", "AddAllergy", p.ID, allergy)
	resp2, body2 := dr.callWithID(id, "Chart", "AddAllergy", p.ID, allergy)
	if resp1.StatusCode != http.StatusOK || resp2.StatusCode != http.StatusOK {
		t.Fatalf("answers %s %s / %s %s", resp1.Status, body1, resp2.Status, body2)
	}
	if !bytes.Equal(body1, body2) {
		t.Errorf("the repeat answered %s, the first %s", body2, body1)
	}
	if resp1.Header.Get("Folio-Repeated") != "" || resp2.Header.Get("Folio-Repeated") != "1" {
		t.Errorf("Folio-Repeated: first %q, repeat %q", resp1.Header.Get("Folio-Repeated"), resp2.Header.Get("Folio-Repeated"))
	}
	allergies := func() int {
		var list app.AllergyList
		dr.mustCall(&list, "Chart", "Allergies", p.ID)
		return len(list.Allergies)
	}
	if n := allergies(); n != 1 {
		t.Fatalf("%d allergies after one save sent twice, want 1", n)
	}

	// A new id is a new save; a call without an id is never remembered.
	dr.callWithID("another-id-1", "Chart", "AddAllergy", p.ID, app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food"})
	dr.mustCall(nil, "Chart", "AddAllergy", p.ID, app.AllergyInput{Substance: "Latex", SubstanceKind: "environment"})
	dr.mustCall(nil, "Chart", "AddAllergy", p.ID, app.AllergyInput{Substance: "Bees", SubstanceKind: "environment"})
	if n := allergies(); n != 4 {
		t.Errorf("%d allergies, want 4", n)
	}

	// The ids are the person's, not the browser session's: signed in
	// again (a new session), the same id is the same save.
	again := s.signIn(t, "drlee", clinicianPassword)
	resp, body := again.callWithID(id, "Chart", "AddAllergy", p.ID, allergy)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Folio-Repeated") != "1" || !bytes.Equal(body, body1) {
		t.Errorf("the same person's new session sending the id again got %s %q %s", resp.Status, resp.Header.Get("Folio-Repeated"), body)
	}
	if n := allergies(); n != 4 {
		t.Errorf("%d allergies, want 4", n)
	}

	// The same id for another call is refused, not answered with the first's answer.
	resp, body = dr.callWithID(id, "Chart", "Allergies", p.ID)
	wantError(t, resp, body, http.StatusConflict, app.Conflict)
}

// TestRepeatWhileRunning: repeats that arrive while the first is still
// running wait for it and get its answer; the save runs once.
func TestRepeatWhileRunning(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	const id = "5e1d2c3b-0000-4000-8000-00000000abcd"
	var wg sync.WaitGroup
	bodies := make([][]byte, 6)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &browser{t: t, srv: s, cookie: desk.cookie}
			resp, body := b.callWithID(id, "Patients", "Register", patientForm)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("answer %d: %s %s", i, resp.Status, body)
			}
			bodies[i] = body
		}()
	}
	wg.Wait()
	for i := range bodies {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("answer %d differs: %s vs %s", i, bodies[i], bodies[0])
		}
	}
	if c := s.counts(t); c[0] != 1 {
		t.Errorf("%d patients registered by one save sent %d times, want 1", c[0], len(bodies))
	}
}

// TestRequestIDChecks: an id is only remembered for a signed-in session,
// and must look like one the UI makes; an answer that is an error is
// remembered too (the call ran), while a call refused before it ran is not.
func TestRequestIDChecks(t *testing.T) {
	s := newServer(t)
	stranger := s.browser(t)
	resp, body := stranger.callWithID("abc-1", "Patients", "Register", patientForm)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)

	desk := s.signIn(t, "desk", frontDeskPassword)
	resp, body = desk.callWithID("not an id!", "Patients", "Register", patientForm)
	wantError(t, resp, body, http.StatusBadRequest, app.Invalid)
	resp, body = desk.callWithID(strings.Repeat("a", 65), "Patients", "Register", patientForm)
	wantError(t, resp, body, http.StatusBadRequest, app.Invalid)

	// A form with an error: the repeat gets the same error, nothing saved.
	bad := patientForm
	bad.BirthDate = "not a date"
	resp1, body1 := desk.callWithID("bad-form-1", "Patients", "Register", bad)
	resp2, body2 := desk.callWithID("bad-form-1", "Patients", "Register", bad)
	if resp1.StatusCode != http.StatusBadRequest || resp2.StatusCode != http.StatusBadRequest || !bytes.Equal(body1, body2) {
		t.Errorf("answers %s %s / %s %s", resp1.Status, body1, resp2.Status, body2)
	}

	// A body that did not arrive whole did not run: sent again, it runs.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/Patients/Register HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Cookie: %s=%s\r\n%s: cut-off-1\r\nContent-Length: 300\r\n\r\n[{\"familyName\":", s.addr,
		serve.CookieName, desk.cookie.Value, serve.RequestIDHeader)
	conn.(*net.TCPConn).CloseWrite()
	cut, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	cut.Body.Close()
	conn.Close()
	if cut.StatusCode != http.StatusBadRequest {
		t.Fatalf("a cut-off call answered %s", cut.Status)
	}
	resp, body = desk.callWithID("cut-off-1", "Patients", "Register", patientForm)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the call sent again whole answered %s %s", resp.Status, body)
	}
	if c := s.counts(t); c[0] != 1 {
		t.Errorf("%d patients, want 1", c[0])
	}
}

// TestRepeatAfterRestart: a save whose answer was lost just before the host
// restarted is sent again, after the person signs in again to the new
// process, with the same id: it gets the first answer and is made once.
// The ids are each user's: another person's save with the same id is made.
func TestRepeatAfterRestart(t *testing.T) {
	s := newServer(t)
	admin := s.signIn(t, "admin", adminPassword)
	admin.mustCall(nil, "Admin", "AddUser", app.NewUser{Username: "drkim", FullName: "Dr Kim",
		Role: app.RoleClinician, Password: clinicianPassword})
	desk := s.signIn(t, "desk", frontDeskPassword)
	var p app.Patient
	desk.mustCall(&p, "Patients", "Register", patientForm)

	const allergyID, vitalsID = "7f1c2d3e-0000-4000-8000-000000000001", "7f1c2d3e-0000-4000-8000-000000000002"
	allergy := app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives"}
	num := func(v float64) *float64 { return &v }
	vitals := app.VitalsInput{Pulse: num(72), Systolic: num(128), Diastolic: num(84)}
	dr := s.signIn(t, "drlee", clinicianPassword)
	respA, firstAllergy := dr.callWithID(allergyID, "Chart", "AddAllergy", p.ID, allergy)
	respV, firstVitals := dr.callWithID(vitalsID, "Chart", "RecordVitals", p.ID, vitals)
	if respA.StatusCode != http.StatusOK || respV.StatusCode != http.StatusOK {
		t.Fatalf("first answers %s %s / %s %s", respA.Status, firstAllergy, respV.Status, firstVitals)
	}

	s.restart(t)
	// The old session is gone with the process: the person signs in again.
	resp, body := dr.callWithID(allergyID, "Chart", "AddAllergy", p.ID, allergy)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	dr = s.signIn(t, "drlee", clinicianPassword)
	for _, c := range []struct {
		id, method string
		arg        any
		first      []byte
	}{
		{allergyID, "AddAllergy", allergy, firstAllergy},
		{vitalsID, "RecordVitals", vitals, firstVitals},
		{allergyID, "AddAllergy", allergy, firstAllergy}, // again: from memory now
	} {
		resp, body := dr.callWithID(c.id, "Chart", c.method, p.ID, c.arg)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Folio-Repeated") != "1" || !bytes.Equal(body, c.first) {
			t.Errorf("%s sent again after the restart: %s %q %s, want the first answer %s", c.method, resp.Status,
				resp.Header.Get("Folio-Repeated"), body, c.first)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s sent again: Content-Type %q", c.method, ct)
		}
	}
	var list app.AllergyList
	dr.mustCall(&list, "Chart", "Allergies", p.ID)
	var sets []app.VitalsSet
	dr.mustCall(&sets, "Chart", "Vitals", p.ID, 10)
	if len(list.Allergies) != 1 || len(sets) != 1 {
		t.Fatalf("%d allergies and %d vitals sets after each save was sent twice across a restart, want 1 and 1",
			len(list.Allergies), len(sets))
	}

	// The same id for another call is refused, and does not spoil the
	// id's own answer.
	resp, body = dr.callWithID(vitalsID, "Chart", "AddAllergy", p.ID, allergy)
	wantError(t, resp, body, http.StatusConflict, app.Conflict)
	resp, body = dr.callWithID(vitalsID, "Chart", "RecordVitals", p.ID, vitals)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, firstVitals) {
		t.Errorf("the vitals sent again after a misused id: %s %s", resp.Status, body)
	}

	// Another person's save with the same id is theirs: it is made.
	kim := s.signIn(t, "drkim", clinicianPassword)
	resp, body = kim.callWithID(allergyID, "Chart", "AddAllergy", p.ID, app.AllergyInput{Substance: "Latex", SubstanceKind: "environment"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Folio-Repeated") != "" {
		t.Fatalf("another person's save with the same id: %s %q %s", resp.Status, resp.Header.Get("Folio-Repeated"), body)
	}
	dr.mustCall(&list, "Chart", "Allergies", p.ID)
	if len(list.Allergies) != 2 {
		t.Errorf("%d allergies, want 2", len(list.Allergies))
	}
}

// TestRequestIDsPruned: the ids a host keeps are pruned after a day, at
// the first write with an id after the host starts and hourly after; a
// write sent again after that runs again (the screen that kept it has
// long been closed): a registration sent again is then refused as a
// likely duplicate of the chart it made, rather than made twice.
func TestRequestIDsPruned(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	const id = "9a8b7c6d-0000-4000-8000-000000000001"
	registered := func() int { return s.counts(t)[0] }
	desk.callWithID(id, "Patients", "Register", patientForm)
	kept := func() int {
		var n int
		err := s.app.DB().View(context.Background(), func(tx *db.Tx) (err error) {
			n, err = tx.CountRequests()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := kept(); n != 1 {
		t.Fatalf("%d request ids kept, want 1", n)
	}

	s.clock.Advance(25 * time.Hour)
	s.restart(t)
	desk = s.signIn(t, "desk", frontDeskPassword)
	other := patientForm
	other.FamilyName, other.BirthDate, other.Phone = "Okafor", "1990-01-02", "555-100-2000"
	desk.callWithID("9a8b7c6d-0000-4000-8000-000000000002", "Patients", "Register", other)
	if n := kept(); n != 1 {
		t.Errorf("%d request ids kept after a day and a write, want 1 (the new one)", n)
	}
	resp, body := desk.callWithID(id, "Patients", "Register", patientForm)
	if e := wantError(t, resp, body, http.StatusConflict, app.Conflict); len(e.Duplicates) != 1 {
		t.Errorf("the pruned id's save ran again: duplicates %+v, want the chart it made", e.Duplicates)
	}
	if n := registered(); n != 2 {
		t.Errorf("%d patients, want 2", n)
	}
}
