// Package host runs Folio as the clinic's server on its own network: HTTPS
// with the clinic's certificate on the addresses lan allows, the
// certificate renewed and the DNS-SD announcement refreshed as the PC's
// addresses change. `folio serve --lan` runs one until it is stopped; the
// desktop window starts and stops one when the admin turns sharing on and
// off (Switch). Both go through Start, so they serve alike.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/lan"
	"folio/app/serve"
)

// DefaultAddr is where the host listens unless told otherwise.
const DefaultAddr = ":8443"

// Options say where and how to serve.
type Options struct {
	// Addr is address:port; "" is DefaultAddr (every interface).
	Addr        string
	AllowPublic bool
	NoAnnounce  bool
	// Refresh is how often the PC's names and addresses are looked at
	// again; 0 is a minute.
	Refresh time.Duration
	// Assets are the UI's files.
	Assets fs.FS
	// Out hears what the command line tells its user (nil: nothing).
	Out io.Writer
}

// Host is the clinic network server while it runs.
type Host struct {
	app      *app.App
	ca       *clinicca.Authority
	opts     Options
	id       *lan.Identity
	port     int
	srv      *http.Server
	face     *serve.Server
	done     chan struct{}
	err      error // why Serve ended, once done is closed
	stopTick chan struct{}

	mu        sync.Mutex
	announcer *lan.Announcer
}

// Start listens and serves in the background until Stop. The clinic must
// be set up: whoever reached a clinic with no admin first over the network
// would make themselves its admin.
func Start(a *app.App, ca *clinicca.Authority, opts Options) (*Host, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Refresh == 0 {
		opts.Refresh = time.Minute
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	listen, err := lan.CheckAddr(opts.Addr, opts.AllowPublic)
	if err != nil {
		return nil, err
	}
	if err := needSetUp(a); err != nil {
		return nil, err
	}
	inner, err := net.Listen("tcp", listen.Addr)
	if err != nil {
		return nil, listenError(listen, err)
	}
	listen.Port = inner.Addr().(*net.TCPAddr).Port
	id, err := lan.NewIdentity(listen, opts.AllowPublic)
	if err != nil {
		inner.Close()
		return nil, err
	}
	if _, err := ca.ServerCertificate(id.Names()); err != nil {
		inner.Close()
		return nil, err
	}
	face := serve.NewLAN(a, opts.Assets, id.Accepts)
	h := &Host{app: a, ca: ca, opts: opts, id: id, port: listen.Port, face: face,
		done: make(chan struct{}), stopTick: make(chan struct{})}
	h.srv = &http.Server{
		Handler:           face.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A browser without the clinic's certificate fails each handshake;
		// that is for the debug log, not the terminal.
		ErrorLog: slog.NewLogLogger(a.Logger().Handler(), slog.LevelDebug),
	}
	// Shutdown waits for answers to finish; the screens' change streams
	// never do, so they are told to end.
	h.srv.RegisterOnShutdown(face.StopStreams)
	ln := lan.NewListener(inner, lan.TLSConfig(ca), lan.PlainHTTP(id))
	h.announce()
	go func() {
		err := h.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		h.err = err
		close(h.done)
	}()
	go h.follow()
	return h, nil
}

// listenError says in the admin's words why the port could not be had.
func listenError(l lan.Listen, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("port %d is already in use by another program (perhaps Folio is already serving the clinic "+
			"from this PC, as folio serve --lan): stop that program, then try again", l.Port)
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("this PC does not let Folio listen on port %d (ports below 1024 need an administrator): "+
			"use a port such as 8443", l.Port)
	}
	return fmt.Errorf("listen on %s: %w", l.Addr, err)
}

// needSetUp refuses to put a clinic that has no admin yet on the network.
func needSetUp(a *app.App) error {
	for _, svc := range a.Services(a.NewSession("folio serve --lan")) {
		auth, ok := svc.(*app.Auth)
		if !ok {
			continue
		}
		st, err := auth.Status()
		if err != nil {
			return err
		}
		if st.SetupNeeded {
			return errors.New("this clinic is not set up yet, and whoever reached it first over the network would become its admin. " +
				"Set it up on this PC first (open Folio, or run 'folio setup'), then run folio serve --lan")
		}
		return nil
	}
	return errors.New("no sign-in service to check the clinic's setup")
}

// Port is the port served (the one picked, when Addr asked for port 0).
func (h *Host) Port() int { return h.port }

// Identity is the host's names and addresses as served.
func (h *Host) Identity() *lan.Identity { return h.id }

// Done is closed when the server has stopped; Err then says why, if it
// was not Stop.
func (h *Host) Done() <-chan struct{} { return h.done }

// Err is why the server stopped by itself (nil after Stop).
func (h *Host) Err() error {
	<-h.done
	return h.err
}

