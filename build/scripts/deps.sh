#!/usr/bin/env bash
# Installs what building, running or testing Folio needs and is missing:
#   deps.sh desktop   system libraries for the desktop window, the Wails CLI, npm packages
#   deps.sh test      the above, plus Chromium, Xvfb, xdotool, ImageMagick and Tesseract for the tests,
#                     iproute2 for the clinic-network tests on two network namespaces, and for the
#                     browser's side of them certutil (libnss3-tools: the clinic's certificate put
#                     in Chromium's NSS store) and openssl (an impostor host's self-signed certificate),
#                     and openssh-server (the SFTP replica's tests start sshd on loopback)
# It installs nothing that is already there, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/../.."

WAILS_VERSION=v2.16.0
what=${1:-desktop}

packages=(libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config gcc)
if [ "$what" = test ]; then
  packages+=(chromium xvfb xauth xdotool imagemagick tesseract-ocr fonts-dejavu-core iproute2 libnss3-tools openssl openssh-server)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

gobin=$(go env GOPATH)/bin
# Read the whole answer before matching: with pipefail, `wails version | grep -q`
# fails at random when grep exits before wails has written its last line.
installed=$("$gobin/wails" version 2>/dev/null || true)
if [ "${installed%%$'\n'*}" != "$WAILS_VERSION" ]; then
  echo "Installing the Wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
fi

# npm ci only when package-lock.json changed since the last install.
stamp=frontend/node_modules/.folio-installed
if [ ! -f "$stamp" ] || [ frontend/package-lock.json -nt "$stamp" ]; then
  echo "Installing npm packages"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
