// Command folio is Folio, an electronic medical record for one clinic that
// runs on the clinic's own PC. With no command it opens the desktop window;
// `folio help` lists the others.
package main

import (
	"bufio"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"folio/app"
	"folio/app/atrest"
	"folio/app/backupcrypt"
	"folio/app/demo"
	"folio/app/serve"
	"folio/db"
	"folio/db/replicate"
)

//go:embed all:frontend/dist
var bundled embed.FS

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `Folio: the clinic's electronic medical record.

Usage:
  folio [--data DIR]                      open the desktop window
  folio serve [--addr 127.0.0.1:8765]     serve the same UI to a browser on this PC
  folio serve --lan [--addr :8443] [--allow-public] [--no-announce]
                                          serve the clinic's other computers over HTTPS
  folio ca [--export FILE]                the clinic's certificate: fingerprint, code, file
  folio workstations [list | approve ID --code CODE | refuse ID | revoke ID --reason WHY]
                                          the host's paired workstations and pairing requests
  folio join --host ADDRESS[:PORT] [--name NAME]
                                          make this PC a workstation of the clinic's host
  folio serve --workstation [--addr 127.0.0.1:8765]
                                          on a paired workstation: a browser here uses the host
  folio setup --clinic NAME --username U --full-name NAME
                                          first run without the window (password on stdin)
  folio setup --reset-admin USER          an admin who cannot sign in: new password (stdin),
                                          account enabled, its sessions ended
  folio demo --patients N [--appointments M] [--seed S]
                                          fill a new data folder with a synthetic clinic
  folio backup --out FILE                 write a consistent backup, also while Folio runs
  folio restore --from FILE               replace the chart database with a verified backup
  folio check                             check the database and the audit trail
  folio export --patient MRN --out FILE --recipient WHO --purpose WHY [--passphrase-file F]
                                          one chart's record in force as a signed archive
  folio export --all --out DIR            every chart as FHIR NDJSON, one file per resource type
  folio import FILE (--patient MRN | --new) [--passphrase-file F] [--as USER]
                                          a Folio archive or FHIR bundle into one chart, every
                                          suggestion accepted, with a report
  folio due --csv [--as-of DATE] [--rule ID] [--all]
                                          who is due for what (care rules), as CSV
  folio due --rules                       the care rules and their sources
  folio version                           print the version

Every command takes --data DIR (or the FOLIO_DATA environment variable) to
choose the data folder; the default is %s.
Run 'folio COMMAND --help' for a command's options.
`

// exitError carries an exit code; other errors exit with 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfiles := startProfiles()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	stopProfiles()
	if err == nil {
		return
	}
	if re, ok := isRestart(err); ok {
		err = startAgain(restartArgs(os.Args[1:], re.addr))
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "folio:", err)
	} else {
		code = 0
	}
	os.Exit(code)
}

// run runs the command line. A full disk or a read-only folder is told in
// the user's words, whichever command met it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	err := runCommand(ctx, args, stdin, stdout)
	if e := app.DiskError(err); e != nil {
		return errors.New(e.Message)
	}
	return err
}

