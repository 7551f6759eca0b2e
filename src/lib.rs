//! statelab: an interactive lab for how a stream processor moves keyed state during
//! checkpoints. `engine` is the pure, deterministic simulation; `lab` is the front end's
//! logic without a DOM and `lessons` walks a learner through the engine step by step (both
//! on every target, tested natively); `flink` brings a real Flink job in; `ui` draws it all
//! in the browser.

pub mod engine;
pub mod flink;
pub mod lab;
pub mod lessons;

#[cfg(target_arch = "wasm32")]
pub mod ui;
