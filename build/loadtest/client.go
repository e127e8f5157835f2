package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"time"

	"github.com/google/uuid"
)

// browserWrites are the calls of the day that the UI sends as writes
// (frontend/src/lib/api.ts `write`): each carries a Folio-Request-Id, and
// the host records it with the write and keeps the answer, so that a
// resend after a lost answer is made once. The load pays that cost as the
// clinic's browsers do (TestBrowserWritesAreTheUIs keeps the list true).
var browserWrites = map[string]bool{
	"Admin.AddUser": true, "Chart.AddMedication": true, "Chart.OpenEncounter": true, "Chart.RecordVitals": true,
	"Chart.SaveDraft": true, "Chart.SignNote": true, "Patients.Register": true,
	"Patients.RegisterDifferentPerson": true, "Schedule.Advance": true,
	"Schedule.Book": true, "Schedule.Move": true, "Admin.SetReplica": true,
}

// client is one workstation's browser: its own connection to the host
// (HTTP/2 when the host offers it, as it does, and as a browser uses it:
// the chart's reads go out together on it), its own session cookie, and
// TLS 1.3 that trusts only the clinic's exported certificate authority.
type client struct {
	base  string // https://127.0.0.1:PORT
	http  *http.Client
	stats *stats
	user  string // the account signed in, for error messages
}

func newClient(at endpoint, roots *x509.CertPool, st *stats) *client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		DialContext:     at.Dial,
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13},
		// Over HTTP/1.1 a browser opens at most six connections to one host.
		MaxConnsPerHost:     6,
		MaxIdleConnsPerHost: 6,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &client{base: at.Base, http: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}, stats: st}
}

// apiError is a call the host answered with an error (app.Error's JSON),
// or one that did not get an answer at all.
type apiError struct {
	Call    string
	Status  int
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Fields are a refused form's field errors: what "Please correct the
	// marked field" marked.
	Fields map[string]string `json:"fields"`
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Call, e.Message)
	}
	msg := fmt.Sprintf("%s: %d %s: %s", e.Call, e.Status, e.Kind, e.Message)
	names := slices.Sorted(maps.Keys(e.Fields))
	for _, name := range names {
		msg += fmt.Sprintf(" [%s: %s]", name, e.Fields[name])
	}
	return msg
}

// call is POST /api/{service}/{method} with args as a JSON array, as
// frontend/src/lib/api.ts sends it; the answer is decoded into out (nil to
// drop it). Every call is timed and counted under its name, an error too.
func (c *client) call(ctx context.Context, out any, service, method string, args ...any) error {
	name := service + "." + method
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("%s: encode the arguments: %w", name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/"+service+"/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// A browser on the host's page sends its own origin; the host's
	// cross-origin check sees the same here.
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if browserWrites[name] {
		req.Header.Set("Folio-Request-Id", uuid.NewString())
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the day ended while the call was on its way: not the host's fault
		}
		e := &apiError{Call: name, Message: err.Error()}
		c.stats.recordAt(name, c.user, start, time.Since(start), fmt.Errorf("%s (as %s)", e, c.user))
		return e
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := &apiError{Call: name, Status: res.StatusCode, Message: "answer cut off: " + err.Error()}
		c.stats.recordAt(name, c.user, start, took, fmt.Errorf("%s (as %s)", e, c.user))
		return e
	}
	if res.StatusCode != http.StatusOK {
		e := &apiError{Call: name, Status: res.StatusCode}
		if json.Unmarshal(data, e) != nil {
			e.Message = string(data)
		}
		c.stats.recordAt(name, c.user, start, took, fmt.Errorf("%s (as %s)", e, c.user))
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e := &apiError{Call: name, Status: res.StatusCode, Message: "answer does not decode: " + err.Error()}
			c.stats.recordAt(name, c.user, start, took, fmt.Errorf("%s (as %s)", e, c.user))
			return e
		}
	}
	c.stats.recordAt(name, c.user, start, took, nil)
	return nil
}

// signIn signs the account in; the session cookie is kept for its calls.
func (c *client) signIn(ctx context.Context, username, password string) error {
	c.user = username
	return c.call(ctx, nil, "Auth", "Login", username, password)
}

// close drops the client's idle connections.
func (c *client) close() { c.http.CloseIdleConnections() }
