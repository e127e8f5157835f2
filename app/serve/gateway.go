package serve

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"folio/app"
)

// The device gateway's HTTP face: POST /gateway/fhir (a Bundle) and POST
// /gateway/fhir/Observation (one), answered in FHIR's words (an
// OperationOutcome). A hub has no session and no cookie: its bearer token
// is its only credential, so no cross-site request can ride on one. In
// LAN mode it is served over TLS like everything else, and is refused
// without it.

const (
	// maxGatewayBody bounds a post: a day of a hub's readings is a few
	// kilobytes; a month's bundle well under this.
	maxGatewayBody = 1 << 20
	// gatewayPerMinute is how many posts a token may make a minute: a hub
	// sends one post per reading or a batch, far fewer; more is a loop gone
	// wrong, which must not fill the chart or slow the clinic.
	gatewayPerMinute = 60
	// gatewayKeys bounds the limiter's memory.
	gatewayKeys = 10000
)

// gatewayLimiter counts each token's posts in the current minute.
type gatewayLimiter struct {
	mu     sync.Mutex
	counts map[[32]byte]*gatewayWindow
}

type gatewayWindow struct {
	start time.Time
	n     int
}

// allow counts a post of token at now and says how long to wait when it
// is one too many.
func (l *gatewayLimiter) allow(token string, now time.Time) (bool, time.Duration) {
	key := sha256.Sum256([]byte(token))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[[32]byte]*gatewayWindow{}
	}
	w := l.counts[key]
	if w == nil || now.Sub(w.start) >= time.Minute {
		if len(l.counts) >= gatewayKeys {
			for k, old := range l.counts {
				if now.Sub(old.start) >= time.Minute {
					delete(l.counts, k)
				}
			}
		}
		w = &gatewayWindow{start: now}
		l.counts[key] = w
	}
	w.n++
	if w.n > gatewayPerMinute {
		return false, w.start.Add(time.Minute).Sub(now)
	}
	return true, 0
}

type outcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics"`
	Expression  []string `json:"expression,omitempty"`
}

type operationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []outcomeIssue `json:"issue"`
}

func writeOutcome(w http.ResponseWriter, status int, issues ...outcomeIssue) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(operationOutcome{ResourceType: "OperationOutcome", Issue: issues})
}

// gatewayCodes are FHIR issue types of the app's error kinds.
var gatewayCodes = map[app.Kind]string{app.Invalid: "invalid", app.Unauthenticated: "login", app.NotFound: "not-found",
	app.Conflict: "conflict", app.Forbidden: "forbidden", app.Busy: "throttled"}

func gatewayError(w http.ResponseWriter, e *app.Error) {
	code := gatewayCodes[e.Kind]
	if code == "" {
		code = "exception"
	}
	issues := []outcomeIssue{{Severity: "error", Code: code, Diagnostics: e.Message}}
	fields := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		issues = append(issues, outcomeIssue{Severity: "error", Code: code, Diagnostics: e.Fields[f], Expression: []string{f}})
	}
	if e.Kind == app.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="folio gateway"`)
	}
	writeOutcome(w, statusOf(e.Kind), issues...)
}

// gateway takes a hub's post.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	if s.lan && r.TLS == nil {
		gatewayError(w, &app.Error{Kind: app.Forbidden, Message: "The gateway answers only over HTTPS."})
		return
	}
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		gatewayError(w, &app.Error{Kind: app.Unauthenticated, Message: "Send the device token as Authorization: Bearer <token>."})
		return
	}
	if ok, wait := s.gatewayLimit.allow(token, time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		gatewayError(w, &app.Error{Kind: app.Busy, Message: "Too many posts with this token: at most 60 a minute."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGatewayBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeOutcome(w, http.StatusRequestEntityTooLarge, outcomeIssue{Severity: "error", Code: "too-long",
			Diagnostics: "The post is larger than 1 MB: send fewer readings at a time."})
		return
	}
	if err != nil {
		gatewayError(w, &app.Error{Kind: app.Invalid, Message: "The post could not be read."})
		return
	}
	if strings.HasSuffix(r.URL.Path, "/Observation") && !strings.Contains(string(body[:min(len(body), 200)]), "Observation") {
		gatewayError(w, &app.Error{Kind: app.Invalid, Message: "POST /gateway/fhir/Observation takes one Observation."})
		return
	}
	receipt, err := s.app.ReceiveDeviceReadings(token, body)
	if err != nil {
		gatewayError(w, app.AsError(err, s.log))
		return
	}
	status := http.StatusOK // all already received: nothing new
	if receipt.Added > 0 {
		status = http.StatusCreated
	}
	issues := []outcomeIssue{{Severity: "information", Code: "informational", Diagnostics: strconv.Itoa(receipt.Added) +
		" added, " + strconv.Itoa(receipt.Duplicates) + " already received"}}
	for _, p := range receipt.Skipped {
		issues = append(issues, outcomeIssue{Severity: "warning", Code: "informational", Diagnostics: p.String()})
	}
	writeOutcome(w, status, issues...)
}
