package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"folio/app/backupcrypt"
	"folio/db"
	"folio/db/replicate"
)

// Scheduled backups: while Folio serves the clinic it backs up once a day
// at the clinic's time (or, when the PC was off at that time, at the first
// quiet minute after it starts), verifies each backup (its file whole, its audit trail against its
// checkpoints), copies it to a second folder when one is set, and keeps 7
// daily, 4 weekly and 12 monthly ones: the newest of each day, week and
// month. Backups made by hand are never removed. Once a month, in the hour
// after the daily time, it also rehearses the worst day, a restore drill: the replica (or, without one,
// the newest backup) is restored into a temporary folder and verified, and
// the result kept for the admin to see.

const (
	settingBackupTime   = "backup.daily_time"    // "HH:MM" on the host's clock
	settingBackupSecond = "backup.second_folder" // "" for none
	settingBackupLast   = "backup.last_scheduled"
	settingDrillLast    = "backup.last_drill"

	defaultBackupTime = "18:30"
	scheduledSuffix   = "-scheduled.db"
	drillEvery        = 30 * 24 * time.Hour
	// A Folio that starts after its backup time, or was off at it, backs up
	// at the first quiet minute from this long after starting.
	catchUpAfter = 2 * time.Minute
	// atTheTime is how long after the clinic's time a due backup counts as
	// the one at the time, made whatever the clinic is doing.
	atTheTime = 2 * time.Minute
)

// Retention of scheduled backups.
const (
	keepDaily   = 7
	keepWeekly  = 4
	keepMonthly = 12
)

// BackupSchedule is the admin's view and setting of the scheduled backups.
type BackupSchedule struct {
	DailyTime    string `json:"dailyTime"`    // "HH:MM"
	SecondFolder string `json:"secondFolder"` // "" for none
	Last         *Run   `json:"last"`         // the last scheduled backup, nil before the first
	LastDrill    *Run   `json:"lastDrill"`    // the last restore drill, nil before the first
	Next         string `json:"next"`         // RFC 3339: when the next one is due
	// Encrypted: the copies in the second folder are encrypted with the
	// clinic's passphrase (backup_encryption.go), as ConfirmedBy set it at
	// EncryptedSince.
	Encrypted      bool   `json:"encrypted"`
	EncryptedSince string `json:"encryptedSince,omitempty"`
	ConfirmedBy    string `json:"confirmedBy,omitempty"`
}

// Run is the outcome of one scheduled backup or restore drill.
type Run struct {
	At      string `json:"at"` // RFC 3339
	OK      bool   `json:"ok"`
	Path    string `json:"path,omitempty"`
	Second  string `json:"second,omitempty"` // the copy in the second folder
	From    string `json:"from,omitempty"`   // a drill: what was restored
	Detail  string `json:"detail"`           // what was found, or why it failed, in words
	Seconds int    `json:"seconds"`
}

// BackupScheduleInput is the admin's setting.
type BackupScheduleInput struct {
	DailyTime    string `json:"dailyTime"`
	SecondFolder string `json:"secondFolder"`
}

var dailyTimeRe = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// BackupSchedule says when Folio backs up by itself, where to, and how the
// last backup and restore drill went.
func (s *Admin) BackupSchedule() (BackupSchedule, error) {
	var out BackupSchedule
	err := s.app.look(s.session, permAdmin, func(o *op) (err error) {
		out, err = readSchedule(o.Tx, s.app.now())
		return err
	})
	return answer(out, err)
}

