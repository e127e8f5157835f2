package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"folio/app"
)

// crew is the day's virtual users, each signed in on a workstation of
// their own.
type crew struct {
	desks      []*member
	clinicians []*member
	// browser is the front desk in Chromium (LOADTEST_BROWSER), signed
	// in there, not here.
	browser account
}

type member struct {
	acct    account
	c       *client
	walkIns []string // a clinician's share of the charted patients
}

// loadtestPassword is the password of the accounts the load test adds: a
// demo clinic's, printed anyway.
const loadtestPassword = "loadtest-pass-1234"

// prepareDay signs in the clinic's admin, adds the front-desk accounts
// (and clinicians, if the demo has too few) through the admin's API, signs
// everyone in, and reads what the day needs: the clinicians, the
// appointment types, the names on today's list, the charted patients.
func prepareDay(ctx context.Context, cfg config, at endpoint, roots *x509.CertPool, clinic demoClinic,
	setupStats *stats) (*crew, *world, error) {
	admin := newClient(at, roots, setupStats)
	defer admin.close()
	var adminAcct *account
	var demoClinicians []account
	for i, a := range clinic.Accounts {
		switch a.Role {
		case app.RoleAdmin:
			if adminAcct == nil {
				adminAcct = &clinic.Accounts[i]
			}
		case app.RoleClinician:
			demoClinicians = append(demoClinicians, a)
		}
	}
	if adminAcct == nil {
		return nil, nil, fmt.Errorf("the demo printed no admin account")
	}
	if err := admin.signIn(ctx, adminAcct.Username, adminAcct.Password); err != nil {
		return nil, nil, fmt.Errorf("sign in as the demo's admin: %w", err)
	}
	var users []app.User
	if err := admin.call(ctx, &users, "Admin", "Users"); err != nil {
		return nil, nil, err
	}
	exists := map[string]bool{}
	for _, u := range users {
		exists[u.Username] = true
	}
	add := func(n app.NewUser) (account, error) {
		if !exists[n.Username] {
			if err := admin.call(ctx, nil, "Admin", "AddUser", n); err != nil {
				return account{}, fmt.Errorf("add the account %s: %w", n.Username, err)
			}
		}
		return account{Username: n.Username, Password: n.Password, Role: n.Role}, nil
	}
	cr := &crew{}
	for i := range cfg.Desks {
		acct, err := add(app.NewUser{Username: fmt.Sprintf("frontdesk%d", i+1), FullName: fmt.Sprintf("Front Desk %d", i+1),
			Role: app.RoleFrontDesk, Password: loadtestPassword})
		if err != nil {
			return nil, nil, err
		}
		cr.desks = append(cr.desks, &member{acct: acct})
	}
	if cfg.Browser {
		n := cfg.Desks + 1
		acct, err := add(app.NewUser{Username: fmt.Sprintf("frontdesk%d", n), FullName: fmt.Sprintf("Front Desk %d (browser)", n),
			Role: app.RoleFrontDesk, Password: loadtestPassword})
		if err != nil {
			return nil, nil, err
		}
		cr.browser = acct
	}
	for i := range cfg.Clinicians {
		acct := account{}
		if i < len(demoClinicians) {
			acct = demoClinicians[i]
		} else {
			var err error
			acct, err = add(app.NewUser{Username: fmt.Sprintf("loadtestdr%d", i+1), FullName: fmt.Sprintf("Dr. Load %d", i+1),
				Role: app.RoleClinician, Password: loadtestPassword, LicenceNumber: fmt.Sprintf("LT-%04d", i+1)})
			if err != nil {
				return nil, nil, err
			}
		}
		cr.clinicians = append(cr.clinicians, &member{acct: acct})
	}

	// Every workstation signs in. The sign-in (slow on purpose: the
	// password's hash) and the reads that prepare the day are not part of
	// the day's figures.
	dayStats := newStats()
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range append(slices.Clone(cr.desks), cr.clinicians...) {
		m.c = newClient(at, roots, setupStats)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.c.signIn(ctx, m.acct.Username, m.acct.Password); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("sign in as %s: %w", m.acct.Username, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, nil, errs[0]
	}

	w := &world{today: time.Now().Format("2006-01-02"), ledger: newLedger(), stats: dayStats, desks: len(cr.desks),
		bookers: map[string]int{}}
	desk := cr.desks[0].c
	var all []app.Clinician
	if err := admin.call(ctx, &all, "Schedule", "Clinicians"); err != nil {
		return nil, nil, err
	}
	for _, m := range cr.clinicians {
		i := slices.IndexFunc(all, func(c app.Clinician) bool { return c.Username == m.acct.Username })
		if i < 0 {
			return nil, nil, fmt.Errorf("the clinician %s is not among the clinic's clinicians", m.acct.Username)
		}
		w.clinicians = append(w.clinicians, all[i])
	}
	var types []app.AppointmentType
	if err := admin.call(ctx, &types, "Schedule", "Types"); err != nil {
		return nil, nil, err
	}
	for _, t := range types {
		// A video visit needs the clinic's meeting-link template, which the
		// load's clinic does not set: the desk books visits at the clinic.
		if t.Active && !t.Virtual {
			w.types = append(w.types, t)
		}
	}
	if len(w.types) == 0 {
		return nil, nil, fmt.Errorf("the clinic has no appointment types")
	}
	var day app.Calendar
	if err := desk.call(ctx, &day, "Schedule", "Day", w.today, ""); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, a := range day.Appointments {
		if !seen[a.PatientFamilyName] {
			seen[a.PatientFamilyName] = true
			w.names = append(w.names, a.PatientFamilyName)
		}
	}
	if len(w.names) == 0 {
		w.names = []string{"Smith", "Garcia", "Nguyen", "Okafor", "Kim", "Brown", "Silva", "Cohen"}
	}
	// The charted patients, shared out: each clinician sees walk-ins from
	// a share of their own.
	for i, mrn := range clinic.Charted {
		var hits []app.PatientHit
		if err := desk.call(ctx, &hits, "Patients", "Search", mrn, 1); err != nil {
			return nil, nil, err
		}
		if len(hits) == 1 {
			cr.clinicians[i%len(cr.clinicians)].walkIns = append(cr.clinicians[i%len(cr.clinicians)].walkIns, hits[0].ID)
		}
	}
	for _, m := range append(slices.Clone(cr.desks), cr.clinicians...) {
		m.c.stats = dayStats
	}
	return cr, w, nil
}

// Usage is the host's use of the machine during the day.
type Usage struct {
	WallSeconds float64 `json:"wallSeconds"`
	CPUSeconds  float64 `json:"cpuSeconds"`
	// CPUCores is the CPU time over the wall time: 1.0 is one core busy
	// the whole day. PeakCPUCores is the busiest second.
	CPUCores     float64 `json:"cpuCores"`
	PeakCPUCores float64 `json:"peakCpuCores"`
	PeakRSSBytes int64   `json:"peakRssBytes"` // VmHWM
	EndRSSBytes  int64   `json:"endRssBytes"`
	// The whole machine meanwhile (machineTimes): every process's CPU,
	// what the hypervisor took, and the time tasks waited on the disk.
	MachineCPUSeconds float64 `json:"machineCpuSeconds"`
	StolenSeconds     float64 `json:"stolenSeconds"`
	IOWaitSeconds     float64 `json:"ioWaitSeconds"`
}

// playDay runs every virtual user until the day is over, and measures the
// host meanwhile.
// The browser (nil without LOADTEST_BROWSER) types from the day's start;
// the caller stops it.
func playDay(ctx context.Context, cfg config, pid int, cr *crew, w *world, browser *keystrokes) (Usage, error) {
	end := time.Now().Add(cfg.Duration)
	var u Usage
	startCPU, err := cpuTime(pid)
	if err != nil {
		return u, fmt.Errorf("read the host's CPU time: %w", err)
	}
	startMachine, err := readMachineTimes()
	if err != nil {
		return u, fmt.Errorf("read the machine's CPU time: %w", err)
	}
	start := time.Now()
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan float64, 1)
	go func() { sampled <- peakCPU(sampling, pid) }()

	if browser != nil {
		if err := browser.typeAway(); err != nil {
			stopSampling()
			return u, err
		}
	}
	var wg sync.WaitGroup
	for i, m := range cr.desks {
		d := &desk{person: person{c: m.c, r: rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(100+i))), w: w, end: end}, index: i}
		wg.Add(1)
		go func() { defer wg.Done(); d.run(ctx) }()
	}
	for i, m := range cr.clinicians {
		c := &clinician{person: person{c: m.c, r: rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(200+i))), w: w, end: end},
			me: w.clinicians[i], walkIns: m.walkIns}
		wg.Add(1)
		go func() { defer wg.Done(); c.run(ctx) }()
	}
	wg.Wait()
	stopSampling()
	u.PeakCPUCores = <-sampled
	u.WallSeconds = time.Since(start).Seconds()
	endCPU, err := cpuTime(pid)
	if err != nil {
		return u, fmt.Errorf("read the host's CPU time: %w", err)
	}
	u.CPUSeconds = (endCPU - startCPU).Seconds()
	u.CPUCores = u.CPUSeconds / u.WallSeconds
	endMachine, err := readMachineTimes()
	if err != nil {
		return u, fmt.Errorf("read the machine's CPU time: %w", err)
	}
	day := endMachine.since(startMachine)
	u.MachineCPUSeconds, u.StolenSeconds, u.IOWaitSeconds = day.Busy.Seconds(), day.Stolen.Seconds(), day.IOWait.Seconds()
	if u.EndRSSBytes, u.PeakRSSBytes, err = memory(pid); err != nil {
		return u, fmt.Errorf("read the host's memory: %w", err)
	}
	for _, m := range append(slices.Clone(cr.desks), cr.clinicians...) {
		m.c.close()
	}
	return u, ctx.Err()
}

// peakCPU samples the host's CPU time each second until ctx ends and
// answers the busiest second, in cores.
func peakCPU(ctx context.Context, pid int) float64 {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last, err := cpuTime(pid)
	if err != nil {
		return 0
	}
	lastAt, peak := time.Now(), 0.0
	for {
		select {
		case <-ctx.Done():
			return peak
		case <-tick.C:
			now, err := cpuTime(pid)
			if err != nil {
				return peak
			}
			peak = max(peak, (now-last).Seconds()/time.Since(lastAt).Seconds())
			last, lastAt = now, time.Now()
		}
	}
}
