#[cfg(target_arch = "wasm32")]
fn main() {
    statelab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("statelab's lab runs in the browser: start it with `trunk serve` (see README.md).");
    eprintln!("For the engine on the command line, use `cargo run --bin statelab-cli -- --help`.");
    std::process::exit(2);
}
