#!/usr/bin/env bash
# Install the npm packages of package-lock.json (npm ci) only when the lock file changed
# since the last install, and copy the browser bundles into static/vendor/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --silent
  echo "$want" > "$stamp"
fi
mkdir -p static/vendor
copy() {  # copy <package file> into static/vendor/ when it differs
  cmp -s "node_modules/$1" "static/vendor/$(basename "$1")" || cp "node_modules/$1" static/vendor/
}
for f in livekit-client.umd.js livekit-client.esm.mjs; do copy "livekit-client/dist/$f"; done
# The API reference at /api/v1/docs (static/docs.js starts it; no inline script, no CDN).
for f in swagger-ui-bundle.js swagger-ui.css; do copy "swagger-ui-dist/$f"; done
