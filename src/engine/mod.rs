//! The pure, deterministic simulation engine: no browser APIs, no wall clock, no global
//! randomness. Virtual time in microseconds and counter-based randomness from one seed.
//!
//! The folders follow the three techniques the lab teaches, then the run and its reports:
//! - [`partitioning`]: keys → key groups → subtasks, the key space, the record source and traces;
//! - [`state`]: keyed state per key group, its snapshot byte layout and the chunk codecs;
//! - [`transfer`]: when to checkpoint and what to ship (policies), the link and the store;
//! - [`sim`]: the simulation that composes them on one virtual clock;
//! - [`recovery`]: failure, restore, replay and the exactly-once oracle;
//! - [`report`]: the read model, events, samples, views and summaries the UI and CLI show.

pub mod config;
pub mod decimal;
pub mod faults;
pub mod memory;
pub mod partitioning;
pub mod presets;
pub mod recovery;
pub mod report;
pub mod rng;
pub mod scale;
pub mod selfcheck;
pub mod sim;
pub mod state;
pub mod transfer;