// SetBackupSchedule sets the daily time and the second folder.
func (s *Admin) SetBackupSchedule(in BackupScheduleInput) (BackupSchedule, error) {
	in.DailyTime, in.SecondFolder = strings.TrimSpace(in.DailyTime), strings.TrimSpace(in.SecondFolder)
	prepare := func() error {
		fields := fieldErrors{}
		if !dailyTimeRe.MatchString(in.DailyTime) {
			fields.add("dailyTime", "Give the time as HH:MM, e.g. 18:30")
		}
		if in.SecondFolder != "" {
			if !filepath.IsAbs(in.SecondFolder) {
				fields.add("secondFolder", "Give the folder's whole path (e.g. /media/usb/folio-backups)")
			} else if info, err := os.Stat(in.SecondFolder); err != nil || !info.IsDir() {
				fields.add("secondFolder", "There is no folder "+in.SecondFolder+": plug in the disk or make the folder first")
			} else if err := canWrite(in.SecondFolder); err != nil {
				fields.add("secondFolder", "Folio cannot write there: "+err.Error())
			}
		}
		return fields.err()
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		if err := o.SetSetting(settingBackupTime, in.DailyTime); err != nil {
			return err
		}
		if err := o.SetSetting(settingBackupSecond, in.SecondFolder); err != nil {
			return err
		}
		detail := "daily at " + in.DailyTime
		if in.SecondFolder != "" {
			detail += ", copied to " + in.SecondFolder
		}
		return o.audit("backup.schedule", "", "", detail)
	})
	if err != nil {
		return BackupSchedule{}, err
	}
	return s.BackupSchedule()
}

func canWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".folio-write-test-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func readSchedule(tx *db.Tx, now time.Time) (BackupSchedule, error) {
	out := BackupSchedule{DailyTime: defaultBackupTime}
	if v, ok, err := tx.Setting(settingBackupTime); err != nil {
		return out, err
	} else if ok && dailyTimeRe.MatchString(v) {
		out.DailyTime = v
	}
	v, _, err := tx.Setting(settingBackupSecond)
	if err != nil {
		return out, err
	}
	out.SecondFolder = v
	enc, err := readEncryption(tx)
	if err != nil {
		return out, err
	}
	if enc != nil {
		out.Encrypted, out.EncryptedSince, out.ConfirmedBy = true, enc.ConfirmedAt, enc.ConfirmedBy
	}
	for key, dst := range map[string]**Run{settingBackupLast: &out.Last, settingDrillLast: &out.LastDrill} {
		raw, ok, err := tx.Setting(key)
		if err != nil {
			return out, err
		}
		if ok && raw != "" {
			var r Run
			if json.Unmarshal([]byte(raw), &r) == nil {
				*dst = &r
			}
		}
	}
	out.Next = nextBackup(out, now).Format(time.RFC3339)
	return out, nil
}

// nextBackup is when the next scheduled backup is due: today's time if the
// last one is older, else tomorrow's.
func nextBackup(s BackupSchedule, now time.Time) time.Time {
	today := dailyAt(s, now)
	if s.Last != nil {
		if last, err := time.Parse(time.RFC3339, s.Last.At); err == nil && !last.Before(today) && s.Last.OK {
			return today.AddDate(0, 0, 1)
		}
	}
	if today.After(now) {
		// Yesterday's is due if it never ran (the PC was off).
		if s.Last == nil || !lastWithin(s.Last, 24*time.Hour, now) {
			return now
		}
		return today
	}
	return today
}

// dailyAt is the day's backup time, on the host's clock, of now's day.
func dailyAt(s BackupSchedule, now time.Time) time.Time {
	hh, mm := 18, 30
	fmt.Sscanf(s.DailyTime, "%d:%d", &hh, &mm)
	local := now.Local()
	return time.Date(local.Year(), local.Month(), local.Day(), hh, mm, 0, 0, time.Local)
}

func lastWithin(r *Run, d time.Duration, now time.Time) bool {
	at, err := time.Parse(time.RFC3339, r.At)
	return err == nil && r.OK && now.Sub(at) < d
}

// schedule runs the scheduled backups and drills while Folio serves.
type schedule struct {
	once     sync.Once
	stop     chan struct{}
	done     chan struct{}
	careDone chan struct{} // the due list's keeper (care_list.go)
	mu       sync.Mutex    // one scheduled backup or drill at a time
}

// StartSchedule starts the scheduled backups and restore drills, and the
// keeper of the due list; the window and serve call it once Folio serves
// the clinic.
func (a *App) StartSchedule() {
	a.schedule.once.Do(func() {
		a.schedule.stop, a.schedule.done, a.schedule.careDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
		go a.runSchedule()
		go a.keepCareList()
	})
}

