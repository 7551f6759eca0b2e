//! Reports: what the UI and the CLI read. The event log, sampled time series, the
//! per-frame view, Flink's summary figures, the what-if calculator and the Flink YAML.

pub mod events;
pub mod flink_config;
pub mod metrics;
pub mod summary;
pub mod view;
pub mod whatif;
