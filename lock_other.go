//go:build !unix

package main

import (
	"fmt"
	"os"
)

// lockDataDir only makes the folder where the OS has no flock; a restore
// there relies on Folio being closed by the person running it.
func lockDataDir(dataDir string, exclusive bool) (func(), error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	return func() {}, nil
}