func (a *App) stopSchedule() {
	if a.schedule.stop == nil {
		return
	}
	select {
	case <-a.schedule.stop:
	default:
		close(a.schedule.stop)
	}
	<-a.schedule.done
	<-a.schedule.careDone
}

// A backup copies and then checks the whole clinic: for 100,000 patients
// some tens of seconds of a core and of the disk, during which the load
// test saw saves wait over half a second for their turn at the disk. At the
// clinic's time (after hours) that holds nobody up. A catch-up backup (the
// PC was off at the time, or Folio started after it) would fall in the
// morning's work, so it waits for a quiet minute: one in which nobody read
// or wrote a chart (the audit trail did not move). A clinic has one before
// long (lunch, the end of the day); if not, the clinic's time makes it.
func (a *App) runSchedule() {
	defer close(a.schedule.done)
	wait := time.NewTimer(catchUpAfter)
	defer wait.Stop()
	head := a.db.Head()
	for {
		select {
		case <-a.schedule.stop:
			return
		case <-wait.C:
		}
		now := a.db.Head()
		if _, err := a.runDueBackups(a.ctx, now == head); err != nil {
			a.log.Error("scheduled backup", "err", err)
		}
		head = now
		wait.Reset(time.Minute)
	}
}

// RunDueBackups makes the scheduled backup and the restore drill if they
// are due, and answers what it did (nil, nil when nothing was due).
func (a *App) RunDueBackups(ctx context.Context) ([]Run, error) {
	return a.runDueBackups(ctx, true)
}

// waitsForQuiet tells whether the backup due now is a catch-up, which
// waits for a quiet minute (see runSchedule), rather than the one at the
// clinic's time.
func waitsForQuiet(s BackupSchedule, now time.Time) bool {
	at := dailyAt(s, now)
	return now.Before(at) || !now.Before(at.Add(atTheTime))
}

func (a *App) runDueBackups(ctx context.Context, quiet bool) ([]Run, error) {
	a.schedule.mu.Lock()
	defer a.schedule.mu.Unlock()
	var sched BackupSchedule
	if err := a.db.View(ctx, func(tx *db.Tx) (err error) {
		sched, err = readSchedule(tx, a.now())
		return err
	}); err != nil {
		return nil, err
	}
	var done []Run
	if next, _ := time.Parse(time.RFC3339, sched.Next); !a.now().Before(next) && (quiet || !waitsForQuiet(sched, a.now())) {
		done = append(done, a.scheduledBackup(ctx, sched))
	}
	// The drill restores the whole clinic (some seconds of a core for
	// 100,000 patients): only in the hour after the daily time, when the
	// clinic has gone home, never as a morning's catch-up.
	at := dailyAt(sched, a.now())
	inQuietHour := !a.now().Before(at) && a.now().Before(at.Add(time.Hour))
	if inQuietHour && (sched.LastDrill == nil || !lastWithin(sched.LastDrill, drillEvery, a.now())) {
		if r, ok := a.restoreDrill(ctx); ok {
			done = append(done, r)
		}
	}
	return done, nil
}

