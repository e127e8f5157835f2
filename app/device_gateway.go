package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"folio/app/readings"
	"folio/db"
)

// The device gateway: a patient's hub (a phone app, a cellular cuff's
// relay) posts FHIR Observations to the host with a token a clinician
// issued for that patient. The token is the hub's only credential: it names
// the patient, so a hub can send nothing to any other chart, and revoking
// it ends the hub's access at once. Only its SHA-256 is kept.

// GatewayPath is where hubs post: POST GatewayPath (a Bundle) or
// GatewayPath+"/Observation" (one Observation), on folio serve (--lan: HTTPS).
const GatewayPath = "/gateway/fhir"

// DeviceTokenView is a device token as the chart lists it.
type DeviceTokenView struct {
	db.DeviceToken
	CreatedByName string `json:"createdByName"`
}

// IssuedDeviceToken is a token just made: Token is shown this once and
// never again (Folio keeps only its hash).
type IssuedDeviceToken struct {
	DeviceTokenView
	Token       string `json:"token"`
	GatewayPath string `json:"gatewayPath"`
}

// maxTokenLabel bounds a token's label and device.
const maxTokenLabel = 120

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssueDeviceToken makes a token for a hub to send the patient's readings
// with: 32 random bytes, base64url. label says whose hub it is ("Mrs
// Rivera's phone"), device what sends ("Withings BPM Connect").
func (s *Chart) IssueDeviceToken(patientID, label, device string) (IssuedDeviceToken, error) {
	var out IssuedDeviceToken
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		label, device = strings.TrimSpace(label), strings.TrimSpace(device)
		fields := fieldErrors{}
		switch {
		case label == "":
			fields.add("label", "Say whose hub or app this is (e.g. her phone).")
		case utf8.RuneCountInString(label) > maxTokenLabel:
			fields.add("label", fmt.Sprintf("Keep it to %d characters.", maxTokenLabel))
		}
		if utf8.RuneCountInString(device) > maxTokenLabel {
			fields.add("device", fmt.Sprintf("Keep it to %d characters.", maxTokenLabel))
		}
		if err := fields.err(); err != nil {
			return err
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("make device token: %w", err)
		}
		token := base64.RawURLEncoding.EncodeToString(secret)
		row := db.DeviceToken{ID: newID(), PatientID: p.ID, TokenSHA256: tokenHash(token), Label: label, Device: device,
			CreatedAt: o.now, CreatedBy: o.actor.userID}
		if err := o.InsertDeviceToken(row); err != nil {
			return err
		}
		out = IssuedDeviceToken{DeviceTokenView: DeviceTokenView{DeviceToken: row, CreatedByName: o.actor.username},
			Token: token, GatewayPath: GatewayPath}
		return o.audit("device_token.issue", p.ID, "device_token/"+row.ID, label+"; "+device)
	})
	return out, err
}

// DeviceTokens lists the patient's device tokens, revoked ones too.
func (s *Chart) DeviceTokens(patientID string) ([]DeviceTokenView, error) {
	out := []DeviceTokenView{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.DeviceTokens(p.ID)
		if err != nil {
			return err
		}
		names, err := o.userNames()
		if err != nil {
			return err
		}
		for _, d := range rows {
			out = append(out, DeviceTokenView{DeviceToken: d, CreatedByName: names[d.CreatedBy]})
		}
		return o.audit("device_token.list", p.ID, "patient/"+p.ID, fmt.Sprintf("%d tokens", len(out)))
	})
	return answer(out, err)
}

// RevokeDeviceToken ends a token, saying why: the hub's next post is
// refused. The readings it sent stay.
func (s *Chart) RevokeDeviceToken(id, reason string) (DeviceTokenView, error) {
	var out DeviceTokenView
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this token is revoked (e.g. phone lost).").err(); err != nil {
			return err
		}
		old, err := o.DeviceTokenByID(id)
		if err != nil {
			return err
		}
		if _, err := o.chartPatient(old.PatientID); err != nil {
			return err
		}
		if old.RevokedAt != "" {
			return errorf(Conflict, "This token was already revoked.")
		}
		if err := o.RevokeDeviceToken(id, o.actor.userID, reason, o.now); err != nil {
			return err
		}
		saved, err := o.DeviceTokenByID(id)
		if err != nil {
			return err
		}
		out = DeviceTokenView{DeviceToken: saved, CreatedByName: ""}
		return o.audit("device_token.revoke", saved.PatientID, "device_token/"+id, saved.Label+"; reason: "+reason)
	})
	return out, err
}

