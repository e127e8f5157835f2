package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The clinic: `folio demo` makes it once per size and seed, into a cache
// folder; each run works on a fresh copy of it, so runs start alike and
// the cache stays as demo made it.

// demoClinic is a generated clinic in the cache and what demo printed.
type demoClinic struct {
	Dir      string
	Accounts []account // the demo's accounts, with their printed passwords
	Charted  []string  // MRNs of patients with a clinical chart
}

type account struct{ Username, Password, Role string }

var (
	demoAccountLine = regexp.MustCompile(`(?m)^Demo account: (\S+)\s+password (\S+) \((\w+)\)$`)
	chartedLine     = regexp.MustCompile(`(?m)^Charted patients \(MRN\): (.*)$`)
)

// demoOutput is the file beside the generated clinic that keeps what
// folio demo printed (the accounts and charted MRNs), read on reuse.
const demoOutput = "loadtest-demo.txt"

// ensureClinic gives the cached clinic for cfg, running folio demo first
// if there is none. A half-made one (a run stopped during demo) is in a
// folder of its own and is made again.
//
// The cache is by day too: demo fills the calendars around the day it
// runs, and a day's load needs that day's appointments. Clinics of the
// same settings made on other days are removed (each is some hundreds of
// megabytes at full size).
func ensureClinic(ctx context.Context, cfg config, log io.Writer) (demoClinic, error) {
	settings := fmt.Sprintf("clinic-p%d-c%d-a%d-s%d-", cfg.Patients, cfg.Charts, cfg.Appointments, cfg.Seed)
	key := settings + time.Now().Format("2006-01-02")
	dir := filepath.Join(cfg.DataDir, key)
	if out, err := os.ReadFile(filepath.Join(dir, demoOutput)); err == nil {
		fmt.Fprintf(log, "Reusing the clinic in %s.\n", dir)
		return parseDemo(dir, string(out))
	}
	old, _ := filepath.Glob(filepath.Join(cfg.DataDir, settings+"*"))
	for _, o := range old {
		os.RemoveAll(o)
	}
	building := filepath.Join(cfg.DataDir, ".building-"+key)
	if err := os.RemoveAll(building); err != nil {
		return demoClinic{}, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return demoClinic{}, fmt.Errorf("make %s: %w", cfg.DataDir, err)
	}
	fmt.Fprintf(log, "Making a demo clinic of %d patients (%d charted, %d appointments) in %s; it is kept for the next runs.\n",
		cfg.Patients, cfg.Charts, cfg.Appointments, dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, cfg.Folio, "demo", "--data", building, "--patients", strconv.Itoa(cfg.Patients),
		"--charts", strconv.Itoa(cfg.Charts), "--appointments", strconv.Itoa(cfg.Appointments),
		"--seed", strconv.FormatInt(cfg.Seed, 10))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return demoClinic{}, fmt.Errorf("folio demo: %w\n%s", err, out)
	}
	fmt.Fprintf(log, "Made it in %.0fs.\n", time.Since(start).Seconds())
	if err := os.WriteFile(filepath.Join(building, demoOutput), out, 0o600); err != nil {
		return demoClinic{}, err
	}
	os.RemoveAll(dir)
	if err := os.Rename(building, dir); err != nil {
		return demoClinic{}, fmt.Errorf("keep the demo clinic: %w", err)
	}
	return parseDemo(dir, string(out))
}

func parseDemo(dir, out string) (demoClinic, error) {
	c := demoClinic{Dir: dir}
	for _, m := range demoAccountLine.FindAllStringSubmatch(out, -1) {
		c.Accounts = append(c.Accounts, account{Username: m[1], Password: m[2], Role: m[3]})
	}
	if m := chartedLine.FindStringSubmatch(out); m != nil {
		c.Charted = strings.Fields(m[1])
	}
	if len(c.Accounts) == 0 {
		return c, fmt.Errorf("folio demo printed no accounts (%s): %q", dir, out)
	}
	return c, nil
}

