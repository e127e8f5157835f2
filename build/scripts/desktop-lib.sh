# Shared by the desktop smoke tests (desktop-smoke.sh, desktop-workstation-smoke.sh):
# Xvfb, screenshots read by OCR, clicks and waits. The caller sets out (the
# artifacts folder), passed (steps passed so far) and folio_pid (the window's
# process, once started).

fail() { echo "desktop: FAIL: $*"; echo "desktop: $passed passed, 1 failed"; exit 1; }

need_tools() {
  for tool in Xvfb xdotool import convert tesseract; do
    command -v "$tool" >/dev/null || fail "$tool is missing (run: make deps-test)"
  done
}

# stop PID: ask it to end, and force it after 5 s.
stop() {
  [ -n "$1" ] && kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# start_xvfb DISPFILE: Xvfb picks a free display itself and writes its number
# to DISPFILE when it is ready; DISPLAY is set to it and xvfb_pid to Xvfb.
start_xvfb() {
  Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$1" >/dev/null 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 1 100); do [ -s "$1" ] && break; sleep 0.05; done
  [ -s "$1" ] || fail "Xvfb did not start"
  export DISPLAY=":$(tr -dc 0-9 <"$1")"
  unset WAYLAND_DISPLAY
}

# Text on screen, read by OCR from a screenshot (kept as $1, text as $1.txt).
screen_text() {
  import -window root "$1" 2>/dev/null || return 0
  # Read at its size and doubled: tesseract misses some light header text
  # at double size, and the chart's small axis labels at single.
  convert "$1" -colorspace Gray "$1.ocr.png" 2>/dev/null || return 0
  convert "$1" -colorspace Gray -resize 200% "$1.ocr2.png" 2>/dev/null || return 0
  { tesseract "$1.ocr.png" - 2>/dev/null; tesseract "$1.ocr2.png" - 2>/dev/null; } | tr '\n' ' ' | tee "${1%.png}.txt"
  rm -f "$1.ocr.png" "$1.ocr2.png"
}

# click_word SHOT WORD: click the middle of the first word on screen that
# reads WORD (as OCR finds it in a fresh screenshot SHOT).
click_word() {
  import -window root "$1" 2>/dev/null || return 1
  convert "$1" -colorspace Gray -resize 200% "$1.ocr.png" 2>/dev/null || return 1
  local xy
  xy=$(tesseract "$1.ocr.png" - tsv 2>/dev/null |
    awk -F'\t' -v w="$2" '$12 == w { print int(($7 + $9 / 2) / 2), int(($8 + $10 / 2) / 2); exit }')
  rm -f "$1.ocr.png"
  [ -n "$xy" ] || return 1
  # shellcheck disable=SC2086
  xdotool mousemove --sync $xy click 1
}

# wait_for SECONDS SHOT TEXT...: poll the screen until every TEXT shows and
# no !TEXT does. Fails at once if Folio has exited.
wait_for() {
  local deadline=$((SECONDS + $1)) shot=$2 text t wrong
  shift 2
  while :; do
    kill -0 "$folio_pid" 2>/dev/null || fail "Folio exited (see $out/folio.log)"
    text=$(screen_text "$shot")
    wrong=""
    for t in "$@"; do
      case $t in
        !*) ! grep -qiF -- "${t#!}" <<<"$text" || wrong+=" shown: \"${t#!}\"" ;;
        *) grep -qiF -- "$t" <<<"$text" || wrong+=" missing: \"$t\"" ;;
      esac
    done
    [ -z "$wrong" ] && return 0
    [ $SECONDS -ge $deadline ] && { echo "desktop:$wrong"; echo "desktop: OCR read: $text"; return 1; }
    sleep 0.2
  done
}

# find_window TITLE LOG WHAT: wait up to 20 s for the visible window titled
# exactly TITLE (a regular expression, anchored here), set $win to it, and
# fail, naming a Folio window of another title if there is one (WHAT says
# what the title should have shown), if none appears.
find_window() {
  local title=$1 log=$2 what=$3 other
  win=""
  for _ in $(seq 1 100); do
    kill -0 "$folio_pid" 2>/dev/null || fail "Folio exited before its window appeared (see $log)"
    win=$(xdotool search --onlyvisible --name "^$title\$" 2>/dev/null | head -n 1) || true
    [ -n "$win" ] && return 0
    sleep 0.2
  done
  other=$(xdotool search --onlyvisible --name '^Folio' getwindowname 2>/dev/null | head -n 1) || true
  [ -n "$other" ] && fail "the Folio window is titled \"$other\", not $what"
  fail "no Folio window appeared within 20 s"
}