// GatewayReceipt is what the gateway did with a post.
type GatewayReceipt struct {
	TokenID    string             `json:"tokenId"`
	Received   int                `json:"received"`
	Added      int                `json:"added"`
	Duplicates int                `json:"duplicates"`
	Skipped    []readings.Problem `json:"skipped"`
}

// errUnknownToken is the one answer to a token that is unknown or revoked:
// a hub learns nothing of which.
var errUnknownToken = errorf(Unauthenticated, "This device token is not valid: it was revoked, or never issued. Ask the clinic for a new one.")

// ReceiveDeviceReadings takes what a hub posted with its bearer token:
// FHIR Observations (one, or a Bundle), checked as a file is. It is all or
// nothing: any observation refused refuses the post (an error naming it);
// the same reading sent again is counted, not added. The readings are
// the token's patient's, brought in by the clinician who issued the token,
// and the audit entry names the token.
func (a *App) ReceiveDeviceReadings(token string, body []byte) (GatewayReceipt, error) {
	out := GatewayReceipt{Skipped: []readings.Problem{}}
	if token == "" {
		return out, errUnknownToken
	}
	var tok db.DeviceToken
	var issuer db.User
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		if tok, err = tx.DeviceTokenByHash(tokenHash(token)); err != nil {
			return err
		}
		issuer, err = tx.UserByID(tok.CreatedBy)
		return err
	})
	if errors.Is(err, db.ErrNotFound) || (err == nil && tok.RevokedAt != "") {
		return out, errUnknownToken
	}
	if err != nil {
		return out, a.userError(err)
	}
	who := actor{userID: issuer.ID, username: issuer.Username, role: issuer.Role,
		workstation: fmt.Sprintf("device gateway, token %s (%s)", tok.ID, tok.Label)}
	err = a.actAs(who, func(o *op) error {
		// Revoked meanwhile? The transaction's read is the one that counts.
		current, err := o.DeviceTokenByID(tok.ID)
		if err != nil {
			return err
		}
		if current.RevokedAt != "" {
			return errUnknownToken
		}
		p, err := o.chartPatient(current.PatientID)
		if err != nil {
			return err
		}
		res, err := readings.ParseFHIR(body, readings.Options{Now: o.now})
		if err != nil {
			return fieldErrors{"body": upperFirst(err.Error()) + "."}.err()
		}
		if err := refusedError(res.Refused); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Message = strings.Replace(e.Message, "Nothing was imported", "Nothing was received", 1)
			}
			return err
		}
		out.TokenID, out.Received, out.Skipped = tok.ID, res.RowsRead, res.Skipped
		if out.Skipped == nil {
			out.Skipped = []readings.Problem{}
		}
		for _, r := range res.Readings {
			row := homeReadingRow(p.ID, r, o)
			row.Source, row.TokenID = db.ReadingFromGateway, tok.ID
			if row.Device == "" {
				row.Device = current.Device
			}
			added, err := o.InsertHomeReading(row)
			if err != nil {
				return err
			}
			if added {
				out.Added++
			} else {
				out.Duplicates++
			}
		}
		if err := o.TouchDeviceToken(tok.ID, o.now); err != nil {
			return err
		}
		return o.audit("reading.gateway", p.ID, "device_token/"+tok.ID, fmt.Sprintf("%s: %d received, %d added, %d already in the chart, %d skipped",
			tok.Label, out.Received, out.Added, out.Duplicates, len(out.Skipped)))
	})
	if err != nil {
		return GatewayReceipt{Skipped: []readings.Problem{}}, err
	}
	return out, nil
}
