//! Reports: what the UI and the CLI read. The read model of checkpoints, the job and its
//! recoveries (`stats`), the typed event log (`events`), the sampled time series
//! (`sampler`, `metrics`), the per-frame view, Flink's summary figures, the what-if
//! calculator and the Flink YAML.

pub mod blocks;
pub mod events;
pub mod exposure;
pub mod flink_config;
pub mod format;
pub mod metrics;
pub mod result;
pub mod sampler;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod sweep_scale;
pub mod view;
pub mod whatif;