func runCommand(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runDesktop(ctx, args, stdout)
	case "serve":
		return runServe(ctx, args, stdout)
	case "ca":
		return runCA(ctx, args, stdout)
	case "workstations":
		return runWorkstations(ctx, args, stdout)
	case "join":
		return runJoin(ctx, args, stdout)
	case "setup":
		return runSetup(ctx, args, stdin, stdout)
	case "demo":
		return runDemo(ctx, args, stdout)
	case "backup":
		return runBackup(ctx, args, stdout)
	case "restore":
		return runRestore(ctx, args, stdin, stdout)
	case "check":
		return runCheck(ctx, args, stdout)
	case "export":
		return runExport(ctx, args, stdout)
	case "import":
		return runImport(ctx, args, stdout)
	case "due":
		return runDue(ctx, args, stdout)
	case "version":
		fmt.Fprintf(stdout, "folio %s (database schema %d, %s/%s)\n", version, db.SchemaVersion(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help":
		fmt.Fprintf(stdout, usage, defaultDataDir())
		return nil
	default:
		return &exitError{2, fmt.Errorf("unknown command %q; run 'folio help'", cmd)}
	}
}

// newFlags makes a command's flag set with the shared --data flag.
func newFlags(name, summary string, stdout io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("folio "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	dataDir := fs.String("data", "", "data folder (default $FOLIO_DATA or "+defaultDataDir()+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: folio %s\n\nOptions:\n", summary)
		fs.PrintDefaults()
	}
	return fs, dataDir
}

// parse parses flags; a usage mistake exits with 2 after the message, and
// --help prints the usage to the flag set's output.
func parse(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	// The flag package would print its own message and the usage on every
	// mistake; the caller reports mistakes once, so only --help prints.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return flag.ErrHelp
	}
	if err != nil {
		return &exitError{2, fmt.Errorf("%s: %w (see --help)", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Errorf("%s: unexpected argument %q (see --help)", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func resolveDataDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("FOLIO_DATA"); env != "" {
		return env
	}
	return defaultDataDir()
}

// defaultDataDir is the OS's per-user data folder for Folio.
func defaultDataDir() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Folio")
		}
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "Folio")
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "folio")
	}
	return filepath.Join(home, ".local", "share", "folio")
}

// openApp opens the data folder for a command that uses the chart, holding
// the folder's lock so that a restore cannot pull the file away meanwhile.
func openApp(ctx context.Context, dataDir string) (*app.App, func(), error) {
	if err := applyPendingRestore(ctx, dataDir, os.Stderr); err != nil {
		return nil, nil, err
	}
	unlock, err := lockDataDir(dataDir, false)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.Open(ctx, dataDir, app.Options{})
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return a, func() { a.Close(); unlock() }, nil
}

// openClinic is openApp for a command that works on a clinic that exists:
// a folder with none is refused before anything is made there.
func openClinic(ctx context.Context, dataDir string) (*app.App, func(), error) {
	if err := needClinic(dataDir); err != nil {
		return nil, nil, err
	}
	return openApp(ctx, dataDir)
}

// needClinic refuses a data folder that holds no clinic. Only the window,
// serve, setup, demo and restore make one: any other command given a
// mistyped --data must leave nothing behind, not even the folder.
func needClinic(dataDir string) error {
	if _, err := os.Stat(filepath.Join(dataDir, db.FileName)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no Folio clinic in %s (no %s there). Check --data (or FOLIO_DATA); "+
			"to start a new clinic, open Folio or run 'folio setup'", dataDir, db.FileName)
	}
	return nil
}

func assets() fs.FS {
	sub, err := fs.Sub(bundled, "frontend/dist")
	if err != nil {
		panic(err)
	}
	return sub
}

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("serve", "serve [--addr 127.0.0.1:PORT] [--data DIR]\n       folio serve --lan [--addr :8443] [--allow-public] [--no-announce] [--data DIR]", stdout)
	addr := fs.String("addr", "", "address to listen on, with a port (0 picks a free one): 127.0.0.1 or localhost (default 127.0.0.1:8765);\nwith --lan an address of the clinic's network, or none for every interface (default :8443)")
	lanFlags := addLANFlags(fs)
	asWorkstation := fs.Bool("workstation", false, "on a paired workstation (folio join): serve a browser on this PC, passing its calls to the clinic's host")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := lanFlags.check(); err != nil {
		return err
	}
	if *asWorkstation {
		if lanFlags.lan {
			return &exitError{2, errors.New("folio serve: --workstation and --lan do not go together: a workstation serves only this PC")}
		}
		if *addr == "" {
			*addr = "127.0.0.1:8765"
		}
		return serveWorkstationUntilDone(ctx, resolveDataDir(*dataFlag), *addr, stdout)
	}
	if lanFlags.lan {
		return serveLANUntilDone(ctx, resolveDataDir(*dataFlag), *addr, lanFlags, stdout)
	}
	if *addr == "" {
		*addr = "127.0.0.1:8765"
	}
	return serveUntilDone(ctx, resolveDataDir(*dataFlag), *addr, stdout)
}

