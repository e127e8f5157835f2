package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The whole-clinic export from the admin's screen: the export of
// `folio export --all`, run in the background for the admin who asked, one
// at a time, its progress read by polling ClinicExportStatus. Folio closing
// stops it, and a stopped export removes its files as a failed one does.

// ClinicExport is how the clinic's export stands: running, with its
// progress, or finished, with its counts or the reason it failed.
type ClinicExport struct {
	Running    bool          `json:"running"`
	Done       int           `json:"done"`       // patients written so far
	Total      int           `json:"total"`      // patients to write
	StartedAt  string        `json:"startedAt"`  // RFC 3339; "" when none was started since Folio opened
	FinishedAt string        `json:"finishedAt"` // RFC 3339; "" while running
	StartedBy  string        `json:"startedBy"`  // the admin's user name
	Dir        string        `json:"dir"`        // the folder written to
	Counts     *ExportCounts `json:"counts"`     // what it wrote, once finished well
	Included   string        `json:"included"`   // what the files hold and what not, as export.json says
	Error      string        `json:"error"`      // why it failed, in users' words
	// DefaultDir is the folder a start with no folder would write to now.
	DefaultDir string `json:"defaultDir"`
}

// exportRequest is how export.json names an export started on the screen.
const exportRequest = "Folio: Admin, Export clinic"

// clinicExportJob is the App's one background export.
type clinicExportJob struct {
	mu     sync.Mutex
	status ClinicExport
	cancel context.CancelFunc // nil until the first start
	done   chan struct{}      // closed when the running export has ended
}

// StartClinicExport starts writing every chart in use as FHIR NDJSON into
// dir, which must be a full path to a new or empty folder; "" writes to a
// new folder exports/YYYY-MM-DD-HHMM in the data folder. It answers at once:
// ClinicExportStatus tells the progress and, at the end, the counts. Only
// one export runs at a time.
func (s *Admin) StartClinicExport(dir string) (ClinicExport, error) {
	a := s.app
	made := false
	prepare := func() (err error) {
		if a.export.snapshot().Running {
			return errExportRunning
		}
		dir, made, err = a.exportFolder(dir)
		return err
	}
	var who actor
	var total int
	err := a.prepareAndAct(s.session, permAdmin, prepare, func(o *op) (err error) {
		who = o.actor
		total, err = o.CountActivePatients()
		return err
	})
	if err != nil {
		if made {
			os.Remove(dir)
		}
		return ClinicExport{}, err
	}
	return a.export.start(a, who, dir, made, total)
}

// ClinicExportStatus tells how the export started last stands.
func (s *Admin) ClinicExportStatus() (ClinicExport, error) {
	var out ClinicExport
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		out = s.app.export.snapshot()
		out.DefaultDir = s.app.defaultExportFolder()
		return nil
	})
	return answer(out, err)
}

var errExportRunning = errorf(Conflict, "An export of the clinic is already running. Wait for it to finish, then start another.")

// exportFolder checks the folder asked for, or names the default one, and
// makes it if it does not exist (made): a folder that cannot be written is
// refused here, before anything starts.
func (a *App) exportFolder(dir string) (_ string, made bool, _ error) {
	dir = strings.TrimSpace(dir)
	if dir == "" {
		dir = a.defaultExportFolder()
	} else if !filepath.IsAbs(dir) {
		return "", false, fieldErrors{"dir": "Give the folder's full path, such as /home/clinic/folio-export."}.err()
	}
	dir = filepath.Clean(dir)
	_, err := os.Stat(dir)
	made = errors.Is(err, os.ErrNotExist)
	if err := emptyFolder(dir); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return "", false, fieldErrors{"dir": e.Message}.err()
		}
		return "", false, fieldErrors{"dir": exportWriteProblem(dir, err)}.err()
	}
	return dir, made, nil
}

// defaultExportFolder is exports/YYYY-MM-DD-HHMM in the data folder, with
// -2, -3… when an export of the same minute has taken the name.
func (a *App) defaultExportFolder() string {
	base := filepath.Join(a.dataDir, "exports", a.now().Format("2006-01-02-1504"))
	dir := base
	for n := 2; ; n++ {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) == 0 {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, n)
	}
}

// exportWriteProblem says in users' words why the export's folder could
// not be written: the system's own reason (no space, no permission) is one
// an admin can act on.
func exportWriteProblem(dir string, err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("Folio could not write to the folder %s: %v.", dir, pe.Err)
	}
	return fmt.Sprintf("Folio could not write to the folder %s.", dir)
}

func (j *clinicExportJob) snapshot() ClinicExport {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := j.status
	if out.Counts != nil {
		counts := *out.Counts
		out.Counts = &counts
	}
	return out
}

// start runs the export in the background, unless one runs already. Its
// context is the App's, so Folio closing stops it. A failed export removes
// its files, and its folder too if the export made it.
func (j *clinicExportJob) start(a *App, who actor, dir string, made bool, total int) (ClinicExport, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status.Running {
		if made {
			os.Remove(dir)
		}
		return ClinicExport{}, errExportRunning
	}
	ctx, cancel := context.WithCancel(a.ctx)
	done := make(chan struct{})
	j.cancel, j.done = cancel, done
	j.status = ClinicExport{Running: true, Total: total, StartedAt: a.now().Format(time.RFC3339),
		StartedBy: who.username, Dir: dir}
	go func() {
		defer close(done)
		defer cancel()
		counts, err := a.exportAll(ctx, who, exportRequest, dir, j.progress)
		if err != nil && made {
			os.Remove(dir) // empty by now: a failed export removes its files
		}
		j.finish(a, counts, err)
	}()
	return j.status, nil
}

func (j *clinicExportJob) progress(done, total int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status.Done, j.status.Total = done, total
}

func (j *clinicExportJob) finish(a *App, counts ExportCounts, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status.Running = false
	j.status.FinishedAt = a.now().Format(time.RFC3339)
	if err != nil {
		j.status.Error = exportFailure(a, j.status.Dir, err)
		return
	}
	j.status.Done, j.status.Total, j.status.Counts = counts.Patients, counts.Patients, &counts
	j.status.Included = exportIncluded(j.status.Dir)
}

// exportIncluded is what export.json says the export holds: the screen
// shows the file's own words, so the two never disagree.
func exportIncluded(dir string) string {
	var summary exportSummary
	data, err := os.ReadFile(filepath.Join(dir, exportSummaryName))
	if err != nil || json.Unmarshal(data, &summary) != nil {
		return ""
	}
	return summary.Folio.Included
}

// exportFailure is why an export failed, in users' words; its files are
// already removed.
func exportFailure(a *App, dir string, err error) string {
	var e *Error
	var pe *os.PathError
	switch {
	case errors.Is(err, context.Canceled):
		return "The export was stopped because Folio closed; its files were removed."
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &pe):
		return exportWriteProblem(dir, err) + " The export's files were removed."
	}
	AsError(err, a.log)
	return "The export failed inside Folio and its files were removed. The details are in Folio's log."
}

// stop ends a running export and waits until it has removed its files.
func (j *clinicExportJob) stop() {
	j.mu.Lock()
	cancel, done := j.cancel, j.done
	j.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}
