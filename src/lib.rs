//! statelab: an interactive lab for how a stream processor moves keyed state during
//! checkpoints. `engine` is the pure, deterministic simulation; `lessons` walks a learner
//! through it step by step; `ui` draws both in the browser.

pub mod engine;
pub mod lessons;

#[cfg(target_arch = "wasm32")]
pub mod ui;
