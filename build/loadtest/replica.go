package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"time"
)

// setReplica has the clinic's admin set a folder replica on the host, a
// fresh one, and waits until it holds the whole clinic, so that the day
// measures replication as it runs, not its first copy.
func setReplica(ctx context.Context, at endpoint, roots *x509.CertPool, folder string, log io.Writer) error {
	if err := os.RemoveAll(folder); err != nil {
		return err
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return err
	}
	admin := newClient(at, roots, newStats())
	defer admin.close()
	if err := admin.signIn(ctx, "admin", "demo-admin-pass"); err != nil {
		return fmt.Errorf("sign in as the admin: %w", err)
	}
	started := time.Now()
	target := map[string]string{"kind": "folder", "path": folder}
	if err := admin.call(ctx, nil, "Admin", "SetReplica", target); err != nil {
		return fmt.Errorf("set the replica: %w", err)
	}
	for {
		var view struct {
			Running *struct {
				LastSync   string  `json:"lastSync"`
				LagSeconds float64 `json:"lagSeconds"`
				Error      string  `json:"error"`
			} `json:"running"`
		}
		if err := admin.call(ctx, &view, "Admin", "Replication"); err != nil {
			return fmt.Errorf("read the replica's state: %w", err)
		}
		if view.Running != nil && view.Running.LastSync != "" && view.Running.LagSeconds == 0 {
			break
		}
		if time.Since(started) > 5*time.Minute {
			return fmt.Errorf("the replica did not catch up in 5 minutes: %+v", view.Running)
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Fprintf(log, "Replica: every change copied to the folder %s (Litestream); its first copy took %.1f s.\n",
		folder, time.Since(started).Seconds())
	return nil
}
