package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/host"
	"folio/app/lan"
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
func tlsDir(dataDir string) string { return filepath.Join(dataDir, tlsDirName) }

// tlsDirName is the folder of the clinic's certificate authority and the
// host's certificate, inside the data folder.
const tlsDirName = "tls"

// serveLANUntilDone is `folio serve --lan`: HTTPS only, on the clinic's
// network, announced by DNS-SD, until ctx ends. The window's Share toggle
// serves through the same host.Start.
func serveLANUntilDone(ctx context.Context, dataDir, addr string, opts *lanFlags, stdout io.Writer) error {
	if addr == "" {
		addr = host.DefaultAddr
	}
	if _, err := lan.CheckAddr(addr, opts.allowPublic); err != nil {
		return &exitError{2, err}
	}
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	defer closeApp()
	ca, err := clinicca.Open(tlsDir(dataDir), clinicca.Options{})
	if err != nil {
		return err
	}
	a.UseClinicCA(ca)
	h, err := host.Start(a, ca, host.Options{Addr: addr, AllowPublic: opts.allowPublic, NoAnnounce: opts.noAnnounce,
		Refresh: opts.refresh, Assets: assets(), Out: stdout})
	if err != nil {
		return err
	}
	a.UseNetwork(app.NetworkHost, h.Running())
	printLAN(stdout, h.Identity(), ca, dataDir, storageLine(a.RecordStorageCheck())+a.StartReplication())
	a.StartSchedule()
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	a.WarmUp()
	restart := restartWhenAsked(a)
	select {
	case <-h.Done():
		return h.Err()
	case <-ctx.Done():
		return h.Stop()
	case <-restart:
		if err := h.Stop(); err != nil {
			return err
		}
		// A port the system picked (:0) is kept across the restart.
		if hostPart, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
			return &restartError{addr: net.JoinHostPort(hostPart, strconv.Itoa(h.Port()))}
		}
		return &restartError{}
	}
}

func printLAN(stdout io.Writer, id *lan.Identity, ca *clinicca.Authority, dataDir, storage string) {
	fmt.Fprintf(stdout, "Folio is serving the clinic's network over HTTPS.\n")
	host.PrintURLs(stdout, id)
	fmt.Fprintf(stdout, "Clinic certificate: SHA-256 %s\n  code %s\n", ca.Fingerprint(), ca.Code())
	fmt.Fprintf(stdout, "Install it in each browser once: folio ca --export FILE (see the README).\n")
	fmt.Fprintf(stdout, "Data folder: %s\n%sPress Ctrl+C to stop.\n", dataDir, storage)
}

// useClinicCA opens (or makes) the clinic's certificate authority for a
// Folio that is not the LAN server itself, so the admin's screen can show
// and hand out the certificate and approve workstations. Without one the
// Folio still works on this PC; the screen says there is no certificate.
func useClinicCA(a *app.App, dataDir string) *clinicca.Authority {
	ca, err := clinicca.Open(tlsDir(dataDir), clinicca.Options{})
	if err != nil {
		a.Logger().Warn("open the clinic's certificate authority", "err", err)
		return nil
	}
	a.UseClinicCA(ca)
	return ca
}

// shareFromWindow lets the desktop window's admin share the clinic (the
// Share toggle), serving as folio serve --lan does, and serves again at
// once when the admin left sharing on. stop ends sharing with the window.
func shareFromWindow(a *app.App, dataDir string) (stop func()) {
	ca := useClinicCA(a, dataDir)
	if ca == nil {
		a.UseNetwork(app.NetworkWindow, nil)
		return func() {}
	}
	sw := host.NewSwitch(a, ca, host.Options{Assets: assets()})
	a.UseNetwork(app.NetworkWindow, sw)
	if err := a.ResumeSharing(); err != nil {
		a.Logger().Warn("share with the clinic's other computers", "err", err)
	}
	return func() { sw.Stop() }
}
