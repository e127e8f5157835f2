# Folio's two commands are `make run` and `make test` (see README.md).
# Each installs what it needs first, so they work on a fresh Debian/Ubuntu.

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOBIN     := $(shell go env GOPATH)/bin
WAILS     := $(GOBIN)/wails
TAGS      := webkit2_41
LDFLAGS   := -X main.version=$(VERSION)
ARTIFACTS := $(CURDIR)/test-artifacts
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/package.json -type f 2>/dev/null)

.PHONY: run build serve-bin test test-go test-frontend test-e2e test-e2e-chaos test-desktop bench loadtest deps deps-test clean

## run: install what is missing, build, and open Folio (serve mode when there is no display)
run: build
	./build/bin/folio

## build: the desktop binary at build/bin/folio
build: deps frontend/dist/index.html
	$(WAILS) build -tags $(TAGS) -skipbindings -s -m -o folio -ldflags "$(LDFLAGS)"

## serve-bin: a binary without the desktop window (no cgo, no WebKit), for tests
serve-bin: frontend/dist/index.html
	CGO_ENABLED=0 go build -ldflags "$(LDFLAGS)" -o build/bin/folio-serve .

frontend/dist/index.html: frontend/node_modules/.folio-installed $(FRONTEND_SRC)
	cd frontend && npm run build

frontend/node_modules/.folio-installed: frontend/package-lock.json
	./build/scripts/deps.sh desktop

deps:
	./build/scripts/deps.sh desktop

deps-test:
	./build/scripts/deps.sh test

## test: every test: Go, frontend unit, browser end-to-end (twice: as is, and under latency chaos), desktop window
test: deps-test
	$(MAKE) test-go test-frontend test-e2e test-e2e-chaos test-desktop
	@echo "All Folio tests passed."

# FOLIO_NETNS_TESTS=1: the clinic-network test runs on two Linux network
# namespaces (root and ip(8)); where they cannot be made it fails, saying so.
# FOLIO_REPLICA_TRIALS=1: the replica's crash trials (kill the host, lose
# its disk, restore, 20 times) measure the recovery point, so they run
# alone, after the rest, on a machine no other test keeps busy.
test-go: frontend/dist/index.html
	go vet ./...
	FOLIO_NETNS_TESTS=1 go test -count=1 -timeout 30m ./...
	FOLIO_REPLICA_TRIALS=1 go test -count=1 -timeout 10m -run '^TestKilledHostComesBackFromItsReplica$$' .

test-frontend: frontend/dist/index.html
	cd frontend && npm run check && npm test

# Two test files at a time: each has its own folio serve and Chromium.
# e2e/clinic-lan.test.js puts the host and the browser on two network
# namespaces (root, ip(8), certutil); where they cannot be made it fails,
# saying so. It runs in the chaos pass too: the answers are held inside the
# browser there (harness.js), as Playwright's own fetch cannot reach them.
E2E_JOBS ?= 2
test-e2e: serve-bin
	mkdir -p $(ARTIFACTS)/e2e
	cd frontend && FOLIO_BIN=$(CURDIR)/build/bin/folio-serve FOLIO_ARTIFACTS=$(ARTIFACTS)/e2e \
	  node --test --test-concurrency=$(E2E_JOBS) --test-timeout=600000 e2e/

