//! The pure, deterministic simulation engine: no browser APIs, no wall clock, no global
//! randomness. Virtual time in microseconds and counter-based randomness from one seed.

pub mod keygroups;
pub mod rng;
pub mod trace;
pub mod workload;
pub mod snapshot;
pub mod state;
pub mod codec;
