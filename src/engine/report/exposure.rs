//! Expected cost over failures, from one run without failures.
//!
//! Failures come at random times. For a run without failures the engine knows, at every
//! sampled moment t, which checkpoint a crash at t would restore, how many bytes it would
//! download and decode, and how many records it would replay; so the distribution of
//! recovery time, records replayed and recovery point over crash times follows from the
//! one run, without crashing anything:
//!
//! - **records replayed** = source offset at t − the restored checkpoint's replay offset:
//!   exactly what a crash at t replays (the engine counts the same);
//! - **restore** = the restart delay, then every chunk of the restored checkpoint down the
//!   link and through the decoder, timed as the engine times it ([`RestorePlan`]);
//! - **catch-up** = from the rewound offset to the live edge of the source while records
//!   keep arriving: a fluid model. The job drains at `r / f_max` records per second, where
//!   `r` is a subtask's rate and `f_max` the largest share of records any subtask receives
//!   (the source stalls once the busiest subtask's channel is full), against the
//!   workload's own arrival curve. This is the one modelled part, so tests check it
//!   against real crash forks;
//! - **recovery point** = t − the capture time of the restored state's oldest chunk.
//!
//! Crash times are either uniform over the horizon or exponentially distributed with a
//! mean time between failures M (weights `exp(-(t - start)/M)`: the first failure of a
//! Poisson process). The expected cost per hour is failures per hour × mean recovery time.

use crate::engine::partitioning::workload::{KeyDistribution, SourceConfig, Workload};
use crate::engine::recovery::plans::{RestorePlan, RestoreRates};
use crate::engine::sim::Simulation;
use serde::{Deserialize, Serialize};

/// How crash times are distributed over the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CrashTimes {
    Uniform,
    /// The first failure of a Poisson process with this mean time between failures.
    Exponential {
        mtbf_s: f64,
    },
}

/// Weighted summary of one quantity over crash times.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Spread {
    fn of(mut values: Vec<(f64, f64)>) -> Option<Self> {
        values.retain(|(v, w)| v.is_finite() && *w > 0.0);
        let total: f64 = values.iter().map(|(_, w)| w).sum();
        if values.is_empty() || total <= 0.0 {
            return None;
        }
        let mean = values.iter().map(|(v, w)| v * w).sum::<f64>() / total;
        values.sort_by(|a, b| a.0.total_cmp(&b.0));
        let quantile = |q: f64| {
            let mut acc = 0.0;
            for (v, w) in &values {
                acc += w;
                if acc >= q * total {
                    return *v;
                }
            }
            values.last().map_or(0.0, |(v, _)| *v)
        };
        Some(Self {
            mean,
            p50: quantile(0.5),
            p95: quantile(0.95),
            max: values.last().map_or(0.0, |(v, _)| *v),
        })
    }
}

/// What a crash at one moment would cost.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrashAt {
    pub at_us: u64,
    /// `None`: no checkpoint completed yet, the job restarts from empty state at offset 0.
    pub checkpoint: Option<u64>,
    pub download_bytes: u64,
    /// Restart delay plus download and decode.
    pub restore_us: u64,
    pub replayed_records: u64,
    /// Restore done to caught up; `None` when the job cannot catch up (records arrive
    /// faster than the busiest subtask drains them).
    pub catch_up_us: Option<u64>,
    pub recovery_us: Option<u64>,
    /// How old the restored state is.
    pub recovery_point_us: u64,
}

/// The numbers the model rests on, shown with the answer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    pub restart_delay_ms: u64,
    pub bandwidth_mbit_s: f64,
    pub latency_ms: f64,
    pub decode_mb_s: f64,
    /// Records per second the job drains while catching up: `r / f_max`.
    pub drain_records_per_s: f64,
    /// The largest share of records one subtask receives.
    pub busiest_subtask_share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    pub from_us: u64,
    pub to_us: u64,
    pub crash_times: CrashTimes,
    /// Sampled moments the answer is over.
    pub moments: usize,
    /// Over the moments after which the job catches up.
    pub recovery_s: Option<Spread>,
    /// Moments after which it never catches up.
    pub never_catches_up: usize,
    pub replayed_records: Option<Spread>,
    pub recovery_point_s: Option<Spread>,
    pub download_bytes: Option<Spread>,
    /// With `CrashTimes::Exponential`: 3600 / M.
    pub failures_per_hour: Option<f64>,
    /// Failures per hour × mean recovery time, in seconds of recovery per hour.
    pub recovery_s_per_hour: Option<f64>,
    pub assumptions: Assumptions,
}

