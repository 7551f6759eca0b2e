//! The lab's front-end logic, without a DOM: compiled on every target and tested natively
//! with `cargo test`, while the Yew shell in `ui` (wasm32 only) draws it and carries the
//! browser's events in.
//!
//! Dependencies go one way: `ui` → `lab` → `engine`. Nothing here names Yew, web-sys or a
//! wall clock; where time matters the shell passes one in.
//!
//! - [`intent`]: what a person can ask for.
//! - [`driver`]: the run behind the page; it owns the simulation and turns intents into
//!   engine calls within a frame's budget.
//! - [`url`]: the configuration and seed as a query string, and back.
//! - [`keyboard`]: which key stands for which intent.
//! - [`fields`]: every configuration field the panels offer, parsed and validated.
//! - [`format`]: numbers as people read them, one convention for the whole lab.

pub mod driver;
pub mod fields;
pub mod format;
pub mod intent;
pub mod keyboard;
pub mod url;
