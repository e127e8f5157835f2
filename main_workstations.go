package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/serve"
	"folio/app/workstation"
	"folio/db"
)

// runWorkstations is `folio workstations` on the host: the clinic's other
// PCs running Folio, their pairing requests, approval by code and
// revocation, for a host without a window.
func runWorkstations(ctx context.Context, args []string, stdout io.Writer) error {
	sub, id := "list", ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if sub != "list" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return &exitError{2, fmt.Errorf("folio workstations %s: give the workstation's id (see folio workstations list)", sub)}
		}
		id, args = args[0], args[1:]
	}
	fs, dataFlag := newFlags("workstations", "workstations [list]\n       folio workstations approve ID --code CODE\n"+
		"       folio workstations refuse ID [--reason WHY]\n       folio workstations revoke ID --reason WHY\n"+
		"Options --as USER (an admin; the first admin by default) and --data DIR go with each.", stdout)
	code := fs.String("code", "", "approve: the pairing code the workstation shows")
	reason := fs.String("reason", "", "refuse, revoke: why")
	as := fs.String("as", "", "act as this admin (default: the first admin)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "list", "approve", "refuse", "revoke":
	default:
		return &exitError{2, fmt.Errorf("folio workstations: unknown action %q; use list, approve, refuse or revoke", sub)}
	}
	if sub == "approve" && strings.TrimSpace(*code) == "" {
		return &exitError{2, errors.New("folio workstations approve: give the code the workstation shows, with --code")}
	}
	if sub == "revoke" && strings.TrimSpace(*reason) == "" {
		return &exitError{2, errors.New("folio workstations revoke: say why, with --reason")}
	}
	dataDir := resolveDataDir(*dataFlag)
	if err := needClinic(dataDir); err != nil {
		return err
	}
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	defer closeApp()
	if sub == "approve" {
		ca, err := clinicca.Open(tlsDir(dataDir), clinicca.Options{})
		if err != nil {
			return err
		}
		a.UseClinicCA(ca)
	}
	cmd, err := a.WorkstationCommand(*as)
	if err != nil {
		return err
	}
	var w app.Workstation
	switch sub {
	case "list":
		list, err := cmd.List()
		if err != nil {
			return err
		}
		printWorkstations(stdout, list)
		return nil
	case "approve":
		w, err = cmd.Approve(id, *code)
	case "refuse":
		w, err = cmd.Refuse(id, *reason)
	case "revoke":
		w, err = cmd.Revoke(id, *reason)
	}
	if err != nil {
		return explainField(err)
	}
	fmt.Fprintf(stdout, "%s (%s) is now %s.\n", w.Name, w.ID, w.Status)
	return nil
}

// explainField puts a form's field errors into the one line a terminal
// shows.
func explainField(err error) error {
	var e *app.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		parts := []string{}
		for _, msg := range e.Fields {
			parts = append(parts, msg)
		}
		return errors.New(e.Message + " " + strings.Join(parts, " "))
	}
	return err
}

func printWorkstations(stdout io.Writer, list []app.Workstation) {
	if len(list) == 0 {
		fmt.Fprintln(stdout, "No workstation has asked to pair yet (on one, run: folio join --host THIS-HOST).")
		return
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tADDRESS\tFIRST SEEN\tLAST SEEN\tNOTE")
	for _, w := range list {
		note := ""
		switch w.Status {
		case "approved":
			note = "approved by " + w.ApprovedBy
		case "refused", "revoked":
			note = w.Status + " by " + w.EndedBy
			if w.EndedWhy != "" {
				note += ": " + w.EndedWhy
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Name, w.Status, w.Address, w.FirstSeen, w.LastSeen, note)
	}
	tw.Flush()
}

// runJoin is `folio join`: this PC becomes a workstation of the clinic's
// host, once the admin approves it there by code.
func runJoin(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("join", "join --host ADDRESS[:PORT] [--name NAME] [--wait 30m] [--data DIR]", stdout)
	host := fs.String("host", "", "the host's name or address, with its port if not 8443")
	name := fs.String("name", "", "this workstation's name, as the admin will see it (default: this PC's name)")
	wait := fs.Duration("wait", 30*time.Minute, "how long to wait for the admin's approval")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *host == "" {
		return &exitError{2, errors.New("folio join: give the host's address with --host (it is printed by folio serve --lan)")}
	}
	dataDir := resolveDataDir(*dataFlag)
	if err := needNoClinic(dataDir); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	c, err := workstation.Join(ctx, workstation.JoinOptions{Host: *host, Name: *name, Dir: dataDir, Out: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Paired with %s as %q. The clinic's certificate authority is pinned: SHA-256 %s.\n"+
		"Open Folio on this PC (or folio serve --workstation for a browser here).\n", c.Host, c.Name, c.CAFingerprint)
	return nil
}

// needNoClinic refuses to make a clinic's own data folder a workstation:
// its chart would sit unused beside a pairing with another host.
func needNoClinic(dataDir string) error {
	if err := needClinic(dataDir); err == nil {
		return fmt.Errorf("%s holds a clinic of its own; a workstation keeps no chart. Use another --data folder", dataDir)
	}
	return nil
}

// serveWorkstationUntilDone is `folio serve --workstation`: a browser on
// this PC uses the clinic's host through this paired workstation.
func serveWorkstationUntilDone(ctx context.Context, dataDir, addr string, stdout io.Writer) error {
	if err := serve.CheckAddr(addr); err != nil {
		return &exitError{2, err}
	}
	c, err := workstation.Load(dataDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	transport := c.Transport()
	proxy := serve.NewWorkstationProxy(assets(), ln.Addr(), c.Host, transport, workstationTrouble(c))
	srv := &http.Server{Handler: proxy.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "Folio workstation %q is serving on http://%s, for the clinic's host %s\nPress Ctrl+C to stop.\n",
		c.Name, ln.Addr(), c.Host)
	// The proxy's idle connections to the host are closed with it.
	srv.RegisterOnShutdown(transport.CloseIdleConnections)
	return serveOn(ctx, srv, ln, stdout)
}

// workstationTrouble says why the host could not be used, in words: an
// impostor names both authorities.
func workstationTrouble(c *workstation.Config) func(error) string {
	return func(err error) string {
		var impostor *workstation.ImpostorError
		if errors.As(err, &impostor) {
			return impostor.Error()
		}
		return fmt.Sprintf("The clinic's host (%s) cannot be reached; check that it is on and on the network, then try again.", c.Host)
	}
}

// clinicFiles are what opening a data folder makes of a clinic, before
// anyone sets it up: the chart database and its journals, the clinic's
// key, checkpoints and certificate authority, and the folder's lock.
var clinicFiles = []string{db.FileName, db.FileName + "-wal", db.FileName + "-shm", db.FileName + "-journal",
	db.KeyFileName, db.CheckpointFileName, tlsDirName, "folio.lock"}

// clinicFilesIn says which of clinicFiles dir holds.
func clinicFilesIn(dir string) map[string]bool {
	held := map[string]bool{}
	for _, name := range clinicFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			held[name] = true
		}
	}
	return held
}

// removeClinicFilesMade removes the clinic files that dir did not hold
// before (see clinicFilesIn): a first-run window that joined a host instead
// of setting up a clinic leaves no empty clinic behind it. What was there
// before is never touched.
func removeClinicFilesMade(dir string, before map[string]bool) error {
	var errs []error
	for _, name := range clinicFiles {
		if before[name] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
