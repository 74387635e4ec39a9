#!/usr/bin/env bash
# A real deploy of examples/site against the bundled Cloudflare API emulator (no account needed):
# starts the emulator on a free loopback port, deploys with the CLI, reads a page back, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
log=$(mktemp)
.venv/bin/cf-assets emulator --port 0 >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q '^port=' "$log" && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' "$log")
[ -n "$port" ] || { cat "$log"; echo "emulator did not start" >&2; exit 1; }
account=0123456789abcdef0123456789abcdef
echo "Emulator on port $port. Deploying examples/site as Worker 'demo-site'..."
CLOUDFLARE_API_TOKEN=demo-token CLOUDFLARE_ACCOUNT_ID=$account \
CLOUDFLARE_API_BASE_URL="http://127.0.0.1:$port/client/v4" \
  .venv/bin/cf-assets deploy --script-name demo-site --directory examples/site \
    --compatibility-date 2025-06-01 --not-found-handling 404-page
echo
echo "Served back by the emulator, /index.html:"
curl -fsS -D - "http://127.0.0.1:$port/__emulator/assets/$account/demo-site/index.html"
