//! A fixed reference run whose digest must be identical wherever the engine runs: the
//! native test suite prints it, the browser build computes it, and the e2e suite compares.

use super::config::Config;
use super::sim::Simulation;
use crate::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::state::codec::Codec;

/// The reference scenario: Zipf keys, events state, LZ4, incremental checkpoints, a crash
/// and a rescale, so that every part of the engine contributes to the digest.
pub fn reference_config() -> Config {
    let mut c = Config {
        seed: 20_261_125,
        ..Config::default()
    };
    c.workload.source = SourceConfig::Generated {
        key_space: 2_000,
        distribution: KeyDistribution::Zipf { exponent: 1.0 },
        key_kind: KeyKind::String,
    };
    c.workload.rate = RateProfile::Bursts {
        base_per_s: 2_000.0,
        burst_per_s: 6_000.0,
        period_s: 2.0,
        burst_s: 0.5,
    };
    c.workload.value_model = ValueModel::Events { keep: 3 };
    c.job.parallelism = 3;
    c.job.max_parallelism = Some(32);
    c.checkpointing.interval_ms = Some(700);
    c.checkpointing.incremental = true;
    c.checkpointing.codec = Codec::Lz4;
    c.checkpointing.num_retained = 2;
    c
}

/// Runs the reference scenario and returns its digest as 16 hex digits.
pub fn reference_digest() -> String {
    let mut sim = Simulation::new(reference_config(), None).expect("reference config is valid");
    sim.advance_to(3_000_000);
    sim.crash_job();
    sim.advance_to(4_500_000);
    sim.rescale(4).expect("valid parallelism");
    sim.advance_to(8_000_000);
    format!("{:016x}", sim.digest())
}