/// Each key group's expected share of the records, from the workload's definition
/// (generated keys) or by counting (a trace or the seed example).
pub fn key_group_shares(workload: &Workload) -> Vec<f64> {
    let keys = workload.keys();
    let mut shares = vec![0.0; keys.max_parallelism() as usize];
    match &workload.config().source {
        SourceConfig::Generated {
            key_space,
            distribution,
            ..
        } => {
            let n = *key_space;
            let weight = |k: u32| -> f64 {
                match *distribution {
                    // A round robin visits every key equally often.
                    KeyDistribution::Uniform | KeyDistribution::RoundRobin => 1.0,
                    KeyDistribution::Zipf { exponent } => {
                        1.0 / libm::pow(f64::from(k) + 1.0, exponent)
                    }
                    KeyDistribution::HotSet {
                        hot_keys,
                        hot_fraction,
                    } => {
                        let hot = hot_keys.min(n).max(1);
                        let cold = (1.0 - hot_fraction) / f64::from(n);
                        if k < hot {
                            hot_fraction / f64::from(hot) + cold
                        } else {
                            cold
                        }
                    }
                }
            };
            for k in 0..n {
                shares[keys.key_group(k) as usize] += weight(k);
            }
        }
        SourceConfig::SeedExample | SourceConfig::Trace => {
            for offset in 0..workload.length().unwrap_or(0) {
                let r = workload.record(offset);
                shares[keys.key_group(r.key) as usize] += 1.0;
            }
        }
    }
    let total: f64 = shares.iter().sum();
    if total > 0.0 {
        shares.iter_mut().for_each(|s| *s /= total);
    }
    shares
}

/// The model of one run's recoveries: rates and the busiest subtask.
struct Model<'a> {
    workload: &'a Workload,
    rates: RestoreRates,
    restart_delay_us: u64,
    drain_per_us: f64,
    assumptions: Assumptions,
}