// scheduledBackup makes, verifies, copies and prunes; its outcome is kept
// and audited, failed or not.
func (a *App) scheduledBackup(ctx context.Context, sched BackupSchedule) Run {
	started := a.now()
	run := Run{At: started.UTC().Format(time.RFC3339)}
	err := func() error {
		var enc *backupEncryption
		if err := a.db.View(ctx, func(tx *db.Tx) (err error) {
			enc, err = readEncryption(tx)
			return err
		}); err != nil {
			return err
		}
		name := "folio-" + started.UTC().Format("20060102-150405.000") + scheduledSuffix
		dir := BackupDir(a.dataDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("make the backups folder: %w", err)
		}
		path := filepath.Join(dir, name)
		report, err := db.BackupSealed(ctx, a.db.Path(), path)
		if err != nil {
			return err
		}
		run.Path = path
		if report.AuditProblem != "" {
			return fmt.Errorf("the backup %s was written, but its audit trail does not verify: %s", path, report.AuditProblem)
		}
		info, check, err := verifyBackup(ctx, a.dataDir, path)
		if err != nil {
			return err
		}
		run.Detail = fmt.Sprintf("verified: %d patients, audit trail of %d entries", info.Patients, check.Entries)
		switch {
		case sched.SecondFolder != "" && enc != nil:
			second, err := encryptCopy(path, sched.SecondFolder, enc)
			if err != nil {
				return fmt.Errorf("the backup is in %s, but its encrypted copy to %s failed: %w", dir, sched.SecondFolder, err)
			}
			run.Second = second
			run.Detail += "; the copy in the second folder is encrypted (read back whole)"
			pruneScheduled(sched.SecondFolder, started)
		case sched.SecondFolder != "":
			second := filepath.Join(sched.SecondFolder, name)
			if err := copyBackup(path, second); err != nil {
				return fmt.Errorf("the backup is in %s, but its copy to %s failed: %w", dir, sched.SecondFolder, err)
			}
			if _, err := db.Verify(ctx, second); err != nil {
				return fmt.Errorf("the copy in %s did not verify: %w", sched.SecondFolder, err)
			}
			run.Second = second
			pruneScheduled(sched.SecondFolder, started)
		}
		pruneScheduled(dir, started)
		return nil
	}()
	run.OK = err == nil
	if err != nil {
		run.Detail = err.Error()
		a.log.Error("the scheduled backup failed", "err", err)
	}
	run.Seconds = int(a.now().Sub(started).Seconds())
	a.recordRun(ctx, settingBackupLast, "backup.scheduled", run)
	return run
}

// verifyBackup checks a backup as a restore would: the file whole, and its
// audit trail against its own checkpoints and the data folder's.
func verifyBackup(ctx context.Context, dataDir, path string) (db.FileInfo, db.AuditReport, error) {
	info, err := db.Verify(ctx, path)
	if err != nil {
		return info, db.AuditReport{}, fmt.Errorf("the backup %s did not verify: %w", path, err)
	}
	check, err := checkBackup(ctx, dataDir, path, "")
	if err != nil {
		return info, check, fmt.Errorf("the audit trail of %s could not be checked: %w", path, err)
	}
	if len(check.Problems) > 0 {
		return info, check, fmt.Errorf("the audit trail of %s does not verify: %s", path, strings.Join(check.Problems, "; "))
	}
	return info, check, nil
}

// copyBackup copies a backup and its key file to dest (and dest.key), each
// whole or not at all (db.CopyFile); the key first, so that a backup is
// never there without it.
func copyBackup(src, dest string) error {
	for _, pair := range [][2]string{{src + ".key", dest + ".key"}, {src, dest}} {
		if _, err := os.Stat(pair[0]); errors.Is(err, os.ErrNotExist) && strings.HasSuffix(pair[0], ".key") {
			continue
		}
		os.Remove(pair[1]) // a copy left by an earlier try
		if err := db.CopyFile(pair[0], pair[1]); err != nil {
			return err
		}
	}
	return nil
}

// pruneScheduled removes the scheduled backups of dir that retention does
// not keep (with their key files). Backups made by hand are not touched.
func pruneScheduled(dir string, now time.Time) {
	for _, suffix := range []string{scheduledSuffix, scheduledSuffix + backupcrypt.Suffix} {
		paths, _ := filepath.Glob(filepath.Join(dir, "folio-*"+suffix))
		times := map[string]time.Time{}
		for _, p := range paths {
			stamp := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "folio-"), suffix)
			if t, err := time.Parse("20060102-150405.000", stamp); err == nil {
				times[p] = t
			}
		}
		keep := keptBackups(times, now)
		for p := range times {
			if !keep[p] {
				os.Remove(p)
				// the key file: FILE.db.key beside FILE.db, FILE.db.key.age beside FILE.db.age
				os.Remove(strings.TrimSuffix(p, backupcrypt.Suffix) + ".key" + strings.TrimPrefix(suffix, scheduledSuffix))
			}
		}
	}
}

