//! The pure, deterministic simulation engine: no browser APIs, no wall clock, no global
//! randomness. Virtual time in microseconds and counter-based randomness from one seed.

pub mod codec;
pub mod config;
pub mod faults;
pub mod flink_config;
pub mod keygroups;
pub mod link;
pub mod log;
pub mod metrics;
pub mod oracle;
pub mod policy;
pub mod rng;
pub mod selfcheck;
pub mod sim;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod summary;
pub mod trace;
pub mod view;
pub mod whatif;
pub mod workload;