// storageLine says whether the data folder's disk is encrypted, and if not
// how to make it so, for serve's first lines and folio check.
func storageLine(f atrest.Finding) string {
	switch f.State {
	case atrest.Encrypted:
		return fmt.Sprintf("Encryption at rest: on (%s, %s).\n", f.How, f.Volume)
	case atrest.NotEncrypted:
		return fmt.Sprintf("Encryption at rest: OFF (%s, %s). %s\n", f.How, f.Volume, f.Advice)
	}
	return fmt.Sprintf("Encryption at rest: cannot tell (%s). %s\n", f.How, f.Advice)
}

func serveUntilDone(ctx context.Context, dataDir, addr string, stdout io.Writer) error {
	if err := serve.CheckAddr(addr); err != nil {
		return &exitError{2, err}
	}
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	defer closeApp()
	useClinicCA(a, dataDir)
	a.UseNetwork(app.NetworkLocal, nil)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	face := serve.New(a, assets(), ln.Addr())
	srv := &http.Server{Handler: face.Handler(), ReadHeaderTimeout: 10 * time.Second}
	// Shutdown waits for responses to finish; the screens' change streams
	// never do, so they are told to end.
	srv.RegisterOnShutdown(face.StopStreams)
	fmt.Fprintf(stdout, "Folio is serving on http://%s\nData folder: %s\n%s%sPress Ctrl+C to stop.\n", ln.Addr(), dataDir,
		storageLine(a.RecordStorageCheck()), a.StartReplication())
	a.StartSchedule()
	a.WarmUp()
	restart := restartWhenAsked(a)
	serveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-restart:
			cancel()
		case <-serveCtx.Done():
		}
	}()
	err = serveOn(serveCtx, srv, ln, stdout)
	select {
	case <-restart:
		if err == nil {
			return &restartError{addr: ln.Addr().String()}
		}
	default:
	}
	return err
}

// serveOn serves srv on ln until ctx ends, then shuts it down, giving the
// answers under way 5 s. stdout (what was printed of the address) is
// flushed first, for whoever waits to read it.
func serveOn(ctx context.Context, srv *http.Server, ln net.Listener, stdout io.Writer) error {
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}

func runSetup(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dataFlag := newFlags("setup", "setup --clinic NAME --username USER --full-name NAME [--data DIR] < password\n       folio setup --reset-admin USER [--data DIR] < new password", stdout)
	clinic := fs.String("clinic", "", "the clinic's name")
	username := fs.String("username", "", "the first admin's user name")
	fullName := fs.String("full-name", "", "the first admin's full name")
	resetAdmin := fs.String("reset-admin", "", "recovery: give this admin account a new password (read from standard input), enable it and end its sessions")
	if err := parse(fs, args); err != nil {
		return err
	}
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	a, closeApp, err := openApp(ctx, resolveDataDir(*dataFlag))
	if err != nil {
		return err
	}
	defer closeApp()
	if *resetAdmin != "" {
		if err := a.RecoverAdmin(*resetAdmin, pw); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Admin %q has a new password and can sign in now; their other sessions have ended.\n", *resetAdmin)
		return nil
	}
	u, err := a.SetupClinic(app.SetupRequest{ClinicName: *clinic, Username: *username, FullName: *fullName, Password: pw}, "")
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Folio is set up for %s. Admin %q can now sign in.\n", *clinic, u.Username)
	return nil
}

// describe spells out an app error's field messages for the terminal.
func describe(err error) error {
	var e *app.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	for field, m := range e.Fields {
		msg += fmt.Sprintf("\n  %s: %s", field, m)
	}
	return errors.New(msg)
}

