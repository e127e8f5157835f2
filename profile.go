package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// profileEnv names a folder where folio writes a CPU profile of its whole
// run (cpu.pprof) and the allocations made (allocs.pprof) when it exits:
// for finding what held a clinic's calls up (build/loadtest sets it with
// LOADTEST_PROFILE=1). Read them with `go tool pprof`.
const profileEnv = "FOLIO_PROFILE_DIR"

// startProfiles starts the profiles profileEnv asks for; the function it
// answers writes them. Without it, both do nothing.
func startProfiles() (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "folio: %s: %v\n", profileEnv, err)
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err == nil {
		err = pprof.StartCPUProfile(cpu)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "folio: %s: %v\n", profileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		f, err := os.Create(filepath.Join(dir, "allocs.pprof"))
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "folio: %s: %v\n", profileEnv, err)
		}
	}
}