# The browser tests again under latency chaos (frontend/e2e/harness.js): every
# API answer reaches the page 0-1.5 s late, so answers come late and out of
# order, as on a slow clinic PC. One seed for the whole run, printed;
# FOLIO_E2E_CHAOS_SEED=N make test-e2e-chaos runs the same delays again. The
# test files mostly wait here, so several run at once.
E2E_CHAOS_JOBS ?= 3
test-e2e-chaos: serve-bin
	mkdir -p $(ARTIFACTS)/e2e-chaos
	@seed=$${FOLIO_E2E_CHAOS_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "latency chaos: seed $$seed (FOLIO_E2E_CHAOS_SEED=$$seed make test-e2e-chaos replays it)"; \
	cd frontend && FOLIO_E2E_CHAOS=1 FOLIO_E2E_CHAOS_SEED=$$seed FOLIO_BIN=$(CURDIR)/build/bin/folio-serve \
	  FOLIO_ARTIFACTS=$(ARTIFACTS)/e2e-chaos node --test --test-concurrency=$(E2E_CHAOS_JOBS) --test-timeout=600000 e2e/

test-desktop: deps-test build
	./build/scripts/desktop-smoke.sh $(ARTIFACTS)/desktop
	./build/scripts/desktop-workstation-smoke.sh $(ARTIFACTS)/desktop
	./build/scripts/desktop-restore-smoke.sh $(ARTIFACTS)/desktop

## bench: the speed figures, on a generated clinic of 100,000 patients and a patient with 20 years of history
# (./app/ does not embed the frontend, so this builds none). Startup takes
# about half a second a time, so it runs apart, fewer times. The schedule's
# run adds 1,000,000 appointments to the clinic first (about a minute).
bench:
	go test -run '^$$' -bench 'Search|ChartOpen|DuplicateCheck' -benchmem -benchtime 2000x -timeout 20m ./app/
	go test -run '^$$' -bench 'Startup|FirstChartOpen' -benchmem -benchtime 10x -timeout 20m ./app/
	go test -run '^$$' -bench 'Check15|CheckMedication15' -benchmem -benchtime 2000x ./app/cds/ ./app/
	go test -run '^$$' -bench 'Schedule' -benchmem -benchtime 500x -timeout 30m ./app/
	go test -run '^$$' -bench 'RecallList|QualityDashboard' -benchmem -benchtime 50x -timeout 30m ./app/
	go test -run '^$$' -bench 'ReadingsToReview|HomeReadingsYear|ImportReadingsYear|VideoVisit' -benchmem -benchtime 20x -timeout 30m ./app/
	go test -run '^$$' -bench 'VitalsSeries|ChartSummaryVitals|ChartSummary20Years|LabSeries|SearchICD10' -benchmem -benchtime 500x ./app/
	go test -run '^$$' -bench 'ExportReferral20Years|Import1000|VisitSummary20Years' -benchmem -benchtime 20x ./app/
	go test -run '^$$' -bench 'ExportAll' -benchmem -benchtime 3x -timeout 20m ./app/
	go test -run '^$$' -bench 'CheckAudit100k' -benchmem -benchtime 3x -timeout 30m ./app/
	go test -run '^$$' -bench 'Replication100k' -benchtime 300x -timeout 30m ./app/
	go test -run '^$$' -bench 'Check' -benchmem -benchtime 5x ./app/filecheck/
	go test -run '^$$' -bench 'Parse|IPSDocument|Resources' -benchmem ./app/fhir/

## loadtest: a clinic day (3 front desks, 6 clinicians, 10 minutes) against folio serve --lan on 100,000 patients
# (build/loadtest). The clinic is made once a day and kept in LOADTEST_DATA
# (default /tmp/folio-loadtest); each run works on a copy. Report in
# test-artifacts/loadtest/. Fails on any error or lost write; latency is
# reported. Quick: LOADTEST_DURATION=30s LOADTEST_PATIENTS=5000 make loadtest
# LOADTEST_REPLICA=1: the host replicates to a folder replica all day (LOADTEST_REPLICA_DIR: its folder,
# e.g. on another disk as a clinic keeps it; default the data folder).
# LOADTEST_BROWSER=1 adds a front desk in Chromium on another network
# namespace (the host on one of its own), timing search keystrokes to their
# results on screen (root, ip(8), certutil, node; build/loadtest/keystroke.mjs).
loadtest: serve-bin
	LOADTEST_FOLIO=$(CURDIR)/build/bin/folio-serve LOADTEST_OUT=$(ARTIFACTS)/loadtest go run ./build/loadtest

clean:
	rm -rf build/bin frontend/dist $(ARTIFACTS)
