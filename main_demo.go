package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

// `folio demo` makes a clinic whose accounts have printed passwords, so it
// writes only where no real clinic can be: a missing or empty folder, or a
// clinic it made itself. It builds the clinic on a copy in a folder of its
// own inside the data folder and moves it into place only once every step
// has worked: a run that fails or is stopped leaves the folder as it found
// it.

// demoTitle is the window's title on a demo clinic, as the browser's is
// (frontend/src/App.svelte): nobody should take it for the real one.
const demoTitle = "Folio — Demo clinic, not for real patients"

// demoTarget is what a demo run does with the data folder it was given.
type demoTarget int

const (
	demoNew demoTarget = iota // a missing or empty folder: the demo makes a clinic there
	demoAdd                   // a clinic the demo made: the demo adds to it
)

// lockFileName is the data folder's lock (see lockDataDir).
const lockFileName = "folio.lock"

// buildPrefix names the folder a demo is built in. One left by a run that
// was killed is Folio's own and is removed by the next.
const buildPrefix = ".folio-demo-"

// demoOwnFiles are Folio's own files that may be in a folder the demo
// counts as empty: the chart file of a clinic not yet set up (the window's
// first run makes one), its journal files, key, checkpoints, certificates
// and the lock.
var demoOwnFiles = map[string]bool{
	db.FileName: true, db.FileName + "-wal": true, db.FileName + "-shm": true, db.FileName + "-journal": true,
	db.KeyFileName: true, db.CheckpointFileName: true, lockFileName: true,
	tlsDirName: true, // the window and folio serve make the clinic's certificates at their first run
}

// demoTargetOf looks at dataDir without writing to it and says whether a
// demo may go there, and how.
func demoTargetOf(ctx context.Context, dataDir string) (demoTarget, error) {
	info, err := os.Stat(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return demoNew, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the data folder %s: %w", dataDir, err)
	}
	if !info.IsDir() {
		return 0, fmt.Errorf("%s is not a folder. A demo goes into a new or empty folder: choose one with --data", dataDir)
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return 0, fmt.Errorf("read the data folder %s: %w", dataDir, err)
	}
	var others []string
	hasChart := false
	for _, e := range entries {
		switch name := e.Name(); {
		case name == db.FileName:
			hasChart = true
		case demoOwnFiles[name] || strings.HasPrefix(name, buildPrefix):
		default:
			others = append(others, name)
		}
	}
	const choose = "A demo goes only into a new or empty folder, or one that folio demo made: choose another with --data. Nothing was changed."
	if hasChart {
		c, err := db.Inspect(ctx, filepath.Join(dataDir, db.FileName))
		if err != nil {
			return 0, fmt.Errorf("%s holds a chart file that Folio cannot read (%w). %s", dataDir, err, choose)
		}
		if c.Demo {
			return demoAdd, nil
		}
		if c.Users > 0 || c.Patients > 0 {
			return 0, fmt.Errorf("%s holds the clinic %q (%s, %s), which was not made by folio demo. %s",
				dataDir, c.ClinicName, count(c.Users, "account"), count(c.Patients, "patient"), choose)
		}
	}
	if len(others) > 0 {
		if len(others) > 3 {
			others = append(others[:3], fmt.Sprintf("and %d more", len(others)-3))
		}
		return 0, fmt.Errorf("%s is not empty: it holds %s. %s", dataDir, strings.Join(others, ", "), choose)
	}
	return demoNew, nil
}

// makeDemo runs a demo into dataDir, all or nothing, and prints what it made.
func makeDemo(ctx context.Context, dataDir string, opts demo.Options, stdout io.Writer) error {
	target, err := demoTargetOf(ctx, dataDir)
	if err != nil {
		return err
	}
	made, err := makeFolder(dataDir)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(dataDir, lockFileName))
	lockWasThere := statErr == nil
	// undo removes what this run made around the demo: the lock file and
	// the folders, if it made them.
	undo := func() {
		if !lockWasThere {
			os.Remove(filepath.Join(dataDir, lockFileName))
		}
		for dir := dataDir; made != ""; dir = filepath.Dir(dir) {
			os.Remove(dir) // only if empty: nothing but this run's
			if dir == made || dir == filepath.Dir(dir) {
				break
			}
		}
	}
	// No Folio may have the folder open: the chart file is replaced at the end.
	unlock, err := lockDataDir(dataDir, true)
	if err != nil {
		undo()
		return err
	}
	start := time.Now()
	res, err := buildDemo(ctx, dataDir, target, opts)
	unlock()
	if err != nil {
		undo()
		if ctx.Err() != nil {
			return errors.New("the demo was stopped before it finished; nothing of it was kept")
		}
		return describe(err)
	}
	printDemo(stdout, res, opts, time.Since(start))
	return nil
}

// makeFolder makes dataDir if it is missing, owner-only, and returns the
// outermost folder it made ("" when dataDir was there).
func makeFolder(dataDir string) (string, error) {
	made := ""
	for dir := filepath.Clean(dataDir); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(dir); err == nil || dir == filepath.Dir(dir) {
			break
		}
		made = dir
	}
	if made == "" {
		return "", nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("make the data folder: %w", err)
	}
	return made, nil
}

