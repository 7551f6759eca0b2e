//! The what-if calculator: the same job, workload and link under each scheduling policy,
//! measured by running forks of the current simulation rather than estimated by formula.
//!
//! A `WhatIfRun` advances in small steps so the browser can spread it over frames; the CLI
//! and tests run it to the end with `what_if`.

use crate::engine::config::FieldError;
use crate::engine::report::stats::{CheckpointCounts, Totals};
use crate::engine::sim::{Reconfigured, Simulation};
use crate::engine::transfer::policy::PolicyConfig;
use serde::Serialize;

/// What one policy's fork gave: its measurements, or why it could not run the policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WhatIfOutcome {
    Measured(WhatIfRow),
    NotMeasured(NotMeasured),
}

impl WhatIfOutcome {
    pub fn policy(&self) -> &'static str {
        match self {
            WhatIfOutcome::Measured(r) => r.policy,
            WhatIfOutcome::NotMeasured(n) => n.policy,
        }
    }

    pub fn measured(&self) -> Option<&WhatIfRow> {
        match self {
            WhatIfOutcome::Measured(r) => Some(r),
            WhatIfOutcome::NotMeasured(_) => None,
        }
    }
}

/// A policy the run's config refused to switch to; nothing was measured for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotMeasured {
    pub policy: &'static str,
    pub in_flink: bool,
    /// The settings that refused, each with why.
    pub not_measured: Vec<FieldError>,
}

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
pub fn what_if(sim: &Simulation, horizon_us: u64) -> Vec<WhatIfOutcome> {
    let mut run = WhatIfRun::start(sim, horizon_us);
    while !run.step(horizon_us.div_ceil(50).max(1)) {}
    run.rows().unwrap_or_default()
}

#[derive(Clone, Debug)]
pub struct WhatIfRun {
    forks: Vec<Fork>,
    horizon_us: u64,
}

#[derive(Clone, Debug)]
struct Fork {
    /// Dropped once the fork is measured: a finished fork's state is garbage, and in
    /// the browser each one could be as large as the run itself.
    sim: Option<Simulation>,
    policy: PolicyConfig,
    begin_us: u64,
    start: Totals,
    start_counts: CheckpointCounts,
    intervals: Vec<f64>,
    phase: Phase,
}

#[derive(Clone, Debug)]
enum Phase {
    Running,
    /// Crashed at the horizon; waiting to catch up until the deadline.
    Recovering {
        end: Totals,
        recoveries_before: usize,
        deadline_us: u64,
    },
    Done(WhatIfOutcome),
}

impl WhatIfRun {
    pub fn start(sim: &Simulation, horizon_us: u64) -> Self {
        let current = sim.config().checkpointing.policy.clone();
        let pick = |default: PolicyConfig| -> PolicyConfig {
            if std::mem::discriminant(&current) == std::mem::discriminant(&default) {
                current.clone()
            } else {
                default
            }
        };
        let forks = [
            PolicyConfig::Fixed,
            pick(PolicyConfig::default_adaptive()),
            pick(PolicyConfig::default_young_daly()),
        ]
        .into_iter()
        .map(|policy| {
            let mut fork = sim.clone();
            let mut config = fork.config().clone();
            config.checkpointing.incremental |= matches!(policy, PolicyConfig::Adaptive { .. });
            config.checkpointing.interval_ms = config.checkpointing.interval_ms.or(Some(10_000));
            config.checkpointing.policy = policy.clone();
            // Only checkpointing changes, which applies live, unless the run's config
            // refuses the policy; then the fork says why instead of measuring the old one.
            let refused = match fork.reconfigure(config) {
                Ok(Reconfigured::Live(_)) => None,
                Ok(Reconfigured::Rescaled { from, to }) => Some(vec![FieldError {
                    field: "job.parallelism".into(),
                    message: format!("the fork would rescale from {from} to {to}"),
                }]),
                Ok(Reconfigured::NeedsNewRun(fields)) => Some(
                    fields
                        .into_iter()
                        .map(|f| FieldError {
                            field: f.into(),
                            message: "cannot change under a running job".into(),
                        })
                        .collect(),
                ),
                Err(errors) => Some(errors.0),
            };
            let phase = match refused {
                None => Phase::Running,
                Some(errors) => Phase::Done(WhatIfOutcome::NotMeasured(NotMeasured {
                    policy: policy.name(),
                    in_flink: policy.in_flink(),
                    not_measured: errors,
                })),
            };
            Fork {
                begin_us: fork.now_us(),
                start: fork.totals(),
                start_counts: fork.counts().clone(),
                sim: Some(fork),
                policy,
                intervals: Vec::new(),
                phase,
            }
        })
        .collect();
        Self { forks, horizon_us }
    }