func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("demo", "demo --patients N [--appointments M] [--charts C] [--seed S] [--data DIR]", stdout)
	n := fs.Int("patients", 1000, "how many patients to generate")
	charts := fs.Int("charts", 25, "how many adult patients get a clinical history (in a new demo folder only)")
	appts := fs.Int("appointments", 0, "how many appointments to book among all the clinic's patients, up to today and 4 weeks on")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same clinic")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 0 || *n > 5_000_000 || (*n == 0 && *appts == 0) {
		return &exitError{2, fmt.Errorf("demo: --patients must be between 1 and 5000000 (or 0 with --appointments)")}
	}
	if *appts < 0 || *appts > 20_000_000 {
		return &exitError{2, fmt.Errorf("demo: --appointments must be between 0 and 20000000")}
	}
	if *charts < 0 || *charts > 1000 {
		return &exitError{2, fmt.Errorf("demo: --charts must be between 0 and 1000")}
	}
	return makeDemo(ctx, resolveDataDir(*dataFlag), demo.Options{Patients: *n, Seed: *seed, Appointments: *appts, Charts: *charts}, stdout)
}

func runBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("backup", "backup --out FILE [--data DIR]", stdout)
	out := fs.String("out", "", "the backup file to write (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return &exitError{2, errors.New("backup: say where to write it with --out FILE")}
	}
	dataDir := resolveDataDir(*dataFlag)
	if err := needClinic(dataDir); err != nil {
		return err
	}
	src := filepath.Join(dataDir, db.FileName)
	sealed, err := db.BackupSealed(ctx, src, *out)
	if err != nil {
		return err
	}
	info, err := db.Verify(ctx, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d patients, %d users); verified.\n", src, *out, info.Patients, info.Users)
	printBackupAudit(stdout, sealed)
	return nil
}

// printBackupAudit says what a backup carries of the audit trail's anchors.
func printBackupAudit(stdout io.Writer, r db.BackupReport) {
	if r.Checkpoint != nil {
		fmt.Fprintf(stdout, "Its audit trail (%d entries) is signed with the clinic's key.\n", r.Checkpoint.Entries)
	}
	if r.AuditProblem != "" {
		fmt.Fprintf(stdout, "Warning: its audit trail does not verify (%s), so it was not signed. Run 'folio check'.\n", r.AuditProblem)
	}
	if r.KeyFile != "" {
		fmt.Fprintf(stdout, "The clinic's key is beside it as %s: keep the two together, as carefully as the charts.\n", r.KeyFile)
	}
}