// keptBackups is the retention rule: the newest backup of each of the last
// keepDaily days, keepWeekly ISO weeks and keepMonthly months (on the
// host's clock) is kept; the others go.
func keptBackups(times map[string]time.Time, now time.Time) map[string]bool {
	paths := make([]string, 0, len(times))
	for p := range times {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return times[paths[i]].After(times[paths[j]]) }) // newest first
	keep := map[string]bool{}
	type bucket func(time.Time) string
	day := func(t time.Time) string { return t.Local().Format("2006-01-02") }
	week := func(t time.Time) string { y, w := t.Local().ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) }
	month := func(t time.Time) string { return t.Local().Format("2006-01") }
	for _, rule := range []struct {
		key bucket
		n   int
	}{{day, keepDaily}, {week, keepWeekly}, {month, keepMonthly}} {
		seen := map[string]bool{}
		for _, p := range paths {
			k := rule.key(times[p])
			if seen[k] {
				continue
			}
			if len(seen) == rule.n {
				break
			}
			seen[k] = true
			keep[p] = true
		}
	}
	return keep
}

// restoreDrill restores the replica (or, without one, the newest backup)
// into a temporary folder, opens it and verifies it; ok is false when there
// is nothing to rehearse with.
func (a *App) restoreDrill(ctx context.Context) (Run, bool) {
	var saved *replicate.Target
	if err := a.db.View(ctx, func(tx *db.Tx) (err error) {
		saved, err = savedReplica(tx)
		return err
	}); err != nil {
		a.log.Error("restore drill: read the replication setting", "err", err)
		return Run{}, false
	}
	latest := LatestBackup(a.dataDir)
	if saved == nil && latest == "" {
		return Run{}, false
	}
	started := a.now()
	run := Run{At: started.UTC().Format(time.RFC3339)}
	err := func() error {
		tmp, err := os.MkdirTemp("", "folio-drill-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		opts := Options{Logger: a.log, Now: a.now}
		var report RestoreReport
		if saved != nil {
			if err := a.SyncReplica(ctx); err == nil {
				run.From = "the replica in " + saved.String()
			} else {
				run.From = "the replica in " + saved.String() + " (not up to date: " + err.Error() + ")"
			}
			report, err = RestoreReplica(ctx, tmp, *saved, time.Time{}, RestoreOptions{KeyFile: filepath.Join(a.dataDir, db.KeyFileName)}, opts)
		} else {
			run.From = "the backup " + latest
			report, err = RestoreBackup(ctx, tmp, latest, RestoreOptions{}, opts)
		}
		if err != nil {
			return err
		}
		drilled, err := Open(ctx, tmp, opts)
		if err != nil {
			return fmt.Errorf("the restored clinic did not open: %w", err)
		}
		defer drilled.Close()
		check, err := drilled.CheckAudit()
		if err != nil {
			return err
		}
		if len(check.Problems) > 0 {
			return fmt.Errorf("the restored audit trail does not verify: %s", strings.Join(check.Problems, "; "))
		}
		run.Detail = fmt.Sprintf("restored and verified: %d patients, audit trail of %d entries", report.Info.Patients, check.Entries)
		return nil
	}()
	run.OK = err == nil
	if err != nil {
		run.Detail = "the drill failed: " + err.Error()
		a.log.Error("the restore drill failed", "err", err)
	}
	run.Seconds = int(a.now().Sub(started).Seconds())
	a.recordRun(ctx, settingDrillLast, "backup.drill", run)
	return run, true
}

// recordRun keeps a scheduled run's outcome in the settings and the audit
// trail, as Folio's own act.
func (a *App) recordRun(ctx context.Context, key, action string, run Run) {
	raw, _ := json.Marshal(run)
	who := actor{username: "folio", workstation: a.hostname}
	detail := run.Detail
	if run.Path != "" {
		detail = run.Path + ": " + detail
	}
	if run.From != "" {
		detail = run.From + ": " + detail
	}
	err := a.db.Update(ctx, func(tx *db.Tx) error {
		if err := tx.SetSetting(key, string(raw)); err != nil {
			return err
		}
		o := &op{Tx: tx, app: a, actor: who, now: a.now()}
		return o.audit(action, "", "", detail)
	})
	if err != nil {
		a.log.Error("record the scheduled run", "action", action, "err", err)
	}
}