    /// Advances the first unfinished fork by up to `slice_us` of virtual time. Returns
    /// true once every fork is measured.
    pub fn step(&mut self, slice_us: u64) -> bool {
        let horizon = self.horizon_us;
        let Some(fork) = self
            .forks
            .iter_mut()
            .find(|f| !matches!(f.phase, Phase::Done(_)))
        else {
            return true;
        };
        fork.step(slice_us.max(1), horizon);
        self.forks.iter().all(|f| matches!(f.phase, Phase::Done(_)))
    }

    /// 0 to 1, by virtual time covered.
    pub fn progress(&self) -> f64 {
        let per_fork = |f: &Fork| match &f.phase {
            Phase::Running => {
                let now = f.sim.as_ref().map_or(f.begin_us, Simulation::now_us);
                (now - f.begin_us) as f64 / self.horizon_us.max(1) as f64 * 0.8
            }
            Phase::Recovering { .. } => 0.9,
            Phase::Done(_) => 1.0,
        };
        self.forks.iter().map(per_fork).sum::<f64>() / self.forks.len() as f64
    }

    pub fn horizon_us(&self) -> u64 {
        self.horizon_us
    }

    /// Each policy's outcome, once every fork is done.
    pub fn rows(&self) -> Option<Vec<WhatIfOutcome>> {
        self.forks
            .iter()
            .map(|f| match &f.phase {
                Phase::Done(row) => Some(row.clone()),
                _ => None,
            })
            .collect()
    }
}

impl Fork {
    fn step(&mut self, slice_us: u64, horizon_us: u64) {
        let Some(sim) = self.sim.as_mut() else {
            return;
        };
        match &self.phase {
            Phase::Running => {
                let until = (sim.now_us() + slice_us).min(self.begin_us + horizon_us);
                sim.advance_to(until);
                if let Some(d) = sim.interval_decision() {
                    self.intervals.push(d.interval_us as f64 / 1e6);
                }
                if sim.now_us() >= self.begin_us + horizon_us {
                    let end = sim.totals();
                    let recoveries_before = sim.recoveries().len();
                    sim.crash_job();
                    self.phase = Phase::Recovering {
                        end,
                        recoveries_before,
                        deadline_us: sim.now_us() + horizon_us.max(60_000_000) * 5,
                    };
                }
            }
            Phase::Recovering {
                end,
                recoveries_before,
                deadline_us,
            } => {
                let (end, before, deadline) = (*end, *recoveries_before, *deadline_us);
                sim.advance_to((sim.now_us() + slice_us).min(deadline));
                let caught_up = sim.recoveries()[before..]
                    .last()
                    .is_some_and(|r| r.caught_up_at_us.is_some());
                if caught_up || sim.now_us() >= deadline {
                    if let Some(sim) = self.sim.take() {
                        self.phase = Phase::Done(WhatIfOutcome::Measured(
                            self.row(&sim, end, before, horizon_us),
                        ));
                    }
                }
            }
            Phase::Done(_) => {}
        }
    }

    fn row(
        &self,
        sim: &Simulation,
        end: Totals,
        recoveries_before: usize,
        horizon_us: u64,
    ) -> WhatIfRow {
        let hours = horizon_us as f64 / 3.6e9;
        let secs = horizon_us as f64 / 1e6;
        let capacity = sim.config().link.bandwidth_mbit_s * 1e6 / 8.0 * secs;
        let rec = sim.recoveries()[recoveries_before..].last();
        WhatIfRow {
            policy: self.policy.name(),
            in_flink: self.policy.in_flink(),
            incremental: sim.config().checkpointing.incremental,
            checkpoints_completed: end.completed - self.start_counts.completed,
            checkpoints_failed: end.failed - self.start_counts.failed,
            bytes_shipped_per_hour: (end.shipped_encoded - self.start.shipped_encoded) as f64
                / hours,
            raw_bytes_per_hour: (end.shipped_raw - self.start.shipped_raw) as f64 / hours,
            link_utilisation: (end.uploaded - self.start.uploaded) as f64 / capacity,
            mean_interval_s: (!self.intervals.is_empty())
                .then(|| self.intervals.iter().sum::<f64>() / self.intervals.len() as f64),
            recovery_time_s: rec
                .and_then(|r| r.recovery_time_us())
                .map(|us| us as f64 / 1e6),
            replayed_records: rec
                .filter(|r| r.caught_up_at_us.is_some())
                .map(|r| r.replayed_records),
            exactly_once: rec.and_then(|r| r.exactly_once.as_ref()).map(|r| r.ok()),
        }
    }
}