func runRestore(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dataFlag := newFlags("restore", "restore --from FILE [--key FILE] [--accept-damaged-audit --reason TEXT] [--data DIR]\n"+
		"       folio restore --from FILE.db.age [--data DIR] < passphrase   (an encrypted copy of a scheduled backup)\n"+
		"       folio restore --from-replica URL [--time T] [--key FILE] [--data DIR]", stdout)
	from := fs.String("from", "", "the backup file to restore")
	fromReplica := fs.String("from-replica", "", "the replica to restore: a folder, sftp://user@host[:port]/path?host-key=..., or s3://bucket/path[?endpoint=URL&region=R]\n(S3 keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	at := fs.String("time", "", "with --from-replica: the moment to restore, e.g. 2026-12-07T09:30:00Z or \"2026-12-07 09:30\" (this PC's time); default the latest")
	keyFile := fs.String("key", "", "the clinic's key file, when it is not beside the backup as FILE.key (or in a folder replica)")
	acceptDamaged := fs.Bool("accept-damaged-audit", false, "restore a backup whose audit trail does not verify (with --reason)")
	reason := fs.String("reason", "", "why a damaged audit trail is accepted; recorded in the restored trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*from == "") == (*fromReplica == "") {
		return &exitError{2, errors.New("restore: say what to restore, with --from FILE or --from-replica URL (one of them)")}
	}
	if *at != "" && *fromReplica == "" {
		return &exitError{2, errors.New("restore: --time goes with --from-replica")}
	}
	if *acceptDamaged != (strings.TrimSpace(*reason) != "") {
		return &exitError{2, errors.New("restore: --accept-damaged-audit and --reason TEXT go together")}
	}
	opts := app.RestoreOptions{AcceptDamagedAudit: *acceptDamaged, Reason: *reason, KeyFile: *keyFile}
	dataDir := resolveDataDir(*dataFlag)
	if *fromReplica != "" {
		return restoreFromReplica(ctx, dataDir, *fromReplica, *at, opts, stdout)
	}
	origin := *from
	if strings.HasSuffix(*from, backupcrypt.Suffix) {
		passphrase, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the passphrase from standard input: %w", err)
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
		plain, keyFile, err := app.DecryptBackup(*from, strings.TrimRight(passphrase, "\r\n"), dataDir)
		if err != nil {
			return fmt.Errorf("%s cannot be restored, nothing was changed: %w", *from, err)
		}
		defer os.Remove(plain)
		if keyFile != "" {
			defer os.Remove(keyFile)
			if opts.KeyFile == "" {
				opts.KeyFile = keyFile
			}
		}
		*from, opts.Origin = plain, "the encrypted backup "+origin
	}
	info, err := db.Verify(ctx, *from)
	if err != nil {
		return fmt.Errorf("%s cannot be restored, nothing was changed: %w", *from, err)
	}
	unlock, err := lockDataDir(dataDir, true)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := app.RestoreBackup(ctx, dataDir, *from, opts, app.Options{})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Restored %s (%s: %d patients, %d users) into %s.\n", origin, info.ClinicName, info.Patients, info.Users, dataDir)
	if r.Files.KeptAs != "" {
		fmt.Fprintf(stdout, "The database it replaced is kept as %s.\n", r.Files.KeptAs)
	}
	printRestoreAudit(stdout, r, dataDir)
	return nil
}

// restoreFromReplica is folio restore --from-replica.
func restoreFromReplica(ctx context.Context, dataDir, rawURL, rawTime string, opts app.RestoreOptions, stdout io.Writer) error {
	target, err := replicate.ParseURL(rawURL)
	if err != nil {
		return &exitError{2, fmt.Errorf("restore: %w", err)}
	}
	if err := target.Check(); err != nil {
		return &exitError{2, fmt.Errorf("restore: %s: %w", target, err)}
	}
	var at time.Time
	if rawTime != "" {
		if at, err = parseRestoreTime(rawTime); err != nil {
			return &exitError{2, err}
		}
	}
	unlock, err := lockDataDir(dataDir, true)
	if err != nil {
		return err
	}
	defer unlock()
	started := time.Now()
	r, err := app.RestoreReplica(ctx, dataDir, target, at, opts, app.Options{})
	if err != nil {
		return describe(fmt.Errorf("nothing was changed: %w", err))
	}
	what := "the replica in " + target.String()
	if !at.IsZero() {
		what += " as it was at " + at.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(stdout, "Restored %s (%s: %d patients, %d users) into %s in %s; verified.\n", what,
		r.Info.ClinicName, r.Info.Patients, r.Info.Users, dataDir, time.Since(started).Round(100*time.Millisecond))
	if r.Files.KeptAs != "" {
		fmt.Fprintf(stdout, "The database it replaced is kept as %s.\n", r.Files.KeptAs)
	}
	printRestoreAudit(stdout, r, dataDir)
	return nil
}

// parseRestoreTime reads --time: RFC 3339, or a date and time on this PC's
// clock.
func parseRestoreTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("restore: --time %q is not a time; write e.g. 2026-12-07T09:30:00Z or \"2026-12-07 09:30\"", s)
}

