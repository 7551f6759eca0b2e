//! The browser front end: Yew components that draw the lab. Only compiled for wasm32.
//!
//! The logic lives in `crate::lab` (compiled and tested natively); this module is the
//! thin shell around it. One concept per module: [`app`] is the root (it runs the lab's
//! `Session` on animation frames and publishes its picture through [`context`]), the
//! region modules draw one region each ([`topbar`]; [`stage`]: the pipeline with its
//! caption and action bar; [`dock`]: the tabs beside it; [`lesson`]: the lessons beside
//! the pipeline, their start screen and callouts), [`address`] reads and writes the address bar,
//! [`keyboard`] and [`browser`] carry the browser's events and answers in, [`selftest`]
//! is the cross-target digest page, and [`panic`] makes a wasm panic visible instead of
//! leaving a frozen page in silence.

mod address;
mod app;
mod browser;
mod context;
mod controls;
mod dock;
mod flink;
mod help;
mod inspector;
mod keyboard;
mod lesson;
mod metrics;
mod panic;
mod pipeline;
mod selftest;
mod stage;
mod sweep;
mod timeline;
mod topbar;

/// Entry point called by the wasm binary (`src/main.rs`): installs the panic hook, then
/// mounts the app on `<body>`. The hook goes in through Yew, which otherwise replaces any
/// hook with its own when it renders.
pub fn start() {
    panic::install_hook();
    // A hidden debug switch so the browser tests can prove the hook works: `?panic=test`.
    if panic::debug_panic_requested() {
        yew::Renderer::<app::App>::new().render();
        panic!("debug panic requested with ?panic=test");
    }
    // `?panic=oom` runs out of memory for real once the lab is up: a trap, not a panic.
    if panic::debug_oom_requested() {
        yew::Renderer::<app::App>::new().render();
        gloo_timers::callback::Timeout::new(1_000, panic::exhaust_memory).forget();
        return;
    }
    // `?selftest=digest` shows only the engine's reference digest, for the browser tests
    // to compare with the native one; the lab itself stays out of the way.
    if address::query_has("selftest", "digest") {
        yew::Renderer::<selftest::SelfTest>::new().render();
        return;
    }
    yew::Renderer::<app::App>::new().render();
}
