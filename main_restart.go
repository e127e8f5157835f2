package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"folio/app"
)

// A restore chosen on the screen (Admin > Backups, or the first-run
// screen) is staged in the data folder, and Folio starts afresh: the
// serving command returns restartError, main runs Folio again with the
// same arguments (the same process on Unix), and openApp applies the
// restore before anything opens the database.

// restartError asks main to start Folio again; addr, when set, is the
// address the HTTP server had, so that a port the system picked (:0) is
// kept and the browsers find the host where it was.
type restartError struct{ addr string }

func (e *restartError) Error() string { return "Folio restarts to apply a restore" }

// restartArgs are the arguments of the restart: the same, with --addr
// pinned to the address served.
func restartArgs(args []string, addr string) []string {
	if addr == "" {
		return args
	}
	out := make([]string, 0, len(args)+2)
	replaced := false
	for i := 0; i < len(args); i++ {
		switch {
		case (args[i] == "--addr" || args[i] == "-addr") && i+1 < len(args):
			out = append(out, args[i], addr)
			i++
			replaced = true
		case strings.HasPrefix(args[i], "--addr=") || strings.HasPrefix(args[i], "-addr="):
			out = append(out, "--addr="+addr)
			replaced = true
		default:
			out = append(out, args[i])
		}
	}
	if !replaced {
		out = append(out, "--addr", addr)
	}
	return out
}

// applyPendingRestore applies a restore staged from the screen, holding the
// data folder's lock alone, and says what it did.
func applyPendingRestore(ctx context.Context, dataDir string, log io.Writer) error {
	if _, err := os.Stat(filepath.Join(dataDir, "restore-pending.json")); err != nil {
		return nil
	}
	unlock, err := lockDataDir(dataDir, true)
	if err != nil {
		return err
	}
	defer unlock()
	done, ok, err := app.ApplyPendingRestore(ctx, dataDir, app.Options{})
	if !ok {
		return nil
	}
	if err != nil {
		// The clinic opens as it was; the admin's screen says why.
		fmt.Fprintf(log, "folio: the restore chosen on the screen was not applied, the data folder is as it was: %v\n", err)
		return nil
	}
	fmt.Fprintf(log, "Restored %s (%s: %d patients).\n", done.Origin, done.Report.Info.ClinicName, done.Report.Info.Patients)
	if done.Report.Files.KeptAs != "" {
		fmt.Fprintf(log, "The database it replaced is kept as %s.\n", done.Report.Files.KeptAs)
	}
	return nil
}

// restartWhenAsked gives a the way to restart, and answers the channel
// that closes when it is asked.
func restartWhenAsked(a *app.App) <-chan struct{} {
	asked := make(chan struct{})
	var once bool
	a.OnRestart(func() {
		if !once {
			once = true
			close(asked)
		}
	})
	return asked
}

func isRestart(err error) (*restartError, bool) {
	var re *restartError
	return re, errors.As(err, &re)
}