// printRestoreAudit says what became of the restored clinic's audit trail
// and key.
func printRestoreAudit(stdout io.Writer, r app.RestoreReport, dataDir string) {
	if r.Damage {
		fmt.Fprintf(stdout, "Its audit trail did not verify; as you accepted, the restore and your reason are recorded in it, and it is checked afresh from there:\n")
		for _, p := range r.Audit.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
	}
	if r.Files.KeyKeptAs != "" {
		fmt.Fprintf(stdout, "The key file it replaced (another clinic's key) is kept as %s.\n", r.Files.KeyKeptAs)
	}
	if r.Files.KeyNotFound {
		fmt.Fprintf(stdout, "Warning: the clinic's key was not beside the backup: put its key file into %s as %s (or restore again with --key FILE). Until then Folio cannot sign.\n",
			dataDir, db.KeyFileName)
	}
}

func runCheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("check", "check [--data DIR]", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	dataDir := resolveDataDir(*dataFlag)
	if err := needClinic(dataDir); err != nil {
		return err
	}
	path := filepath.Join(dataDir, db.FileName)
	if _, err := os.Stat(path); err != nil {
		_, err := db.Verify(ctx, path) // says why, and creates nothing
		return err
	}
	// The file's integrity check and the audit's check each read the whole
	// database: they run side by side, on two cores.
	type verified struct {
		info db.FileInfo
		err  error
	}
	integrity := make(chan verified, 1)
	go func() {
		info, err := db.Verify(ctx, path)
		integrity <- verified{info, err}
	}()
	check, checkErr := checkAuditOf(ctx, dataDir)
	v := <-integrity
	if v.err != nil {
		return v.err
	}
	fmt.Fprintf(stdout, "Database %s: intact (schema %d, %d patients, %d users).\n", path, v.info.Schema, v.info.Patients, v.info.Users)
	fmt.Fprint(stdout, storageLine(atrest.Check(dataDir)))
	if checkErr != nil {
		return checkErr
	}
	if check.AcceptedAt > 0 {
		fmt.Fprintf(stdout, "Audit trail: a restore accepted a damaged trail at entry %d (the damage and the reason are recorded there); it is checked strictly from there on.\n", check.AcceptedAt)
	}
	for _, note := range check.Accepted {
		fmt.Fprintf(stdout, "  damage accepted then: %s\n", note)
	}
	if check.Problem != "" {
		for _, p := range check.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
		return fmt.Errorf("audit trail: BROKEN after %d good entries: %s", check.Entries, check.Problem)
	}
	fmt.Fprintf(stdout, "Audit trail: intact (%d entries)%s.\n", check.Entries, describeAnchors(check))
	fmt.Fprintf(stdout, "Records: all %d rows match their last audited write; Folio's %d triggers are in place.\n", check.Rows, check.Triggers)
	return nil
}

// checkAuditOf opens the data folder and checks its audit trail. What
// Folio would log on opening a damaged trail (that it does not sign it) the
// check says itself, so the log stays quiet.
func checkAuditOf(ctx context.Context, dataDir string) (db.AuditReport, error) {
	unlock, err := lockDataDir(dataDir, false)
	if err != nil {
		return db.AuditReport{}, err
	}
	defer unlock()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(ctx, dataDir, app.Options{Logger: quiet})
	if err != nil {
		return db.AuditReport{}, err
	}
	defer a.Close()
	return a.CheckAudit()
}

// describeAnchors says how the audit trail is anchored: seals, checkpoints.
func describeAnchors(c db.AuditReport) string {
	s := ""
	if c.Sealed {
		s += "; each entry since the clinic's key was made is sealed with it"
	}
	if c.LastCheckpoint != nil {
		matches := fmt.Sprintf("%d checkpoints match", c.Checkpoints)
		if c.Checkpoints == 1 {
			matches = "1 checkpoint matches"
		}
		s += fmt.Sprintf("; %s, the last signed on %s with %d entries (%d since)", matches,
			c.LastCheckpoint.At.Local().Format("2006-01-02 15:04"), c.LastCheckpoint.Entries, c.Unsigned)
	}
	return s
}
