//! statelab: an interactive lab for how a stream processor moves keyed state during
//! checkpoints. `engine` is the pure, deterministic simulation; `lab` is the front end's
//! logic without a DOM (every target, tested natively); `ui` draws it in the browser.

pub mod engine;
pub mod flink;
pub mod lab;

#[cfg(target_arch = "wasm32")]
pub mod ui;