// buildDemo makes the demo in a build folder inside dataDir (a copy of the
// demo clinic there, for demoAdd) and, when all went well, moves its files
// into dataDir, the chart file last. The caller holds the folder's lock.
func buildDemo(ctx context.Context, dataDir string, target demoTarget, opts demo.Options) (demo.Result, error) {
	var res demo.Result
	if again, err := demoTargetOf(ctx, dataDir); err != nil || again != target {
		return res, errors.Join(err, errors.New("the data folder changed while the demo started; nothing was changed"))
	}
	removeOldBuilds(dataDir)
	build, err := os.MkdirTemp(dataDir, buildPrefix)
	if err != nil {
		return res, fmt.Errorf("make the demo's build folder: %w", err)
	}
	defer os.RemoveAll(build)
	if target == demoAdd {
		if err := copyClinic(ctx, dataDir, build); err != nil {
			return res, err
		}
	}
	a, err := app.Open(ctx, build, app.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return res, err
	}
	res, err = demo.Generate(ctx, a, opts)
	if err = errors.Join(err, a.Close()); err != nil {
		return res, err
	}
	return res, moveInto(ctx, build, dataDir)
}

// removeOldBuilds removes build folders that runs killed half-way left.
func removeOldBuilds(dataDir string) {
	old, _ := filepath.Glob(filepath.Join(dataDir, buildPrefix+"*"))
	for _, dir := range old {
		os.RemoveAll(dir)
	}
}

// notCopied are the chart file's journals and the lock: with the WAL folded
// in, the chart file alone holds the clinic.
var notCopied = map[string]bool{
	db.FileName + "-wal": true, db.FileName + "-shm": true, db.FileName + "-journal": true,
	lockFileName: true,
}

// copyClinic copies the demo clinic in dataDir into build byte for byte,
// leaving the folder as it was: the chart file with its WAL folded in, and
// the files Folio keeps beside it (its key and the audit trail's
// checkpoints). A backup would add a checkpoint to the clinic's own file.
func copyClinic(ctx context.Context, dataDir, build string) error {
	live := filepath.Join(dataDir, db.FileName)
	// A WAL left by a Folio that was killed holds committed writes: fold it
	// into the file, so that removing it at the end loses none of them.
	if info, err := os.Stat(live + "-wal"); err == nil && info.Size() > 0 {
		if err := db.FoldWAL(ctx, live); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || notCopied[e.Name()] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dataDir, e.Name()))
		if err != nil {
			return fmt.Errorf("copy the demo clinic: %w", err)
		}
		if err := os.WriteFile(filepath.Join(build, e.Name()), data, 0o600); err != nil {
			return fmt.Errorf("copy the demo clinic: %w", err)
		}
	}
	return nil
}

// moveInto moves the finished demo's files from build into dataDir. The
// chart file goes last: once it is in place the demo is there.
func moveInto(ctx context.Context, build, dataDir string) error {
	chart := filepath.Join(build, db.FileName)
	if _, err := os.Stat(chart + "-wal"); err == nil {
		if err := db.FoldWAL(ctx, chart); err != nil {
			return err
		}
	}
	// The WAL of the chart file being replaced must not be read with the
	// new one. Nobody has it open (the lock), and its writes are in the copy.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		os.Remove(chart + suffix)
		if err := os.Remove(filepath.Join(dataDir, db.FileName+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("set the old chart file aside: %w", err)
		}
	}
	entries, err := os.ReadDir(build)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == db.FileName {
			continue
		}
		if err := os.Rename(filepath.Join(build, e.Name()), filepath.Join(dataDir, e.Name())); err != nil {
			return fmt.Errorf("put the demo in place: %w", err)
		}
	}
	if err := os.Rename(chart, filepath.Join(dataDir, db.FileName)); err != nil {
		return fmt.Errorf("put the demo in place: %w", err)
	}
	if d, err := os.Open(dataDir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func printDemo(stdout io.Writer, res demo.Result, opts demo.Options, took time.Duration) {
	fmt.Fprintf(stdout, "Generated %d synthetic patients", res.Patients)
	if res.Appointments > 0 {
		fmt.Fprintf(stdout, " and %d appointments", res.Appointments)
	}
	if len(res.Charted) > 0 {
		fmt.Fprintf(stdout, ", %d with a clinical chart,", len(res.Charted))
	}
	fmt.Fprintf(stdout, " in %.1fs (seed %d).\n", took.Seconds(), opts.Seed)
	for _, acct := range res.Accounts {
		fmt.Fprintf(stdout, "Demo account: %-10s password %s (%s)\n", acct.Username, acct.Password, acct.Role)
	}
	if len(res.Charted) > 0 {
		fmt.Fprintf(stdout, "Charted patients (MRN): %s\n", strings.Join(res.Charted, " "))
	}
	fmt.Fprintln(stdout, "This is a demo clinic: its patients are invented and its passwords are printed here. "+
		"Never record a real patient in it.")
}

// count is "1 account", "3 accounts".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
