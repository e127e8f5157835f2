package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/lan"
	"folio/app/serve"
)

// lanFlags are serve's options for the clinic's network.
type lanFlags struct {
	lan         bool
	allowPublic bool
	noAnnounce  bool
	// refresh is how often the host's names and addresses are looked at
	// again, renewing the certificate and the announcement if they changed.
	refresh time.Duration
}

func addLANFlags(fs *flag.FlagSet) *lanFlags {
	f := &lanFlags{refresh: time.Minute}
	fs.BoolVar(&f.lan, "lan", false, "serve the clinic's other computers, over HTTPS with the clinic's own certificate")
	fs.BoolVar(&f.allowPublic, "allow-public", false, "with --lan: also listen on a public (non-private) address")
	fs.BoolVar(&f.noAnnounce, "no-announce", false, "with --lan: do not announce Folio on the network (DNS-SD/mDNS)")
	return f
}

// check refuses the network options without --lan: serve on this PC
// would silently ignore them.
func (f *lanFlags) check() error {
	if !f.lan && (f.allowPublic || f.noAnnounce) {
		return &exitError{2, fmt.Errorf("folio serve: --allow-public and --no-announce go with --lan")}
	}
	return nil
}

// tlsDir is where the clinic's certificate authority lives.
func tlsDir(dataDir string) string { return filepath.Join(dataDir, "tls") }

// serveLANUntilDone is `folio serve --lan`: HTTPS only, on the clinic's
// network, announced by DNS-SD, until ctx ends.
func serveLANUntilDone(ctx context.Context, dataDir, addr string, opts *lanFlags, stdout io.Writer) error {
	if addr == "" {
		addr = ":8443"
	}
	listen, err := lan.CheckAddr(addr, opts.allowPublic)
	if err != nil {
		return &exitError{2, err}
	}
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	defer closeApp()
	if err := needSetUp(a); err != nil {
		return err
	}
	ca, err := clinicca.Open(tlsDir(dataDir), clinicca.Options{})
	if err != nil {
		return err
	}
	a.UseClinicCA(ca)
	inner, err := net.Listen("tcp", listen.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen.Addr, err)
	}
	listen.Port = inner.Addr().(*net.TCPAddr).Port
	id, err := lan.NewIdentity(listen, opts.allowPublic)
	if err != nil {
		inner.Close()
		return err
	}
	if _, err := ca.ServerCertificate(id.Names()); err != nil {
		inner.Close()
		return err
	}
	ln := lan.NewListener(inner, lan.TLSConfig(ca), lan.PlainHTTP(id))
	srv := &http.Server{
		Handler:           serve.NewLAN(a, assets(), id.Accepts).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A browser without the clinic's certificate fails each handshake;
		// that is for the debug log, not the terminal.
		ErrorLog: slog.NewLogLogger(a.Logger().Handler(), slog.LevelDebug),
	}
	printLAN(stdout, id, ca, dataDir)

	var announcer *lan.Announcer
	announce := func() {
		if opts.noAnnounce {
			return
		}
		announcer.Stop()
		hostname, _ := os.Hostname()
		announcer, err = lan.Announce(lan.Announcement{HostName: hostname, Port: listen.Port, IPs: id.Serving(),
			Fingerprint: ca.Fingerprint(), Logger: a.Logger()})
		if err != nil {
			fmt.Fprintf(stdout, "Not announced on the network (%v); type the address instead.\n", err)
		}
	}
	announce()
	defer func() { announcer.Stop() }()
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	a.WarmUp()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(opts.refresh)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(shutdown)
		case <-tick.C:
			before := id.Serving()
			if err := id.Refresh(); err != nil {
				a.Logger().Warn("look up the host's addresses", "err", err)
				continue
			}
			// Renewed here, not at a handshake: GetCertificate then only
			// reads, and a renewal takes effect without a restart.
			if _, err := ca.ServerCertificate(id.Names()); err != nil {
				a.Logger().Error("renew the server certificate", "err", err)
			}
			if !slices.Equal(before, id.Serving()) {
				fmt.Fprintf(stdout, "The host's addresses changed.\n")
				printURLs(stdout, id)
				announce()
			}
		}
	}
}

// needSetUp refuses to put a clinic that has no admin yet on the network:
// the first browser to reach it would make itself the admin.
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

func printLAN(stdout io.Writer, id *lan.Identity, ca *clinicca.Authority, dataDir string) {
	fmt.Fprintf(stdout, "Folio is serving the clinic's network over HTTPS.\n")
	printURLs(stdout, id)
	fmt.Fprintf(stdout, "Clinic certificate: SHA-256 %s\n  code %s\n", ca.Fingerprint(), ca.Code())
	fmt.Fprintf(stdout, "Install it in each browser once: folio ca --export FILE (see the README).\n")
	fmt.Fprintf(stdout, "Data folder: %s\nPress Ctrl+C to stop.\n", dataDir)
}

// printURLs lists where Folio answers, and warns of a public address among
// them: the clinic's certificate cannot vouch for it, and computers outside
// the clinic may reach it.
func printURLs(stdout io.Writer, id *lan.Identity) {
	fmt.Fprintf(stdout, "Open one of:\n")
	for _, u := range id.URLs() {
		fmt.Fprintf(stdout, "  %s\n", u)
	}
	for _, ip := range id.Serving() {
		if lan.Classify(ip) == lan.Public {
			fmt.Fprintf(stdout, "WARNING: %s is a public address and Folio answers there too; computers outside the clinic "+
				"may reach it. Listen on the clinic's address only (--addr ADDRESS:PORT) unless this is intended.\n", ip)
		}
	}
}
