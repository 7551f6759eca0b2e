//! The what-if calculator: the same job, workload and link under each scheduling policy,
//! measured by running forks of the current simulation rather than estimated by formula.

use super::policy::PolicyConfig;
use super::sim::Simulation;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIfRow {
    pub policy: &'static str,
    pub in_flink: bool,
    pub incremental: bool,
    pub checkpoints_completed: u64,
    pub checkpoints_failed: u64,
    /// Encoded bytes the store acknowledged, scaled to an hour.
    pub bytes_shipped_per_hour: f64,
    pub raw_bytes_per_hour: f64,
    /// Share of the upload link's capacity used over the horizon.
    pub link_utilisation: f64,
    /// Mean interval chosen over the horizon.
    pub mean_interval_s: Option<f64>,
    /// Failure to caught-up for a crash at the end of the horizon: download, decode, replay.
    pub recovery_time_s: Option<f64>,
    pub replayed_records: Option<u64>,
    pub exactly_once: Option<bool>,
}

/// Forks the simulation once per policy, runs each fork `horizon_us` further, then
/// crashes it and measures the recovery.
pub fn what_if(sim: &Simulation, horizon_us: u64) -> Vec<WhatIfRow> {
    let current = sim.config().checkpointing.policy.clone();
    let pick = |default: PolicyConfig| -> PolicyConfig {
        if std::mem::discriminant(&current) == std::mem::discriminant(&default) {
            current.clone()
        } else {
            default
        }
    };
    [
        PolicyConfig::Fixed,
        pick(PolicyConfig::default_adaptive()),
        pick(PolicyConfig::default_young_daly()),
    ]
    .into_iter()
    .map(|policy| run_fork(sim, policy, horizon_us))
    .collect()
}

fn run_fork(sim: &Simulation, policy: PolicyConfig, horizon_us: u64) -> WhatIfRow {
    let mut fork = sim.clone();
    let mut config = fork.config().clone();
    let adaptive = matches!(policy, PolicyConfig::Adaptive { .. });
    config.checkpointing.incremental |= adaptive;
    config.checkpointing.interval_ms = config.checkpointing.interval_ms.or(Some(10_000));
    config.checkpointing.policy = policy.clone();
    // Only checkpointing changes, which always applies live.
    let _ = fork.reconfigure(config);
    let start = fork.totals();
    let start_counts = fork.counts().clone();
    let begin = fork.now_us();
    let mut intervals = Vec::new();
    while fork.now_us() < begin + horizon_us {
        fork.advance_by(horizon_us.div_ceil(50).max(1));
        if let Some(d) = fork.interval_decision() {
            intervals.push(d.interval_us as f64 / 1e6);
        }
    }
    let end = fork.totals();
    let hours = horizon_us as f64 / 3.6e9;
    let secs = horizon_us as f64 / 1e6;
    let capacity = fork.config().link.bandwidth_mbit_s * 1e6 / 8.0 * secs;
    let recoveries_before = fork.recoveries().len();
    fork.crash_job();
    let deadline = fork.now_us() + horizon_us.max(60_000_000) * 5;
    while fork.now_us() < deadline
        && fork.recoveries()[recoveries_before..]
            .last()
            .is_none_or(|r| r.caught_up_at_us.is_none())
    {
        fork.advance_by(100_000);
    }
    let rec = fork.recoveries()[recoveries_before..].last();
    WhatIfRow {
        policy: policy.name(),
        in_flink: policy.in_flink(),
        incremental: fork.config().checkpointing.incremental,
        checkpoints_completed: end.completed - start_counts.completed,
        checkpoints_failed: end.failed - start_counts.failed,
        bytes_shipped_per_hour: (end.shipped_encoded - start.shipped_encoded) as f64 / hours,
        raw_bytes_per_hour: (end.shipped_raw - start.shipped_raw) as f64 / hours,
        link_utilisation: (end.uploaded - start.uploaded) as f64 / capacity,
        mean_interval_s: (!intervals.is_empty())
            .then(|| intervals.iter().sum::<f64>() / intervals.len() as f64),
        recovery_time_s: rec
            .and_then(|r| r.recovery_time_us())
            .map(|us| us as f64 / 1e6),
        replayed_records: rec
            .filter(|r| r.caught_up_at_us.is_some())
            .map(|r| r.replayed_records),
        exactly_once: rec.and_then(|r| r.exactly_once.as_ref()).map(|r| r.ok()),
    }
}
