package workstation

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"folio/app"
)

// Joining is how the desktop window's first-run screen makes this PC a
// workstation of the clinic's host instead of a clinic of its own: it lists
// the hosts found on the network, asks one to pair, and waits, as the
// screen asks again, for the admin's approval there. Bound to the window
// as workstation.Joining; its errors are *app.Error, in the person's words.
type Joining struct {
	dir string
	// may refuses to join while this data folder holds a clinic of its own.
	may func() error
	// paired turns the window into the host's workstation, once approved.
	paired func(*Config) error
	// look is how long Find listens for hosts' answers.
	look time.Duration

	mu      sync.Mutex
	pending *Pairing
	current *Config
}

// NewJoining serves the window on data folder dir. current is the pairing
// the window opened as, nil for a window of a clinic of its own.
func NewJoining(dir string, current *Config, may func() error, paired func(*Config) error) *Joining {
	return &Joining{dir: dir, current: current, may: may, paired: paired, look: 2 * time.Second}
}

// WindowMode says what the window is: a workstation of a clinic's host
// (its page then calls the host over HTTP, through the window's proxy), or
// the clinic's own Folio (its page calls the bound services).
type WindowMode struct {
	Workstation bool   `json:"workstation"`
	Host        string `json:"host,omitempty"`
	Name        string `json:"name,omitempty"`
}

// Mode is what the window is now.
func (j *Joining) Mode() WindowMode {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.current == nil {
		return WindowMode{}
	}
	return WindowMode{Workstation: true, Host: j.current.Host, Name: j.current.Name}
}

// Find lists the Folio hosts that answer on the network.
func (j *Joining) Find() ([]FoundHost, error) {
	if err := j.check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), j.look+5*time.Second)
	defer cancel()
	found, err := Discover(ctx, j.look)
	if err != nil {
		return nil, &app.Error{Kind: app.Invalid, Message: "Folio could not look for the clinic's host on the network (" +
			err.Error() + "). Type the host's address instead."}
	}
	if found == nil {
		found = []FoundHost{}
	}
	return found, nil
}

// Begin asks the host at address to pair this PC as name. fingerprint is
// the authority the host announced, when it was picked from Find's list
// ("" for a typed address). It answers the code to show; the admin approves
// by that code on the host.
func (j *Joining) Begin(address, name, fingerprint string) (*Pairing, error) {
	if err := j.check(); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if strings.TrimSpace(address) == "" {
		fields["address"] = "Give the host's address, such as 192.168.1.20 or frontdesk.local."
	} else if _, err := HostAddress(strings.TrimSpace(address)); err != nil {
		fields["address"] = "This is not a computer's name or address (a port may follow, as in 192.168.1.20:8443)."
	}
	if strings.TrimSpace(name) == "" {
		fields["name"] = "Give this computer a name the admin will know, such as Exam room 2."
	}
	if len(fields) > 0 {
		return nil, &app.Error{Kind: app.Invalid, Message: "Please correct the marked field.", Fields: fields}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	p, err := Begin(ctx, JoinOptions{Host: strings.TrimSpace(address), Name: strings.TrimSpace(name), Dir: j.dir,
		Expect: fingerprint})
	if err != nil {
		return nil, joinError(err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.pending != nil {
		j.pending.Close()
	}
	j.pending = p
	return p, nil
}

// hostUnreachable is the kind of a check the host did not answer, as the
// workstation proxy calls it (serve): the screen asks again later.
const hostUnreachable app.Kind = "unreachable"

// JoinProgress is where a pairing request stands: "pending" while the
// admin has not answered, "approved" once this window is the host's
// workstation (the page then opens again, as one).
type JoinProgress struct {
	Status string     `json:"status"`
	Mode   WindowMode `json:"mode"`
}

// Check asks the host once whether the admin approved the request Begin
// made. A refusal is an error in the host's words.
func (j *Joining) Check() (JoinProgress, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.pending == nil {
		return JoinProgress{}, &app.Error{Kind: app.NotFound, Message: "No request to pair is under way; start again."}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := j.pending.Check(ctx)
	if err != nil {
		var refused *RefusedError
		var impostor *ImpostorError
		if !errors.As(err, &refused) && !errors.As(err, &impostor) {
			// The host did not answer this time: the screen asks again.
			return JoinProgress{}, &app.Error{Kind: hostUnreachable, Message: "The host does not answer just now (" +
				err.Error() + "); Folio keeps asking."}
		}
		j.pending.Close()
		j.pending = nil
		return JoinProgress{}, joinError(err)
	}
	if c == nil {
		return JoinProgress{Status: "pending"}, nil
	}
	j.pending.Close()
	j.pending = nil
	if err := j.paired(c); err != nil {
		return JoinProgress{}, &app.Error{Kind: app.Internal, Message: "This PC is paired with the host, but the window " +
			"could not switch to it (" + err.Error() + "). Close Folio and open it again."}
	}
	j.current = c
	return JoinProgress{Status: "approved", Mode: WindowMode{Workstation: true, Host: c.Host, Name: c.Name}}, nil
}

// Cancel forgets the request under way (the host's admin sees it still,
// and may refuse it).
func (j *Joining) Cancel() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.pending != nil {
		j.pending.Close()
		j.pending = nil
	}
}

// check refuses to join from a window that is a workstation already, or
// whose data folder holds a clinic.
func (j *Joining) check() error {
	j.mu.Lock()
	current := j.current
	j.mu.Unlock()
	if current != nil {
		return &app.Error{Kind: app.Conflict, Message: "This PC is already a workstation of the host at " + current.Host + "."}
	}
	if j.may != nil {
		if err := j.may(); err != nil {
			return err
		}
	}
	return nil
}

// joinError puts a failed pairing step into the person's words; the
// workstation package's own errors already are.
func joinError(err error) error {
	var e *app.Error
	if errors.As(err, &e) {
		return e
	}
	return &app.Error{Kind: app.Invalid, Message: sentence(err.Error())}
}

// sentence starts msg with a capital letter and ends it with a full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
