package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

func bpObservation(at string, sys, dia int) string {
	return `{"resourceType":"Observation","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"` + at + `",
		"device":{"display":"BPM Connect"},
		"component":[
		 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":` + itoa(sys) + `,"code":"mm[Hg]"}},
		 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":` + itoa(dia) + `,"code":"mm[Hg]"}}]}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// post sends body to the gateway with token, as a hub does: no cookie,
// no Origin.
func (s *server) post(t *testing.T, path, token, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", "http://"+s.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", resp.Status, err)
	}
	return resp, out
}

func diagnostics(outcome map[string]any) string {
	var parts []string
	issues, _ := outcome["issue"].([]any)
	for _, i := range issues {
		m, _ := i.(map[string]any)
		parts = append(parts, m["diagnostics"].(string))
	}
	return strings.Join(parts, " | ")
}

// TestDeviceGateway: a hub posts with the token a clinician issued; the
// same reading again adds nothing; a malformed post, a wrong token and a
// revoked one are refused; a hub in a loop is slowed down.
func TestDeviceGateway(t *testing.T) {
	s := newServer(t)
	doc := s.signIn(t, "drlee", clinicianPassword)
	var p app.Patient
	doc.mustCall(&p, "Patients", "Register", app.PatientInput{FamilyName: "Hubbard", GivenNames: "Mae",
		BirthDate: "1950-02-03", Sex: "female", Phone: "555-201-3344"})
	var issued app.IssuedDeviceToken
	doc.mustCall(&issued, "Chart", "IssueDeviceToken", p.ID, "her phone", "Withings BPM Connect")
	if len(issued.Token) != 43 || issued.GatewayPath != "/gateway/fhir" {
		t.Fatalf("issued %+v", issued)
	}
	obs := bpObservation("2026-03-09T07:30:00+01:00", 142, 88)
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + obs + `},{"resource":` +
		bpObservation("2026-03-09T19:30:00+01:00", 138, 84) + `}]}`

	tests := []struct {
		name, path, token, body string
		status                  int
		says                    string
	}{
		{"a good observation", "/gateway/fhir/Observation", issued.Token, obs, http.StatusCreated, "1 added, 0 already received"},
		{"the same again", "/gateway/fhir/Observation", issued.Token, obs, http.StatusOK, "0 added, 1 already received"},
		{"a bundle with one new", "/gateway/fhir", issued.Token, bundle, http.StatusCreated, "1 added, 1 already received"},
		{"malformed", "/gateway/fhir", issued.Token, `{"resourceType":"Observation","status":"final"`, http.StatusBadRequest,
			"This is not FHIR JSON"},
		{"impossible", "/gateway/fhir", issued.Token, bpObservation("2026-03-09T08:30:00Z", 420, 88), http.StatusBadRequest,
			"systolic 420 mmHg is not possible (20–300)"},
		{"no token", "/gateway/fhir", "", obs, http.StatusUnauthorized, "Authorization: Bearer"},
		{"a wrong token", "/gateway/fhir", strings.Repeat("x", 43), obs, http.StatusUnauthorized, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, outcome := s.post(t, tt.path, tt.token, tt.body)
			if resp.StatusCode != tt.status || outcome["resourceType"] != "OperationOutcome" ||
				!strings.Contains(diagnostics(outcome), tt.says) {
				t.Errorf("%s %v; want %d saying %q", resp.Status, outcome, tt.status, tt.says)
			}
		})
	}

	var list []app.HomeReadingView
	doc.mustCall(&list, "Chart", "HomeReadings", p.ID, "2026-03-01", "")
	if len(list) != 2 || list[0].Source != "gateway" || list[0].TokenID != issued.ID || list[0].Device != "BPM Connect" {
		t.Fatalf("readings %+v", list)
	}
	// Each post is audited under the clinician who issued the token, naming it.
	var entries []db.AuditEntryView
	s.app.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		entries, err = tx.Audit(db.AuditFilter{Action: "reading.gateway", Limit: 10})
		return err
	})
	if len(entries) != 3 || entries[0].Username != "drlee" || entries[0].Record != "device_token/"+issued.ID ||
		entries[0].PatientID != p.ID || !strings.Contains(entries[0].Workstation, "device gateway, token "+issued.ID) {
		t.Errorf("gateway audit entries %+v", entries)
	}
	var tokens []app.DeviceTokenView
	doc.mustCall(&tokens, "Chart", "DeviceTokens", p.ID)
	if len(tokens) != 1 || tokens[0].LastUsedAt == "" {
		t.Errorf("tokens %+v", tokens)
	}

	// Revoked: refused at once.
	doc.mustCall(nil, "Chart", "RevokeDeviceToken", issued.ID, "phone lost")
	resp, outcome := s.post(t, "/gateway/fhir/Observation", issued.Token, bpObservation("2026-03-09T09:30:00Z", 130, 80))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %s %v", resp.Status, outcome)
	}

	// A hub in a loop: the 61st post in a minute waits.
	var second app.IssuedDeviceToken
	doc.mustCall(&second, "Chart", "IssueDeviceToken", p.ID, "loop", "")
	var last *http.Response
	for i := 0; i < 61; i++ {
		last, outcome = s.post(t, "/gateway/fhir", second.Token, `{}`)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("61st post: %s %v", last.Status, outcome)
	}
	// A hub's token is no session: the chart's API refuses it.
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/Chart/HomeReadings", bytes.NewReader([]byte(`["`+p.ID+`","",""]`)))
	req.Header.Set("Authorization", "Bearer "+second.Token)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode == http.StatusOK {
		t.Errorf("a device token opened the chart API: %s", r2.Status)
	}
}
