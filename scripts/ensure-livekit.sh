#!/usr/bin/env bash
# livekit-server v1.13.5 built from its Go module into .bin/ (only when missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="v1.13.5"
bin="$root/.bin/livekit-server"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "${version#v}"; then
  exit 0
fi
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go is required to build livekit-server" >&2; exit 1; }
echo "==> building livekit-server $version from its Go module (a few minutes, once)"
tmp="$(mktemp -d)"
GOBIN="$tmp" go install "github.com/livekit/livekit-server/cmd/server@$version"
mkdir -p "$root/.bin"
mv "$tmp/server" "$bin"
rm -rf "$tmp"
"$bin" --version