// Stop shuts the server down, giving answers under way five seconds, and
// withdraws the announcement.
func (h *Host) Stop() error {
	select {
	case <-h.stopTick:
	default:
		close(h.stopTick)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := h.srv.Shutdown(ctx)
	h.mu.Lock()
	h.announcer.Stop()
	h.announcer = nil
	h.mu.Unlock()
	<-h.done
	return err
}

// State is how the server stands, for the admin's screen.
func (h *Host) State() app.SharingState {
	st := app.SharingState{Serving: true, URLs: h.id.URLs()}
	select {
	case <-h.done:
		st.Serving = false
		if h.err != nil {
			st.Problem = "Folio stopped serving the clinic's network: " + h.err.Error()
		}
	default:
	}
	st.Public = publicAddresses(h.id)
	return st
}

func publicAddresses(id *lan.Identity) []string {
	var out []string
	for _, ip := range id.Serving() {
		if lan.Classify(ip) == lan.Public {
			out = append(out, ip.String())
		}
	}
	return out
}

// follow renews the certificate and the announcement as the PC's names
// and addresses change, until Stop.
func (h *Host) follow() {
	tick := time.NewTicker(h.opts.Refresh)
	defer tick.Stop()
	for {
		select {
		case <-h.stopTick:
			return
		case <-h.done:
			return
		case <-tick.C:
		}
		before := h.id.Serving()
		if err := h.id.Refresh(); err != nil {
			h.app.Logger().Warn("look up the host's addresses", "err", err)
			continue
		}
		// Renewed here, not at a handshake: GetCertificate then only
		// reads, and a renewal takes effect without a restart.
		if _, err := h.ca.ServerCertificate(h.id.Names()); err != nil {
			h.app.Logger().Error("renew the server certificate", "err", err)
		}
		if !slices.Equal(before, h.id.Serving()) {
			fmt.Fprintf(h.opts.Out, "The host's addresses changed.\n")
			PrintURLs(h.opts.Out, h.id)
			h.announce()
		}
	}
}

func (h *Host) announce() {
	if h.opts.NoAnnounce {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.stopTick:
		return
	default:
	}
	h.announcer.Stop()
	hostname, _ := os.Hostname()
	var err error
	h.announcer, err = lan.Announce(lan.Announcement{HostName: hostname, Port: h.port, IPs: h.id.Serving(),
		Fingerprint: h.ca.Fingerprint(), Logger: h.app.Logger()})
	if err != nil {
		fmt.Fprintf(h.opts.Out, "Not announced on the network (%v); type the address instead.\n", err)
	}
}

// PrintURLs lists where Folio answers, and warns of a public address among
// them: the clinic's certificate cannot vouch for it, and computers outside
// the clinic may reach it.
func PrintURLs(out io.Writer, id *lan.Identity) {
	fmt.Fprintf(out, "Open one of:\n")
	for _, u := range id.URLs() {
		fmt.Fprintf(out, "  %s\n", u)
	}
	for _, ip := range publicAddresses(id) {
		fmt.Fprintf(out, "WARNING: %s is a public address and Folio answers there too; computers outside the clinic "+
			"may reach it. Listen on the clinic's address only (--addr ADDRESS:PORT) unless this is intended.\n", ip)
	}
}

// Switch is the window's sharing: a Host started and stopped at the
// admin's toggle (app.Sharing). A start that fails leaves the window as it
// was, and the reason in State for the admin's screen.
type Switch struct {
	app  *app.App
	ca   *clinicca.Authority
	opts Options

	mu      sync.Mutex
	host    *Host
	problem string
}

// NewSwitch is sharing for the window, serving with opts when on.
func NewSwitch(a *app.App, ca *clinicca.Authority, opts Options) *Switch {
	return &Switch{app: a, ca: ca, opts: opts}
}

// Start serves, if not serving already.
func (s *Switch) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host != nil {
		select {
		case <-s.host.Done():
			s.host = nil // it stopped by itself: start again
		default:
			return nil
		}
	}
	h, err := Start(s.app, s.ca, s.opts)
	if err != nil {
		s.problem = "Not serving the clinic's network: " + err.Error() + ". Folio goes on working on this PC."
		return err
	}
	s.host, s.problem = h, ""
	return nil
}

// Stop stops serving; the clinic's other computers lose the host.
func (s *Switch) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problem = ""
	if s.host == nil {
		return nil
	}
	err := s.host.Stop()
	s.host = nil
	return err
}

// State is how sharing stands now.
func (s *Switch) State() app.SharingState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host == nil {
		return app.SharingState{Problem: s.problem}
	}
	return s.host.State()
}

// Running is h as the admin's screen sees `folio serve --lan`: its state,
// with no toggle (app.NetworkHost refuses one before it gets here).
func (h *Host) Running() app.Sharing { return running{h} }

type running struct{ h *Host }

var errNoToggle = errors.New("folio serve --lan is started and stopped where it runs")

func (r running) Start() error            { return errNoToggle }
func (r running) Stop() error             { return errNoToggle }
func (r running) State() app.SharingState { return r.h.State() }
