# shellcheck shell=bash
# Idempotent set-up shared by scripts/lab.sh and scripts/test.sh. Source it; do not run it.
# Each ensure_* step checks first and installs only what is missing or at the wrong version,
# so a second run costs a few version checks.

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130 # must match the `wasm-bindgen = "=..."` pin in Cargo.toml

# Root runs apt-get directly; anyone else goes through sudo.
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

say() { printf '==> %s\n' "$*"; }

ensure_rust_components() {
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        say "installing rustfmt and clippy"
        rustup component add rustfmt clippy
    fi
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "installing the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

# "trunk 0.21.14" -> 0.21.14; empty when the tool is missing.
tool_version() { "$1" --version 2>/dev/null | awk '{print $2}' || true; }

ensure_trunk() {
    if [ "$(tool_version trunk)" != "$TRUNK_VERSION" ]; then
        say "installing trunk $TRUNK_VERSION (a one-off build, several minutes)"
        cargo install --locked trunk --version "$TRUNK_VERSION"
    fi
}

ensure_wasm_bindgen() {
    # Deliberately without --locked: this is the install line the project settled on.
    if [ "$(tool_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a one-off build, a few minutes)"
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
}

ensure_lab_tools() {
    ensure_wasm_target
    ensure_trunk
    ensure_wasm_bindgen
}

# Debian's Chromium and its driver for the browser tests, and the stock lz4 tool that the
# codec tests use to prove statelab's LZ4 chunks are standard frames.
ensure_chromium() {
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! command -v lz4 >/dev/null; then
        say "installing Debian's chromium, chromium-driver and lz4"
        "${SUDO[@]}" apt-get update
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver lz4
    fi
}

# npm ci from the committed lock file, only when node_modules is missing or was installed
# from a different package-lock.json (a stamp in node_modules records which).
ensure_node_modules() {
    local stamp=node_modules/.statelab-lock.sha256 want
    want=$(sha256sum package-lock.json | awk '{print $1}')
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing npm packages from package-lock.json"
        npm ci --no-audit --no-fund
        printf '%s\n' "$want" >"$stamp"
    fi
}
