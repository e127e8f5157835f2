//go:build !dev && !production && !bindings

package main

import (
	"context"
	"fmt"
	"io"
)

// runDesktop in a build without the desktop window (a plain `go build`,
// which needs no WebKit) serves the same UI to a browser instead.
func runDesktop(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("", "[--data DIR]", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "This Folio was built without the desktop window (use 'make build'): serving it to a browser on this PC instead.")
	return serveUntilDone(ctx, resolveDataDir(*dataFlag), "127.0.0.1:8765", stdout)
}
