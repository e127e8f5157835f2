// Command loadtest plays a clinic day against `folio serve --lan` and says
// how fast the host answered, whether anything failed, and whether every
// write it acknowledged is in the database afterwards (`make loadtest`).
//
// It makes (once a day, then reuses) a demo clinic of LOADTEST_PATIENTS
// patients, copies it, starts the host on the copy over TLS 1.3 (the
// client trusts only the clinic's exported certificate authority), signs
// in 3 front-desk workstations and 6 clinicians, each with their own
// account, and lets them work for LOADTEST_DURATION with seeded pauses
// (LOADTEST_SEED). LOADTEST_PROFILE=1 keeps the host's CPU and allocation
// profiles of the day in LOADTEST_OUT/profile. Then it stops the host, starts it again on the same
// folder and reads every acknowledged write back through the API.
//
// It lives under build/ as a program of its own, not in app/: it is a
// tool for measuring Folio, with no use-case of its own, and it speaks
// to the host only as a workstation does, over HTTPS.
//
// Settings (environment): LOADTEST_FOLIO (the folio binary, default
// build/bin/folio-serve), LOADTEST_DATA (the clinic cache, default
// /tmp/folio-loadtest), LOADTEST_DURATION (10m), LOADTEST_PATIENTS
// (100000), LOADTEST_CHARTS and LOADTEST_APPOINTMENTS (from the patients),
// LOADTEST_SEED (1), LOADTEST_OUT (test-artifacts/loadtest), and
// LOADTEST_BROWSER=1 for a front desk in a real browser on another PC.
//
// With LOADTEST_BROWSER=1 the host runs on a PC of its own, a Linux
// network namespace joined by a veth pair to another where Debian's
// Chromium (driven by keystroke.mjs through node and playwright-core from
// frontend/node_modules) trusts the clinic through its certificate
// installed with certutil, signs in as a front desk of its own and types
// searches a key at a time all day; the report adds its keystroke-to-
// render times. The load generator's clients reach the host over the host
// PC's loopback (dialerIn), as they reach it here without the option. It
// needs root, ip(8), certutil, node and Chromium, and fails saying which is
// missing.
//
// It exits 1 on any error or lost write; a missed latency target is
// reported but does not fail the run.
package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// config is one run's settings.
type config struct {
	Folio        string        `json:"folio"`
	DataDir      string        `json:"dataDir"`
	Duration     time.Duration `json:"-"`
	DurationText string        `json:"duration"`
	Patients     int           `json:"patients"`
	Charts       int           `json:"charts"`
	Appointments int           `json:"appointments"`
	Seed         int64         `json:"seed"`
	Out          string        `json:"-"`
	Desks        int           `json:"desks"`
	Clinicians   int           `json:"clinicians"`
	// Browser adds a front desk in Chromium on another PC (a network
	// namespace) timing search keystrokes to their results on screen;
	// Keystroke is its script (keystroke.mjs).
	Browser   bool   `json:"browser"`
	Keystroke string `json:"-"`
	// Replica streams the host's every change to a folder replica
	// (Litestream) all day, as a clinic that set one would.
	Replica bool `json:"replica"`
	// ReplicaDir is the replica's folder; a clinic keeps it on another
	// disk or PC, so that its writes do not wait on the chart's (default
	// DataDir/replica, the same disk).
	ReplicaDir string `json:"replicaDir,omitempty"`
	// Profile has the host write a CPU and an allocation profile of the
	// day into Out/profile (folio's FOLIO_PROFILE_DIR).
	Profile bool `json:"profile"`
}

