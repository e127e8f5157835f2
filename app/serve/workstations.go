package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/throttle"
)

// Paired workstations (see app/workstations.go) reach the host over TLS
// with the client certificate the clinic's authority issued them; the TLS
// layer (lan.TLSConfig) has checked that the authority signed it. Here the
// host finds which workstation it is, refuses a revoked one, and names it
// in the audit trail. A browser presents no certificate and goes on as
// before, named by its address.

// pairingLimit slows down pairing requests from one address: a few are
// free (a mistyped name, a restart), then each waits twice as long as the
// last. Requests nobody approved stay on the admin's list, so a flood is
// stopped here and by the cap on waiting requests (app).
var pairingPolicy = throttle.Policy{Free: 5, First: 30 * time.Second, Max: 15 * time.Minute, Forget: time.Hour, Keys: 10_000}

// maxPairingBody: a request is an id, a name and a public key.
const maxPairingBody = 4 << 10

type workstationKey struct{}

// workstationOf is the paired workstation that made r, if any.
func workstationOf(r *http.Request) (app.PairedWorkstation, bool) {
	w, ok := r.Context().Value(workstationKey{}).(app.PairedWorkstation)
	return w, ok
}

// identify finds the paired workstation of a request that came with a
// client certificate, and refuses it when revoked (or unknown: a
// certificate the authority signed that this host's list does not hold,
// such as one from before the data folder was restored), ending its
// sessions at once.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		cert := r.TLS.PeerCertificates[0]
		ws, err := s.app.WorkstationByCertificate(clinicca.SerialText(cert.SerialNumber))
		if err != nil || !ws.Paired() || cert.Subject.CommonName != ws.ID {
			if ws.ID != "" {
				s.endWorkstationSessions(ws.ID)
			}
			msg := "This workstation is not paired with the host: the admin revoked it or never approved it. " +
				"Ask the admin to pair it again (folio join)."
			writeError(w, &app.Error{Kind: app.Forbidden, Message: msg})
			return
		}
		s.app.NoteWorkstationSeen(ws.ID, clientAddress(r))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workstationKey{}, ws)))
	})
}

func (s *Server) endWorkstationSessions(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for token, bs := range s.sessions {
		if bs.session.WorkstationID() == id {
			delete(s.sessions, token)
		}
	}
}

// newSession is a signed-out session for r: at the paired workstation
// that made it, at a browser on the clinic's network named by its
// address, or at this PC's browser.
func (s *Server) newSession(r *http.Request) *app.Session {
	address := clientAddress(r)
	if ws, ok := workstationOf(r); ok {
		return s.app.NewSessionAtWorkstation(ws.Name, ws.ID, address)
	}
	if s.lan {
		return s.app.NewSessionFrom("browser at "+address, address)
	}
	return s.app.NewSessionFrom(s.workstation, address)
}

// sameWorkstation says whether a session may be used by r: a session
// signed in at a workstation only from that workstation, a browser's only
// from a browser, so that a cookie copied off a workstation is worth
// nothing elsewhere, nor after the workstation is revoked.
func sameWorkstation(bs *browserSession, r *http.Request) bool {
	ws, _ := workstationOf(r)
	return bs.session.WorkstationID() == ws.ID
}

// pairRequest is POST /pair/request: a workstation asks to pair.
func (s *Server) pairRequest(w http.ResponseWriter, r *http.Request) {
	address := clientAddress(r)
	now := s.app.Now()
	if wait := s.pairing.Wait(address, now); wait > 0 {
		writeError(w, &app.Error{Kind: app.Busy, Message: fmt.Sprintf(
			"Too many pairing requests from this computer; try again in %s.", wait.Round(time.Second))})
		return
	}
	s.pairing.Fail(address, now)
	var req app.PairingRequest
	if !s.readPairing(w, r, &req) {
		return
	}
	st, err := s.app.RequestPairing(req, address)
	if err != nil {
		writeError(w, app.AsError(err, s.log))
		return
	}
	writeJSON(w, st)
}

// pairStatus is POST /pair/status: a workstation polls for its approval.
func (s *Server) pairStatus(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID string `json:"id"`
	}
	if !s.readPairing(w, r, &req) {
		return
	}
	st, err := s.app.PairingStatusOf(req.ID)
	if err != nil {
		writeError(w, app.AsError(err, s.log))
		return
	}
	writeJSON(w, st)
}

func (s *Server) readPairing(w http.ResponseWriter, r *http.Request, into any) bool {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "Calls must send JSON."})
		return false
	}
	body, refused := readBody(w, r, "pair", maxPairingBody, false)
	if refused != nil {
		writeError(w, refused)
		return false
	}
	if err := json.Unmarshal(body, into); err != nil {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "The pairing request is not valid JSON."})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