impl<'a> Model<'a> {
    fn of(sim: &'a Simulation) -> Self {
        let config = sim.config();
        let p = sim.partitioning();
        let shares = key_group_shares(sim.workload());
        let busiest = (0..p.parallelism())
            .map(|s| {
                p.key_group_range(s)
                    .iter()
                    .map(|kg| shares[kg as usize])
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
            .max(1e-12);
        let drain = config.job.records_per_s_per_subtask / busiest;
        let rates = RestoreRates {
            bandwidth_mbit_s: config.link.bandwidth_mbit_s,
            latency_ms: config.link.latency_ms,
            decode_mb_s: config.costs.restore_decode_mb_s,
        };
        Self {
            workload: sim.workload(),
            rates,
            restart_delay_us: config.job.restart_delay_ms * 1000,
            drain_per_us: drain / 1e6,
            assumptions: Assumptions {
                restart_delay_ms: config.job.restart_delay_ms,
                bandwidth_mbit_s: rates.bandwidth_mbit_s,
                latency_ms: rates.latency_ms,
                decode_mb_s: rates.decode_mb_s,
                drain_records_per_s: drain,
                busiest_subtask_share: busiest,
            },
        }
    }

    /// Restore done at `start` with the source rewound to `from`: how long until the job
    /// reaches the live edge of the source (the first time its drained position meets the
    /// arrivals), within `limit_us`.
    fn catch_up_us(&self, start: u64, from: u64, limit_us: u64) -> Option<u64> {
        let behind = |dt: u64| -> bool {
            let done = from as f64 + self.drain_per_us * dt as f64;
            done < self.workload.available(start + dt) as f64
        };
        if !behind(0) {
            return Some(0);
        }
        // Double until ahead, then halve back to the crossing (1 µs resolution).
        let mut hi = 1_000u64;
        while behind(hi) {
            if hi >= limit_us {
                return None;
            }
            hi = (hi * 2).min(limit_us);
        }
        let mut lo = hi / 2;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if behind(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }

    fn crash_at(&self, at_us: u64, offset: u64, plan: Option<&RestorePlan>) -> CrashAt {
        let restore_us = self.restart_delay_us + plan.map_or(0, |p| p.restore_us(self.rates));
        let from = plan.map_or(0, |p| p.replay_offset);
        // An hour of virtual time is "never" for a recovery.
        let catch_up_us = self.catch_up_us(at_us + restore_us, from, 3_600_000_000);
        CrashAt {
            at_us,
            checkpoint: plan.map(|p| p.checkpoint),
            download_bytes: plan.map_or(0, RestorePlan::encoded_bytes),
            restore_us,
            replayed_records: offset.saturating_sub(from),
            catch_up_us,
            recovery_us: catch_up_us.map(|c| restore_us + c),
            recovery_point_us: at_us.saturating_sub(plan.map_or(0, |p| p.captured_at_us)),
        }
    }
}

/// What a crash at each sampled moment in `[from_us, to_us]` would cost. Moments when the
/// job was not running (restarting or restoring) are left out: a failure-free run has none.
pub fn crashes(sim: &Simulation, from_us: u64, to_us: u64) -> Vec<CrashAt> {
    let model = Model::of(sim);
    let plans = sim.restore_plans();
    sim.samples()
        .filter(|s| s.running && (from_us..=to_us).contains(&s.at_us))
        .map(|s| {
            let plan = s.restorable_checkpoint.and_then(|id| plans.get(id));
            model.crash_at(s.at_us, s.source_offset, plan)
        })
        .collect()
}

/// The distribution of recovery over crash times in `[from_us, to_us]` of this run.
pub fn exposure(sim: &Simulation, from_us: u64, to_us: u64, crash_times: CrashTimes) -> Exposure {
    let model = Model::of(sim);
    let moments = crashes(sim, from_us, to_us);
    let weight = |c: &CrashAt| match crash_times {
        CrashTimes::Uniform => 1.0,
        CrashTimes::Exponential { mtbf_s } => {
            libm::exp(-((c.at_us - from_us) as f64 / 1e6) / mtbf_s.max(1e-9))
        }
    };
    let spread = |f: &dyn Fn(&CrashAt) -> Option<f64>| {
        Spread::of(
            moments
                .iter()
                .filter_map(|c| f(c).map(|v| (v, weight(c))))
                .collect(),
        )
    };
    let recovery_s = spread(&|c| c.recovery_us.map(|us| us as f64 / 1e6));
    let failures_per_hour = match crash_times {
        CrashTimes::Exponential { mtbf_s } => Some(3600.0 / mtbf_s),
        CrashTimes::Uniform => None,
    };
    Exposure {
        from_us,
        to_us,
        crash_times,
        moments: moments.len(),
        never_catches_up: moments.iter().filter(|c| c.recovery_us.is_none()).count(),
        replayed_records: spread(&|c| Some(c.replayed_records as f64)),
        recovery_point_s: spread(&|c| Some(c.recovery_point_us as f64 / 1e6)),
        download_bytes: spread(&|c| Some(c.download_bytes as f64)),
        recovery_s_per_hour: failures_per_hour.zip(recovery_s).map(|(f, r)| f * r.mean),
        failures_per_hour,
        recovery_s,
        assumptions: model.assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_weigh_their_values() {
        let s = Spread::of(vec![(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (10.0, 1.0)]).unwrap();
        assert_eq!((s.mean, s.p50, s.max), (4.0, 2.0, 10.0));
        let w = Spread::of(vec![(1.0, 3.0), (5.0, 1.0)]).unwrap();
        assert_eq!(w.mean, 2.0);
        assert_eq!(w.p50, 1.0);
        assert_eq!(w.p95, 5.0);
        assert!(Spread::of(vec![(f64::NAN, 1.0)]).is_none());
    }

    #[test]
    fn the_recovery_point_is_the_restored_checkpoint_not_its_oldest_reused_chunk() {
        // Incremental checkpoints every 2 s reuse unchanged chunks captured long before;
        // those are valid at the newer checkpoint, so a crash never goes back further
        // than about an interval plus a checkpoint's duration, however long the run.
        let config = crate::engine::config::Config::default();
        assert!(config.checkpointing.incremental);
        assert_eq!(config.checkpointing.interval_ms, Some(2_000));
        let mut sim = Simulation::new(config, None).unwrap();
        sim.advance_to(60_000_000);
        let e = exposure(&sim, 20_000_000, 60_000_000, CrashTimes::Uniform);
        let point = e.recovery_point_s.unwrap();
        assert!(point.max < 6.0, "{point:?}");
        assert!(point.mean > 0.5 && point.mean < 4.0, "{point:?}");
    }
}
