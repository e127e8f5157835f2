#!/usr/bin/env bash
# Desktop workstation smoke test: a clinic's host runs (folio serve --lan on
# 127.0.0.1), a second data folder is paired with it on the command line
# (folio join, and the admin's folio workstations approve by the code), and
# the real Wails window opened on that folder is the host's workstation: its
# title names the host, it shows the host clinic's sign-in screen, signing
# in through it reaches the patient search, and a chart on the host opens
# from it. Screenshots (ws-*.png), their OCR
# text and the logs go to the folder given as $1. Needs what
# desktop-smoke.sh needs. Exits non-zero when a step does not show what it
# should.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-test-artifacts/desktop}
bin=${FOLIO_DESKTOP_BIN:-./build/bin/folio}
mkdir -p "$out"
rm -f "$out"/ws-*

passed=0
# shellcheck source=desktop-lib.sh
. build/scripts/desktop-lib.sh
need_tools
[ -x "$bin" ] || fail "$bin is missing (run: make build)"

work=$(mktemp -d)
hostdata="$work/host" wsdata="$work/workstation"
xvfb_pid="" folio_pid="" host_pid="" join_pid=""
cleanup() {
  local rc=$?
  set +e
  stop "$folio_pid"
  stop "$join_pid"
  stop "$host_pid"
  stop "$xvfb_pid"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# The host: a small demo clinic served on the clinic's network (here
# loopback, at a port the host picks), without announcing it.
"$bin" demo --data "$hostdata" --patients 40 --charts 1 >"$out/ws-demo.txt" 2>&1 ||
  fail "folio demo did not set up the host's clinic (see $out/ws-demo.txt)"
"$bin" serve --lan --addr 127.0.0.1:0 --no-announce --data "$hostdata" >"$out/ws-host.log" 2>&1 &
host_pid=$!
addr=""
for _ in $(seq 1 100); do
  kill -0 "$host_pid" 2>/dev/null || fail "the host stopped (see $out/ws-host.log)"
  addr=$(sed -n 's#^ *https://\(127\.0\.0\.1:[0-9]*\)/.*#\1#p' "$out/ws-host.log" | head -n 1)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || fail "the host named no address on 127.0.0.1 (see $out/ws-host.log)"

# Pairing on the command line: join shows the code, the admin approves by it.
"$bin" join --host "$addr" --name "Exam room 2" --data "$wsdata" >"$out/ws-join.log" 2>&1 &
join_pid=$!
id="" code=""
for _ in $(seq 1 100); do
  kill -0 "$join_pid" 2>/dev/null || fail "folio join stopped before it showed the code (see $out/ws-join.log)"
  grep -q "Waiting for the admin" "$out/ws-join.log" && break
  sleep 0.1
done
id=$(sed -n 's/.*(id \(ws-[A-Za-z0-9_-]*\)).*/\1/p' "$out/ws-join.log")
code=$(sed -n 's/^Pairing code: //p' "$out/ws-join.log")
[ -n "$id" ] && [ -n "$code" ] || fail "folio join showed no id and code (see $out/ws-join.log)"
"$bin" workstations approve "$id" --code "$code" --data "$hostdata" >>"$out/ws-host-approve.txt" 2>&1 ||
  fail "the admin could not approve the workstation (see $out/ws-host-approve.txt)"
wait "$join_pid" || fail "folio join did not end paired (see $out/ws-join.log)"
join_pid=""
grep -q "^Paired with $addr" "$out/ws-join.log" || fail "folio join did not say it paired (see $out/ws-join.log)"
passed=$((passed + 1))

start_xvfb "$work/display"
# WebKit keeps its own files (localStorage: the drafts in flight) under
# $XDG_DATA_HOME/folio; kept in the test's folder, to be looked at.
export XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache"
WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
  "$bin" --data "$wsdata" >"$out/ws-folio.log" 2>&1 &
folio_pid=$!

find_window "Folio — Exam room 2, a workstation of $addr" "$out/ws-folio.log" "as Exam room 2, the workstation of $addr"
passed=$((passed + 1))

# The host clinic's sign-in screen: its name comes from the host, through
# the window's proxy (this folder holds no clinic to name).
wait_for 30 "$out/ws-01-login.png" "Sign in" "User name" "Password" "Demo Clinic" "!Welcome to Folio" ||
  fail "the workstation window did not show the host's sign-in screen (see $out/ws-01-login.png)"
[ ! -e "$wsdata/folio.db" ] || fail "the workstation window made a chart database in its data folder"
passed=$((passed + 1))

xdotool windowfocus --sync "$win" 2>/dev/null || true
xdotool type --delay 20 "drlee"
xdotool key Tab
xdotool type --delay 20 "not-the-password"
xdotool key Return
wait_for 20 "$out/ws-02-wrong-password.png" "rong user name or password" "!kind" ||
  fail "a wrong password at the workstation did not show the host's refusal (see $out/ws-02-wrong-password.png)"
xdotool type --delay 20 "demo-clinician-pass"
xdotool key Return
wait_for 20 "$out/ws-03-signed-in.png" "Find a patient" "Calendar" "Sign out" ||
  fail "signing in at the workstation window did not reach the patient search (see $out/ws-03-signed-in.png)"
passed=$((passed + 1))

# The host's charts, read through the window: a demo patient by MRN.
mrn=$(sed -n 's/^Charted patients (MRN): \([0-9]*\).*/\1/p' "$out/ws-demo.txt")
xdotool key ctrl+k
xdotool type --delay 20 "$mrn"
sleep 0.5
xdotool key Return
wait_for 20 "$out/ws-04-chart.png" "MRN" "Allergies" "Active problems" ||
  fail "the host's chart did not open at the workstation (see $out/ws-04-chart.png)"
passed=$((passed + 1))

# What WebKit wrote for the window (listed for the report; drafts in flight
# only, under localStorage).
find "$XDG_DATA_HOME" "$XDG_CACHE_HOME" -type f 2>/dev/null | sed "s#^$work/##" >"$out/ws-webkit-files.txt" || true
echo "desktop: workstation screenshots in $out (ws-*.png)"
echo "desktop: workstation: $passed passed, 0 failed"
