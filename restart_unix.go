//go:build !windows

package main

import (
	"os"
	"syscall"
)

// startAgain replaces this process with Folio run again with args: the
// same process id, so a service manager sees no stop.
func startAgain(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, append([]string{os.Args[0]}, args...), os.Environ())
}
