#!/usr/bin/env bash
# Desktop smoke test: the real Wails window under Xvfb shows the login
# screen, and signing in through it (the Wails bindings, not HTTP) works.
# Screenshots go to the folder given as $1. Needs xvfb, xdotool, imagemagick
# and tesseract-ocr (make deps-test installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-test-artifacts/desktop}
mkdir -p "$out"
bin=./build/bin/folio
data=$(mktemp -d)
display=:$((90 + RANDOM % 9))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT
fail() { echo "desktop: FAIL: $*"; echo "desktop: 0 passed, 1 failed"; exit 1; }

echo "long-enough-password" | "$bin" setup --data "$data" --clinic "Smoke Test Clinic" --username admin --full-name "Ada Admin" >/dev/null

Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
export DISPLAY=$display
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# Text on screen, read by OCR from a screenshot.
screen_text() {
  import -window root "$1" 2>/dev/null
  convert "$1" -colorspace Gray -resize 200% "$1.ocr.png" 2>/dev/null
  tesseract "$1.ocr.png" - 2>/dev/null | tr '\n' ' '
  rm -f "$1.ocr.png"
}

# wait_for TEXT SHOT: poll the screen until TEXT shows, up to 40 s.
wait_for() {
  local deadline=$((SECONDS + 40))
  while [ $SECONDS -lt $deadline ]; do
    if screen_text "$2" | grep -qi "$1"; then return 0; fi
    sleep 0.5
  done
  return 1
}

start=$(date +%s.%N)
WEBKIT_DISABLE_COMPOSITING_MODE=1 "$bin" --data "$data" >"$out/folio.log" 2>&1 &
pids+=($!)
xdotool search --sync --onlyvisible --name "Folio" >/dev/null 2>&1 || fail "no Folio window appeared"
wait_for "Sign in" "$out/01-login.png" || fail "the window did not show the login screen (see $out/01-login.png)"
ready=$(date +%s.%N)
awk -v a="$start" -v b="$ready" 'BEGIN { printf "desktop: login screen shown %.2f s after start (including OCR polling)\n", b - a }'

# Sign in through the window: the login form focuses the user name field.
win=$(xdotool search --onlyvisible --name "Folio" | head -n 1)
xdotool windowactivate --sync "$win" 2>/dev/null || true
xdotool type --delay 30 "admin"
xdotool key Tab
xdotool type --delay 30 "long-enough-password"
xdotool key Return
wait_for "Users" "$out/02-signed-in.png" || fail "signing in through the desktop window did not work (see $out/02-signed-in.png)"

echo "desktop: screenshots in $out"
echo "desktop: 2 passed, 0 failed"
