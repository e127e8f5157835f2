// Package app holds Folio's use-cases: the services the UI calls (Auth,
// Patients, Schedule, Chart, Admin), each method checking who asks,
// validating, doing its work in one transaction and auditing it in that
// same transaction (act); a use-case that only reads does its work in a
// read transaction, and its audit entry is committed with other reads'
// before it answers (look).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"folio/app/cds"
	"folio/app/feed"
	"folio/app/groupaudit"
	"folio/app/terminology"
	"folio/db"
)

// Setting keys kept in the chart database.
const (
	settingClinicName  = "clinic.name"
	settingIdleMinutes = "session.idle_minutes"
	settingDateOrder   = "clinic.date_order"
	settingWeightUnit  = "units.weight"
	settingHeightUnit  = "units.height"
	settingTempUnit    = "units.temperature"

	// The clinic's address and phone, printed on prescriptions.
	settingClinicAddress = "clinic.address"
	settingClinicPhone   = "clinic.phone"
)

const defaultIdleMinutes = 10

// App is one open Folio: its data folder and chart database. Build one with
// Open and hand it to everything that needs it.
type App struct {
	ctx         context.Context
	dataDir     string
	db          *db.DB
	log         *slog.Logger
	now         func() time.Time
	hostname    string
	idleMinutes atomic.Int64
	icd10       lazyICD10
	vitalRanges *terminology.VitalRanges // reference ranges by age, and growth charts; read-only
	cds         *cds.Knowledge           // drugs, interactions, allergy rules; read-only
	cvx         *terminology.CVX         // the vaccine list; read-only
	labTests    *terminology.LabTests    // common lab tests and their ranges; read-only
	export      clinicExportJob          // the whole-clinic export started on the admin's screen
	checkpoints checkpointer             // the audit trail's periodic checkpoints (audit_trail.go)
	epochs      sessionEpochs            // ends a user's sessions at a password reset or when disabled
	logins      signInDelays             // slows down password guessing
	feed        *feed.Feed               // tells every open screen what changed
	pairing     workstationPairing       // workstations pairing with this host (workstations.go)
	network     networkState             // sharing with the clinic's other computers (network.go)
	requests    requestPruning           // when old request ids were last pruned (request_ids.go)
	reads       *groupaudit.Auditor      // writes the audit entries of reads, many to a commit (look)
	replication replication              // the continuous replica (replication.go)
	schedule    schedule                 // the scheduled backups and restore drills (backup_schedule.go)
	careList    sync.Mutex               // one making of the whole due list at a time (care_list.go)
	staged      stagedRestores           // restores chosen on the screen, until confirmed (restore_screen.go)
}

// lazyICD10 is the ICD-10-CM list, indexed at its first search: opening
// Folio need not wait for it.
type lazyICD10 struct {
	once sync.Once
	list *terminology.ICD10
	err  error
}

// icd10List is the indexed ICD-10-CM list.
func (a *App) icd10List() (*terminology.ICD10, error) {
	a.icd10.once.Do(func() { a.icd10.list, a.icd10.err = terminology.LoadICD10() })
	return a.icd10.list, a.icd10.err
}

// WarmUp indexes, in the background, what the first search of a clinician
// would otherwise wait for: the whole ICD-10-CM list takes about half a
// second to index. The window and serve mode call it once they are up; the
// command-line tools and tests, which seldom search, do not.
func (a *App) WarmUp() {
	go func() { _, _ = a.icd10List() }()
}

// Options tune an App; the zero value is what Folio uses.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // a fixed clock in tests
}

// Open opens the Folio whose data lives in dataDir.
func Open(ctx context.Context, dataDir string, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	path := filepath.Join(dataDir, db.FileName)
	d, err := db.Open(ctx, path)
	if err != nil {
		return nil, explainOpenError(dataDir, err)
	}
	ranges, err := terminology.LoadVitalRanges()
	if err != nil {
		d.Close()
		return nil, err
	}
	knowledge, err := cds.Load()
	if err != nil {
		d.Close()
		return nil, err
	}
	vaccines, err := terminology.LoadCVX()
	if err != nil {
		d.Close()
		return nil, err
	}
	labTests, err := terminology.LoadLabTests()
	if err != nil {
		d.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	a := &App{ctx: ctx, dataDir: dataDir, db: d, log: opts.Logger, now: opts.Now, hostname: host, vitalRanges: ranges,
		cds: knowledge, cvx: vaccines, labTests: labTests, logins: newSignInDelays(),
		feed: feed.New(feed.DefaultQueue, feed.DefaultHistory)}
	if err := a.loadSettings(); err != nil {
		d.Close()
		return nil, err
	}
	// A database upgraded from schema 30 has enrolled patients without
	// their row of the Readings to review list: made once, here.
	if _, err := a.MakeReadingsToReview(ctx); err != nil {
		d.Close()
		return nil, err
	}
	a.reads = groupaudit.New(ctx, d, a.afterWrite)
	a.startCheckpoints()
	return a, nil
}

// explainOpenError turns a refused open into what the person at the PC must do.
func explainOpenError(dataDir string, err error) error {
	var corrupt *db.CorruptError
	if errors.As(err, &corrupt) {
		latest := LatestBackup(dataDir)
		if latest == "" {
			return fmt.Errorf("%w.\nNo backup was found in %s. Do not delete anything; ask for help to recover the file", err, BackupDir(dataDir))
		}
		return fmt.Errorf("%w.\nRestore the latest backup with:\n  folio restore --data %s --from %s", err, dataDir, latest)
	}
	return err
}

func (a *App) loadSettings() error {
	return a.db.View(a.ctx, func(tx *db.Tx) error {
		v, ok, err := tx.Setting(settingIdleMinutes)
		if err != nil {
			return err
		}
		minutes := int64(defaultIdleMinutes)
		if ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				minutes = n
			}
		}
		a.idleMinutes.Store(minutes)
		return nil
	})
}

// Close ends the screens' change streams, stops a whole-clinic export still
// running (removing its files), writes the audit entries of the reads still
// queued (and answers them), signs the trail's head and closes the chart
// database.
func (a *App) Close() error {
	a.feed.Close()
	a.stopSchedule()
	a.export.stop()
	a.reads.Close() // before the last checkpoint, which then covers its entries
	a.stopCheckpoints()
	err := a.db.Close()
	a.stopReplication() // after the database: see replication.go
	return err
}

// DataDir is the folder holding the chart database and its backups.
func (a *App) DataDir() string { return a.dataDir }

// DB gives command-line tools (demo, check) the open database.
func (a *App) DB() *db.DB { return a.db }

// Logger is the App's log.
func (a *App) Logger() *slog.Logger { return a.log }

// Services returns the UI's services acting for session s: the structs the
// desktop window binds and the HTTP face dispatches to.
func (a *App) Services(s *Session) []any {
	return []any{
		&Auth{app: a, session: s},
		&Patients{app: a, session: s},
		&Schedule{app: a, session: s},
		&Chart{app: a, session: s},
		&Admin{app: a, session: s},
		&Workstations{app: a, session: s},
		&Network{app: a, session: s},
		&Quality{app: a, session: s},
	}
}
