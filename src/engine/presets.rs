//! Configs referred to by name in benchmarks and documentation, defined once.

use crate::engine::config::Config;
use crate::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;

/// The standard tuning workload: 100k keys, Zipf 1.0, events values, 16 subtasks, 128 key
/// groups, LZ4, incremental checkpoints with the adaptive policy, a 1 Gbit/s link, at
/// `records_per_s`; subtasks have half again the capacity the rate needs.
pub fn standard_tuning(records_per_s: f64) -> Config {
    let mut c = Config::default();
    c.workload.source = SourceConfig::Generated {
        key_space: 100_000,
        distribution: KeyDistribution::Zipf { exponent: 1.0 },
        key_kind: KeyKind::String,
    };
    c.workload.rate = RateProfile::Constant { records_per_s };
    c.workload.value_model = ValueModel::Events { keep: 4 };
    c.job.parallelism = 16;
    c.job.max_parallelism = Some(128);
    c.job.records_per_s_per_subtask = records_per_s / 16.0 * 1.5;
    c.job.channel_capacity = 10_000;
    c.checkpointing.codec = Codec::Lz4;
    c.checkpointing.incremental = true;
    c.checkpointing.policy = PolicyConfig::default_adaptive();
    c.link.bandwidth_mbit_s = 1_000.0;
    c
}

/// The tuning question of issue 12: 100k keys of 200 random bytes each (about 20 MB of
/// incompressible state), 50k records/s, parallelism 8, a 60 s fixed interval (Flink's
/// own knob), incremental checkpoints with Snappy (Flink's codec), a 4 Mbit/s link; each
/// subtask has half again the capacity the rate needs.
pub fn tuning_question() -> Config {
    let mut c = Config::default();
    c.workload.source = SourceConfig::Generated {
        key_space: 100_000,
        distribution: KeyDistribution::Uniform,
        key_kind: KeyKind::String,
    };
    c.workload.rate = RateProfile::Constant {
        records_per_s: 50_000.0,
    };
    c.workload.value_model = ValueModel::RandomBytes { len: 200 };
    c.job.parallelism = 8;
    c.job.max_parallelism = Some(128);
    c.job.records_per_s_per_subtask = 50_000.0 / 8.0 * 1.5;
    c.job.channel_capacity = 10_000;
    c.checkpointing.interval_ms = Some(60_000);
    c.checkpointing.codec = Codec::Snappy;
    c.checkpointing.incremental = true;
    c.checkpointing.policy = PolicyConfig::Fixed;
    c.link.bandwidth_mbit_s = 4.0;
    c
}
