//! statelab: an interactive lab for how a stream processor moves keyed state during
//! checkpoints. `engine` is the pure, deterministic simulation; `ui` draws it in the browser.

pub mod engine;
pub mod flink;

#[cfg(target_arch = "wasm32")]
pub mod ui;
