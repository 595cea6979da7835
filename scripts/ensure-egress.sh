#!/usr/bin/env bash
# LiveKit Egress v1.8.6 built from its Go module into <repo>/.bin/egress (only when missing),
# plus the Debian packages it needs at build and run time (GStreamer 1.22, pulseaudio, Xvfb,
# Chromium). Idempotent.
#
# Usage: ensure-egress.sh [REPO_ROOT]
#   REPO_ROOT defaults to $SWITCHBOARD_ROOT, else the parent of this script's folder
#   (i.e. works unchanged when dropped into <repo>/scripts/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${1:-${SWITCHBOARD_ROOT:-$(cd "$here/.." && pwd)}}"
root="$(cd "$root" && pwd)"
version="v1.8.6"
module="github.com/livekit/egress"
bin="$root/.bin/egress"

apt_install="$root/scripts/apt-install.sh"
[ -x "$apt_install" ] || apt_install="$here/apt-install.sh"
# Build: headers + pkg-config + a C compiler (go-gst uses cgo).
# Run: GStreamer plugins (x264enc is in -ugly, opusenc/pulsesrc in -base/-good, mp4mux in -good,
# avdec in -libav), pulseaudio (egress records Chrome's audio from a pulse sink), Xvfb (egress
# starts its own X display), chromium (found as `chromium` on PATH).
"$apt_install" \
  pkg-config gcc libc6-dev \
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libglib2.0-dev \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools \
  pulseaudio xvfb chromium

# `egress --version` (urfave/cli) prints "egress version 1.8.6".
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qx "egress version ${version#v}"; then
  exit 0
fi

export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go is required to build egress" >&2; exit 1; }
echo "==> building egress $version from its Go module (a few minutes, once)"
start=$(date +%s)
# Only v1.8.6 is served by the proxy here, and its checksum is not in the sum database.
dir="$(GONOSUMDB="$module" GOFLAGS=-mod=mod go mod download -json "$module@$version" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$dir" ] && [ -d "$dir" ] || { echo "go mod download $module@$version failed" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
cp -r "$dir/." "$tmp/src"
chmod -R u+w "$tmp/src"
# cmd/server/main.go embeds a `templates` folder the module does not ship (it is built from
# template-default/ with npm upstream). Switchboard serves its own page via template_base,
# so a placeholder is enough.
mkdir -p "$tmp/src/cmd/server/templates"
cat > "$tmp/src/cmd/server/templates/index.html" <<'EOF'
<!doctype html><meta charset="utf-8"><title>egress</title>
<p>Set template_base in the egress config to the recording page.</p>
EOF
mkdir -p "$root/.bin"
(cd "$tmp/src" && CGO_ENABLED=1 go build -o "$tmp/egress" ./cmd/server)
mv "$tmp/egress" "$bin"
"$bin" --version
echo "==> egress built in $(( $(date +%s) - start )) s"
