package app

import "context"

// CareLOINCs are the LOINC codes an import reads as results whatever their
// category (those the care rules and measures read), for the round trip's
// reading of the original file as Folio reads it.
var CareLOINCs = careLOINCs

// RunDueBackupsBusy is RunDueBackups in a minute when the clinic was busy,
// as the schedule's loop calls it.
func (a *App) RunDueBackupsBusy(ctx context.Context) ([]Run, error) {
	return a.runDueBackups(ctx, false)
}

// CareListOnlyNewDay is careListOnlyNewDay.
func (a *App) CareListOnlyNewDay(ctx context.Context) (bool, error) { return a.careListOnlyNewDay(ctx) }
