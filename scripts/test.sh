#!/usr/bin/env bash
# Run the tests: install what they need (wasm32 target, trunk, wasm-bindgen-cli, Debian's
# Chromium, npm packages from package-lock.json), then run every check in order and stop at
# the first red one. The last line of output is always the summary `N passed, N failed`,
# counting the tests that ran (cargo's and the browser tests); a step that fails without
# failing a counted test (fmt, clippy, a build) counts as one failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/setup.sh
source scripts/lib/setup.sh

PASSED=0
FAILED=0
FAILED_BEFORE_STEP=0
STEP="start"
LOGS=$(mktemp -d)

step() {
    STEP=$1
    FAILED_BEFORE_STEP=$FAILED
    printf '\n========== %s ==========\n' "$STEP"
}

finish() {
    local status=$?
    rm -rf "$LOGS"
    if [ "$status" -ne 0 ]; then
        if [ "$FAILED" -eq "$FAILED_BEFORE_STEP" ]; then FAILED=$((FAILED + 1)); fi
        printf '\nFAILED: step "%s" (exit status %d)\n' "$STEP" "$status"
    else
        printf '\nAll steps passed.\n'
    fi
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    exit "$status"
}
trap finish EXIT

# Adds up cargo's "test result: ok. N passed; M failed; ..." lines.
count_cargo() {
    local p f
    read -r p f < <(sed -nE 's/.*test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$1" |
        awk '{p += $1; f += $2} END {print p + 0, f + 0}')
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

# Adds up the "# pass N" and "# fail N" lines of node's TAP report.
count_tap() {
    local p f
    [ -f "$1" ] || return 0
    p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$1" | awk '{s += $1} END {print s + 0}')
    f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$1" | awk '{s += $1} END {print s + 0}')
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

step "set-up: toolchain, trunk, wasm-bindgen, Chromium, npm packages"
ensure_rust_components
ensure_lab_tools
ensure_chromium
ensure_node_modules
echo "set-up complete"

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --all-targets (native)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy --all-targets --target wasm32-unknown-unknown"
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings

step "cargo test (native)"
status=0
# The codec tests shell out to the stock lz4 tool; set-up installed it, so its absence is a failure.
STATELAB_REQUIRE_TOOLS=1 cargo test 2>&1 | tee "$LOGS/cargo-test.log" || status=$?
count_cargo "$LOGS/cargo-test.log"
[ "$status" -eq 0 ]

step "trunk build --release --offline"
trunk build --release --offline

step "browser tests (node --test e2e/)"
status=0
node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/e2e.tap" \
    e2e/ || status=$?
count_tap "$LOGS/e2e.tap"
[ "$status" -eq 0 ]