// copyClinic copies the cached clinic's files into a fresh run folder: the
// chart file (demo leaves it with its journal folded in), its key and
// checkpoints. Not the lock, nor demo's printout.
func copyClinic(from, to string) error {
	if err := os.RemoveAll(to); err != nil {
		return fmt.Errorf("clear %s: %w", to, err)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == "folio.lock" || e.Name() == demoOutput {
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return fmt.Errorf("copy the clinic: %w", err)
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// clinicCA exports the clinic's certificate authority with folio ca
// --export (making it if the clinic has none yet) and gives a pool with it
// alone: the load generator trusts nothing else, as a workstation does.
func clinicCA(ctx context.Context, folio, dataDir string) (*x509.CertPool, error) {
	file := clinicCAFile(dataDir)
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, folio, "ca", "--data", dataDir, "--export", file).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("folio ca --export: %w\n%s", err, out)
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the clinic's certificate in %s does not parse", file)
	}
	return pool, nil
}

// clinicCAFile is where clinicCA exports the certificate of the clinic in
// dataDir: beside it, not in it.
func clinicCAFile(dataDir string) string {
	return filepath.Join(dataDir, "..", filepath.Base(dataDir)+"-clinic.crt")
}

// host is a running `folio serve --lan`.
type host struct {
	cmd *exec.Cmd
	endpoint
	// LocalName is the host's <hostname>.local, as it printed it: what a
	// browser on another PC opens.
	LocalName string
	Port      string
	done      chan error

	mu  sync.Mutex
	out strings.Builder
}

// endpoint is where a host answers and how to get there.
type endpoint struct {
	Base string // https://127.0.0.1:PORT
	// Dial reaches the host's PC when it is another network namespace; nil
	// is this process's own network.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

var (
	servingURL = regexp.MustCompile(`https://127\.0\.0\.1:(\d+)/`)
	localURL   = regexp.MustCompile(`https://([A-Za-z0-9-]+\.local):\d+/`)
)

// namespacePort is the host's port when it has a PC of its own (a network
// namespace, where nothing else listens): the one the README suggests.
const namespacePort = "8443"

// startHost runs folio serve --lan on dataDir, not announced, and waits
// until it says it serves. With namespace "" it listens on a free port of
// the loopback address here; otherwise it runs in that network namespace
// (its own PC) on every address there, so that a browser on another PC
// reaches it on the veth address and the load generator's clients on that
// PC's loopback, through Dial.
func startHost(folio, dataDir, namespace, profileDir string) (*host, error) {
	cmd := exec.Command(folio, "serve", "--lan", "--addr", "127.0.0.1:0", "--no-announce", "--data", dataDir)
	h := &host{cmd: cmd, done: make(chan error, 1)}
	if namespace != "" {
		// ip netns exec execs folio in place: the pid measured is the host's.
		cmd = exec.Command("ip", "netns", "exec", namespace,
			folio, "serve", "--lan", "--addr", ":"+namespacePort, "--no-announce", "--data", dataDir)
		h.cmd, h.Dial = cmd, dialerIn(namespace)
	}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The runtime's garbage-collection trace goes to the host's log with
	// the time each line arrived, to be laid beside the slowest calls.
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	if profileDir != "" {
		cmd.Env = append(cmd.Env, "FOLIO_PROFILE_DIR="+profileDir)
	}
	cmd.Stderr = &lockedWriter{h: h}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start folio serve --lan: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		url := ""
		for sc.Scan() {
			line := sc.Text()
			h.mu.Lock()
			h.out.WriteString(line + "\n")
			h.mu.Unlock()
			if m := servingURL.FindStringSubmatch(line); m != nil && url == "" {
				url = "https://127.0.0.1:" + m[1]
				h.Port = m[1]
			}
			if m := localURL.FindStringSubmatch(line); m != nil && h.LocalName == "" {
				h.LocalName = m[1]
			}
			if strings.Contains(line, "Ctrl+C") && url != "" {
				ready <- url
			}
		}
		h.done <- cmd.Wait()
	}()
	select {
	case url := <-ready:
		h.Base = url
		return h, nil
	case err := <-h.done:
		return nil, fmt.Errorf("folio serve --lan stopped before serving (%v):\n%s", err, h.output())
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		return nil, fmt.Errorf("folio serve --lan did not start serving within 2 minutes:\n%s", h.output())
	}
}

func (h *host) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

// stop asks the host to stop as Ctrl+C does, and waits for it.
func (h *host) stop() error {
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.done:
		if err != nil {
			return fmt.Errorf("folio serve --lan stopped with %v:\n%s", err, h.output())
		}
		return nil
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
		return fmt.Errorf("folio serve --lan did not stop within 30 s of SIGTERM; killed")
	}
}

// lockedWriter keeps the host's standard error in its output, each line
// after the time it began to arrive.
type lockedWriter struct {
	h       *host
	midLine bool
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !w.midLine {
			w.h.out.WriteString(time.Now().Format("15:04:05.000 "))
		}
		w.h.out.Write(line)
		w.midLine = line[len(line)-1] != '\n'
	}
	return len(p), nil
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's CPU
// times: 100 on every Linux Folio runs on.
const clockTicks = 100

// cpuTime is the process's user and system CPU time so far.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields from after its closing one. utime and stime are fields
	// 14 and 15, so the 12th and 13th after it.
	text := string(data)
	fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat is short: %q", pid, text)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// memory is the process's resident set now and at its peak (VmRSS,
// VmHWM), in bytes.
func memory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak, nil
}

// machineTimes is the whole machine's use so far: CPU time busy (every
// process, the load generator and the browser too), CPU time the
// hypervisor took from this VM (steal), and the time some task waited on
// the disk (/proc/pressure/io "some"; zero where the kernel has no PSI).
// A day's figures are only comparable with another's when nothing else
// was busy and little was stolen: the report says how much.
type machineTimes struct {
	Busy, Stolen, IOWait time.Duration
}

func readMachineTimes() (machineTimes, error) {
	var m machineTimes
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	// cpu user nice system idle iowait irq softirq steal guest guest_nice
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return m, fmt.Errorf("/proc/stat begins %q", line)
	}
	var ticks [8]int64
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(fields[i+1], 10, 64); err != nil {
			return m, fmt.Errorf("/proc/stat: %w", err)
		}
	}
	busy := ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
	m.Busy, m.Stolen = time.Duration(busy)*time.Second/clockTicks, time.Duration(ticks[7])*time.Second/clockTicks
	if psi, err := os.ReadFile("/proc/pressure/io"); err == nil {
		some, _, _ := strings.Cut(string(psi), "\n")
		if _, total, ok := strings.Cut(some, "total="); ok {
			us, _ := strconv.ParseInt(strings.TrimSpace(total), 10, 64)
			m.IOWait = time.Duration(us) * time.Microsecond
		}
	}
	return m, nil
}

func (m machineTimes) since(start machineTimes) machineTimes {
	return machineTimes{Busy: m.Busy - start.Busy, Stolen: m.Stolen - start.Stolen, IOWait: m.IOWait - start.IOWait}
}