// configFrom reads the settings from the environment, with defaults for
// the full clinic day.
func configFrom(getenv func(string) string) (config, error) {
	cfg := config{Folio: "build/bin/folio-serve", DataDir: "/tmp/folio-loadtest", Duration: 10 * time.Minute,
		Patients: 100000, Seed: 1, Out: "test-artifacts/loadtest", Desks: 3, Clinicians: 6,
		Keystroke: "build/loadtest/keystroke.mjs"}
	str := func(name string, v *string) {
		if s := getenv(name); s != "" {
			*v = s
		}
	}
	var errs []error
	num := func(name string, v *int) {
		if s := getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a count", name, s))
			}
			*v = n
		}
	}
	str("LOADTEST_FOLIO", &cfg.Folio)
	str("LOADTEST_DATA", &cfg.DataDir)
	str("LOADTEST_REPLICA_DIR", &cfg.ReplicaDir)
	str("LOADTEST_OUT", &cfg.Out)
	if s := getenv("LOADTEST_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("LOADTEST_DURATION=%q is not a duration like 30s or 10m", s))
		}
		cfg.Duration = d
	}
	if s := getenv("LOADTEST_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("LOADTEST_SEED=%q is not a number", s))
		}
		cfg.Seed = n
	}
	num("LOADTEST_PATIENTS", &cfg.Patients)
	if s := getenv("LOADTEST_REPLICA"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("LOADTEST_REPLICA=%q is not 1 or 0", s))
		}
		cfg.Replica = b
	}
	if s := getenv("LOADTEST_PROFILE"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("LOADTEST_PROFILE=%q is not 1 or 0", s))
		}
		cfg.Profile = b
	}
	if s := getenv("LOADTEST_BROWSER"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("LOADTEST_BROWSER=%q is not 1 or 0", s))
		}
		cfg.Browser = b
	}
	// About one patient in 200 has a full chart, and half as many
	// appointments as patients fill the calendars: today, four weeks on
	// and months back.
	cfg.Charts = max(50, cfg.Patients/200)
	cfg.Appointments = cfg.Patients / 2
	num("LOADTEST_CHARTS", &cfg.Charts)
	num("LOADTEST_APPOINTMENTS", &cfg.Appointments)
	num("LOADTEST_DESKS", &cfg.Desks)
	num("LOADTEST_CLINICIANS", &cfg.Clinicians)
	if cfg.Patients < 100 {
		errs = append(errs, fmt.Errorf("LOADTEST_PATIENTS must be at least 100"))
	}
	if cfg.Desks < 1 || cfg.Clinicians < 1 {
		errs = append(errs, fmt.Errorf("LOADTEST_DESKS and LOADTEST_CLINICIANS must be at least 1"))
	}
	cfg.DurationText = cfg.Duration.String()
	return cfg, errors.Join(errs...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := configFrom(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	rep, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !rep.Passed() {
		os.Exit(1)
	}
}

// run is the whole load test: the clinic, the host, the day, the check
// afterwards, and the report written to cfg.Out. An error is a run that
// could not be made (no clinic, no host); errors during the day and lost
// writes are in the report.
func run(ctx context.Context, cfg config, log io.Writer) (*report, error) {
	if _, err := os.Stat(cfg.Folio); err != nil {
		return nil, fmt.Errorf("no folio binary at %s (LOADTEST_FOLIO; make serve-bin builds it): %w", cfg.Folio, err)
	}
	clinic, err := ensureClinic(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	runDir := filepath.Join(cfg.DataDir, "run")
	if err := copyClinic(clinic.Dir, runDir); err != nil {
		return nil, err
	}
	roots, err := clinicCA(ctx, cfg.Folio, runDir)
	if err != nil {
		return nil, err
	}
	var browser *keystrokes
	hostPC := ""
	if cfg.Browser {
		if browser, err = startBrowserSide(ctx, cfg); err != nil {
			return nil, err
		}
		defer browser.close()
		hostPC = browser.Network.Host
		fmt.Fprintf(log, "Two PCs: the host on network namespace %s (%s), the browser on %s, joined by a veth pair.\n",
			browser.Network.Host, browser.Network.HostIP, browser.Network.Client)
	}
	profileDir := ""
	if cfg.Profile {
		profileDir, _ = filepath.Abs(filepath.Join(cfg.Out, "profile"))
	}
	h, err := startHost(cfg.Folio, runDir, hostPC, profileDir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "Host: %s (pid %d), TLS 1.3, trusting only the clinic's certificate.\n", h.Base, h.cmd.Process.Pid)
	stopped := false
	defer func() {
		if !stopped {
			h.stop()
		}
	}()

	if cfg.Replica {
		if err := setReplica(ctx, h.endpoint, roots, cmp.Or(cfg.ReplicaDir, filepath.Join(cfg.DataDir, "replica")), log); err != nil {
			return nil, err
		}
	}
	crew, w, err := prepareDay(ctx, cfg, h.endpoint, roots, clinic, newStats())
	if err != nil {
		return nil, err
	}
	if browser != nil {
		if err := openBrowser(ctx, cfg, browser, h, runDir, crew, w, log); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(log, "Playing a clinic day for %s: %d front-desk workstations, %d clinicians.\n",
		cfg.Duration, len(crew.desks), len(crew.clinicians))
	usage, err := playDay(ctx, cfg, h.cmd.Process.Pid, crew, w, browser)
	if err != nil {
		return nil, err
	}
	var typed *BrowserFigures
	if browser != nil {
		f, err := browser.finish(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range f.Problems {
			w.stats.problem(p)
		}
		typed = &f
	}
	stopped = true
	if err := h.stop(); err != nil {
		w.stats.problem(err.Error())
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err == nil {
		os.WriteFile(filepath.Join(cfg.Out, "host.log"), []byte(h.output()), 0o644)
	}
	if browser != nil {
		// The host is gone from its PC: the two PCs can go.
		if err := browser.close(); err != nil {
			fmt.Fprintf(log, "The browser side: %v\n", err)
		}
	}

	// The check: a host started again on the same folder, so what it finds
	// is what was on the disk when the first one stopped.
	fmt.Fprintf(log, "Day over; checking every acknowledged write on a restarted host.\n")
	lost, err := verifyDay(ctx, cfg, runDir, roots, crew, w.ledger)
	if err != nil {
		return nil, err
	}
	rep := newReport(cfg, w.stats, w.ledger.counts(), lost, usage, typed)
	if err := rep.write(cfg.Out); err != nil {
		return rep, err
	}
	rep.print(log)
	fmt.Fprintf(log, "Report: %s\n", filepath.Join(cfg.Out, "report.txt"))
	return rep, nil
}

// verifyDay starts the host again on the run's folder and reads back
// every acknowledged write, as the first desk and the first clinician.
func verifyDay(ctx context.Context, cfg config, runDir string, roots *x509.CertPool, crew *crew, l *ledger) ([]string, error) {
	h, err := startHost(cfg.Folio, runDir, "", "")
	if err != nil {
		return nil, fmt.Errorf("start the host again to check the writes: %w", err)
	}
	defer h.stop()
	st := newStats()
	desk, clin := newClient(h.endpoint, roots, st), newClient(h.endpoint, roots, st)
	defer desk.close()
	defer clin.close()
	if err := desk.signIn(ctx, crew.desks[0].acct.Username, crew.desks[0].acct.Password); err != nil {
		return nil, err
	}
	if err := clin.signIn(ctx, crew.clinicians[0].acct.Username, crew.clinicians[0].acct.Password); err != nil {
		return nil, err
	}
	return l.verify(ctx, desk, clin)
}
