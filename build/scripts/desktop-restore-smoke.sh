#!/usr/bin/env bash
# Desktop restore smoke test: a new PC brings its clinic back from a backup
# through the real Wails window. A demo clinic is backed up on the command
# line; the window opened on an empty data folder shows the first-run screen,
# where the restore is chosen, the backup's path typed, what it holds shown,
# and Restore and restart confirmed. The window then closes, Folio runs again
# in the same process (exec), and the new window is the restored clinic's:
# its title, its sign-in screen, and one of its people signing in.
# Screenshots (restore-*.png), their OCR text and the logs go to the folder
# given as $1. Needs what desktop-smoke.sh needs. Exits non-zero when a step
# does not show what it should.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-test-artifacts/desktop}
bin=${FOLIO_DESKTOP_BIN:-./build/bin/folio}
mkdir -p "$out"
rm -f "$out"/restore-*

passed=0
# shellcheck source=desktop-lib.sh
. build/scripts/desktop-lib.sh
need_tools
[ -x "$bin" ] || fail "$bin is missing (run: make build)"

work=$(mktemp -d)
xvfb_pid="" folio_pid=""
cleanup() {
  local rc=$?
  set +e
  stop "$folio_pid"
  stop "$xvfb_pid"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# The clinic that was: a small demo clinic, backed up (with its key beside it).
"$bin" demo --data "$work/old" --patients 40 --charts 1 >"$out/restore-demo.txt" 2>&1 ||
  fail "folio demo did not set up the clinic to back up (see $out/restore-demo.txt)"
mkdir -p "$work/usb"
"$bin" backup --data "$work/old" --out "$work/usb/clinic.db" >"$out/restore-backup.txt" 2>&1 ||
  fail "folio backup did not back the clinic up (see $out/restore-backup.txt)"

start_xvfb "$work/display"
mkdir -p "$work/new"
WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
  "$bin" --data "$work/new" >"$out/restore-folio.log" 2>&1 &
folio_pid=$!

# An empty data folder: the first-run screen, which offers the restore.
find_window 'Folio' "$out/restore-folio.log" "the first-run window's"
first_win=$win
wait_for 30 "$out/restore-01-first-run.png" "Welcome to Folio" "Restore this clinic" ||
  fail "the window did not show the first-run screen (see $out/restore-01-first-run.png)"
click_word "$out/restore-02-click.png" "Restore" || fail "no Restore on the first-run screen (see $out/restore-02-click.png)"
wait_for 15 "$out/restore-02-restore-form.png" "Restore a clinic" "Restore from" ||
  fail "choosing the restore did not show its form (see $out/restore-02-restore-form.png)"

# From the button just pressed, Tab reaches Restore from: its last choice
# is a backup file (the keys move a focused select without opening its
# menu). Then the backup's path, and Enter prepares.
xdotool key Tab
sleep 0.3
xdotool key End
sleep 0.3
xdotool key Tab
xdotool type --delay 20 "$work/usb/clinic.db"
xdotool key Return
wait_for 30 "$out/restore-03-holds.png" "What the restore holds" "Demo Clinic" "Comes with it" ||
  fail "preparing the backup did not show what it holds (see $out/restore-03-holds.png)"
passed=$((passed + 1))

# From the path field: the key file field, Prepare, Back, then Restore and
# restart…, which asks once more with Cancel focused.
xdotool key Tab Tab Tab Tab Return
wait_for 15 "$out/restore-04-asks.png" "Restore Demo Clinic as it was" "and restart Folio" ||
  fail "Restore and restart did not ask first (see $out/restore-04-asks.png)"
xdotool key shift+Tab Return

# The window closes and Folio runs again in the same process, applying the
# restore first: a new window, titled for the restored (demo) clinic.
for _ in $(seq 1 150); do
  xdotool search --onlyvisible --name '^Folio$' 2>/dev/null | grep -qx "$first_win" || break
  sleep 0.2
done
# (X may give the new window the old one's id: the title and the log tell them apart.)
find_window 'Folio — Demo clinic, not for real patients' "$out/restore-folio.log" "the restored demo clinic's"
grep -q "^Restored the backup $work/usb/clinic.db (Demo Clinic: 40 patients)" "$out/restore-folio.log" ||
  fail "the log does not say the backup was restored (see $out/restore-folio.log)"
kill -0 "$folio_pid" 2>/dev/null || fail "Folio did not run again in the same process (see $out/restore-folio.log)"
wait_for 30 "$out/restore-05-sign-in.png" "Sign in" "Demo Clinic" "not for real patients" "!Welcome to Folio" ||
  fail "the restarted window did not show the restored clinic's sign-in (see $out/restore-05-sign-in.png)"
passed=$((passed + 1))

# One of the restored clinic's people signs in with the password they had.
xdotool windowfocus --sync "$win" 2>/dev/null || true
xdotool type --delay 20 "drlee"
xdotool key Tab
xdotool type --delay 20 "demo-clinician-pass"
xdotool key Return
wait_for 20 "$out/restore-06-signed-in.png" "Find a patient" "Sign out" ||
  fail "signing in to the restored clinic did not reach the patient search (see $out/restore-06-signed-in.png)"
passed=$((passed + 1))

echo "desktop: restore: screenshots in $out"
echo "desktop: restore: $passed passed, 0 failed"
