#!/usr/bin/env bash
# Run the lab: install what is missing (wasm32 target, trunk, wasm-bindgen-cli), then serve
# the app with `trunk serve` on http://127.0.0.1:8080/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/setup.sh
source scripts/lib/setup.sh

ADDRESS=127.0.0.1
PORT=8080

ensure_lab_tools

say "statelab: serving at http://$ADDRESS:$PORT/ (the first build takes a minute; Ctrl-C stops)"
exec trunk serve --address "$ADDRESS" --port "$PORT" --offline
