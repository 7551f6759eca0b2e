//! The browser front end: Yew components that draw the lab. Only compiled for wasm32.
//!
//! One concept per module: [`app`] is the root component and page layout, the region
//! modules draw one region each, and [`panic`] makes a wasm panic visible instead of
//! leaving a frozen page in silence.

mod app;
mod controls;
pub mod lab;
mod metrics;
mod panic;
mod pipeline;
mod topbar;

/// Entry point called by the wasm binary (`src/main.rs`): installs the panic hook, then
/// mounts the app on `<body>`. The hook goes in through Yew, which otherwise replaces any
/// hook with its own when it renders.
pub fn start() {
    panic::install_hook();
    yew::Renderer::<app::App>::new().render();
    // A hidden debug switch so the browser tests can prove the hook works: `?panic=test`.
    if panic::debug_panic_requested() {
        panic!("debug panic requested with ?panic=test");
    }
}
