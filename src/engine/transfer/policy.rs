//! Checkpoint scheduling policies: when the next checkpoint happens and which key groups
//! it ships. Pure functions of measured inputs, so every decision can be shown and
//! explained with its numbers.
//!
//! - **Fixed interval** is Flink's `execution.checkpointing.interval`.
//! - **Adaptive** goes beyond Flink (which has no change-rate-driven interval): the seed
//!   document writes `T = D / F`; statelab reads it as "checkpoint when the changes since
//!   the last checkpoint fill a change budget B", i.e. `T = B / D` for a change rate D
//!   measured over a sliding window, clamped to `[min, max]`. It then ships only key
//!   groups whose own change passes a threshold; the rest keep their older chunk, and no
//!   key group may go longer than a staleness bound without being shipped, which bounds
//!   the recovery point.
//! - **Young–Daly** picks `T = sqrt(2·C·M)` with Daly's refinement from the measured
//!   checkpoint cost C and a configured mean time between failures M.

use crate::engine::report::format;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyConfig {
    /// Flink's behaviour: every `execution.checkpointing.interval`.
    #[default]
    Fixed,
    Adaptive {
        /// Sliding window over which the change rate D is measured.
        window_ms: u64,
        /// Change budget B: checkpoint when about this many bytes of state have changed.
        change_budget_bytes: u64,
        min_interval_ms: u64,
        max_interval_ms: u64,
        /// Ship a key group only once this many of its bytes changed since its last upload.
        ship_threshold_bytes: u64,
        /// Recovery point bound: a changed key group is shipped at the latest this long
        /// after its last upload, whatever its change.
        max_staleness_ms: u64,
    },
    YoungDaly {
        /// Mean time between failures M.
        mtbf_s: f64,
        min_interval_ms: u64,
        max_interval_ms: u64,
    },
}

impl PolicyConfig {
    pub fn name(&self) -> &'static str {
        match self {
            PolicyConfig::Fixed => "fixed interval",
            PolicyConfig::Adaptive { .. } => "adaptive (state change rate)",
            PolicyConfig::YoungDaly { .. } => "Young–Daly optimal",
        }
    }

    /// Whether Flink has this policy; the UI says so when it does not.
    pub fn in_flink(&self) -> bool {
        matches!(self, PolicyConfig::Fixed)
    }

    pub fn default_adaptive() -> Self {
        PolicyConfig::Adaptive {
            window_ms: 10_000,
            change_budget_bytes: 4 * 1024 * 1024,
            min_interval_ms: 500,
            max_interval_ms: 30_000,
            ship_threshold_bytes: 16 * 1024,
            max_staleness_ms: 60_000,
        }
    }

    pub fn default_young_daly() -> Self {
        PolicyConfig::YoungDaly {
            mtbf_s: 3_600.0,
            min_interval_ms: 1_000,
            max_interval_ms: 600_000,
        }
    }
}

/// Young's first-order optimum `sqrt(2·C·M)`.
pub fn young_interval_s(cost_s: f64, mtbf_s: f64) -> f64 {
    (2.0 * cost_s * mtbf_s).sqrt()
}

/// Daly's refinement: `sqrt(2CM)·(1 + sqrt(C/(2M))/3 + C/(18M)) − C` for `C < 2M`, else `M`.
pub fn daly_interval_s(cost_s: f64, mtbf_s: f64) -> f64 {
    if cost_s < 2.0 * mtbf_s {
        young_interval_s(cost_s, mtbf_s)
            * (1.0 + (cost_s / (2.0 * mtbf_s)).sqrt() / 3.0 + cost_s / (18.0 * mtbf_s))
            - cost_s
    } else {
        mtbf_s
    }
}

/// What the policy measured and how it turned that into an interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalDecision {
    pub interval_us: u64,
    pub inputs: Vec<PolicyInput>,
    /// The rule and its numbers; `Display` says it in one sentence.
    pub rule: IntervalRule,
}

/// Where an interval stands against its policy's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clamp {
    Within,
    RaisedToMin,
    CappedAtMax,
}

/// Whether Young–Daly's checkpoint cost was measured or estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The smoothed end-to-end duration of completed checkpoints.
    Measured,
    /// State size over bandwidth, before any checkpoint completed.
    Estimated,
}

/// How a policy arrived at its interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntervalRule {
    /// Flink's `execution.checkpointing.interval`.
    Fixed { interval_ms: u64 },
    /// `T = B / D`, clamped to `[min, max]`.
    ChangeBudget {
        change_bytes_per_s: f64,
        window_ms: u64,
        budget_bytes: u64,
        raw_s: f64,
        clamp: Clamp,
        min_interval_ms: u64,
        max_interval_ms: u64,
        interval_ms: u64,
    },
    /// Young's `sqrt(2CM)` refined by Daly.
    YoungDaly {
        cost_s: f64,
        cost: CostSource,
        mtbf_s: f64,
        young_s: f64,
        daly_s: f64,
        interval_ms: u64,
    },
}

impl std::fmt::Display for IntervalRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            IntervalRule::Fixed { interval_ms } => write!(
                f,
                "Fixed interval, as Flink does it: a checkpoint every {interval_ms} ms."
            ),
            IntervalRule::ChangeBudget {
                change_bytes_per_s,
                window_ms,
                budget_bytes,
                raw_s,
                clamp,
                min_interval_ms,
                max_interval_ms,
                interval_ms,
            } => {
                write!(
                    f,
                    "State changes at D = {} over the last {}; a budget of B = {} fills in T = B / D = {}",
                    format::byte_rate(change_bytes_per_s),
                    format::duration_us(window_ms * 1000),
                    format::bytes(budget_bytes),
                    if raw_s.is_finite() {
                        format::duration_us((raw_s * 1e6) as u64)
                    } else {
                        "forever (nothing changes)".to_string()
                    }
                )?;
                match clamp {
                    Clamp::Within => {}
                    Clamp::RaisedToMin => {
                        write!(f, " (raised to the minimum {min_interval_ms} ms)")?
                    }
                    Clamp::CappedAtMax => {
                        write!(f, " (capped at the maximum {max_interval_ms} ms)")?
                    }
                }
                write!(
                    f,
                    ", so the next checkpoint is {interval_ms} ms after the last."
                )
            }
            IntervalRule::YoungDaly {
                cost_s,
                cost,
                mtbf_s,
                young_s,
                daly_s,
                interval_ms,
            } => {
                let how = match cost {
                    CostSource::Measured => "measured (smoothed end-to-end duration)",
                    CostSource::Estimated => {
                        "estimated from state size and bandwidth (nothing measured yet)"
                    }
                };
                write!(
                    f,
                    "Checkpoint cost C = {cost_s:.3} s ({how}), M = {mtbf_s:.0} s: Young gives sqrt(2CM) = {young_s:.2} s, Daly's refinement {daly_s:.2} s; interval {interval_ms} ms."
                )
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyInput {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
}

fn input(name: &'static str, value: f64, unit: &'static str) -> PolicyInput {
    PolicyInput { name, value, unit }
}

/// Measurements the interval rules read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measured {
    pub change_bytes_per_s: f64,
    pub changed_keys_per_s: f64,
    /// Smoothed end-to-end duration of completed checkpoints, once there is one.
    pub checkpoint_cost_s: Option<f64>,
    /// Cost estimated from state size and bandwidth, before any checkpoint completed.
    pub estimated_cost_s: f64,
}

fn clamp_ms(seconds: f64, min_ms: u64, max_ms: u64) -> u64 {
    let ms = if seconds.is_finite() {
        seconds * 1000.0
    } else {
        max_ms as f64
    };
    (ms.round() as u64).clamp(min_ms, max_ms.max(min_ms))
}

pub fn decide_interval(
    policy: &PolicyConfig,
    fixed_interval_ms: u64,
    m: &Measured,
) -> IntervalDecision {
    match *policy {
        PolicyConfig::Fixed => IntervalDecision {
            interval_us: fixed_interval_ms * 1000,
            inputs: vec![input(
                "execution.checkpointing.interval",
                fixed_interval_ms as f64,
                "ms",
            )],
            rule: IntervalRule::Fixed {
                interval_ms: fixed_interval_ms,
            },
        },
        PolicyConfig::Adaptive {
            change_budget_bytes,
            min_interval_ms,
            max_interval_ms,
            window_ms,
            ..
        } => {
            let d = m.change_bytes_per_s;
            let raw_s = if d > 0.0 {
                change_budget_bytes as f64 / d
            } else {
                f64::INFINITY
            };
            let ms = clamp_ms(raw_s, min_interval_ms, max_interval_ms);
            let clamp = if raw_s * 1000.0 < min_interval_ms as f64 {
                Clamp::RaisedToMin
            } else if !raw_s.is_finite() || raw_s * 1000.0 > max_interval_ms as f64 {
                Clamp::CappedAtMax
            } else {
                Clamp::Within
            };
            IntervalDecision {
                interval_us: ms * 1000,
                inputs: vec![
                    input("D: change rate", d, "B/s"),
                    input("changed keys", m.changed_keys_per_s, "keys/s"),
                    input("B: change budget", change_budget_bytes as f64, "B"),
                    input("window", window_ms as f64, "ms"),
                ],
                rule: IntervalRule::ChangeBudget {
                    change_bytes_per_s: d,
                    window_ms,
                    budget_bytes: change_budget_bytes,
                    raw_s,
                    clamp,
                    min_interval_ms,
                    max_interval_ms,
                    interval_ms: ms,
                },
            }
        }
        PolicyConfig::YoungDaly {
            mtbf_s,
            min_interval_ms,
            max_interval_ms,
        } => {
            let (c, cost) = match m.checkpoint_cost_s {
                Some(c) => (c, CostSource::Measured),
                None => (m.estimated_cost_s, CostSource::Estimated),
            };
            let young = young_interval_s(c, mtbf_s);
            let daly = daly_interval_s(c, mtbf_s);
            let ms = clamp_ms(daly, min_interval_ms, max_interval_ms);
            IntervalDecision {
                interval_us: ms * 1000,
                inputs: vec![
                    input("C: checkpoint cost", c, "s"),
                    input("M: mean time between failures", mtbf_s, "s"),
                    input("Young sqrt(2CM)", young, "s"),
                    input("Daly", daly, "s"),
                ],
                rule: IntervalRule::YoungDaly {
                    cost_s: c,
                    cost,
                    mtbf_s,
                    young_s: young,
                    daly_s: daly,
                    interval_ms: ms,
                },
            }
        }
    }
}

/// Why a key group was or was not shipped by a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipReason {
    /// Full checkpoints ship every key group.
    FullCheckpoint,
    /// Incremental: changed since its chunk in the latest completed checkpoint.
    Changed,
    /// Incremental: unchanged, so the older chunk is referenced.
    Unchanged,
    /// Adaptive: never uploaded yet (or its chunk is gone), so it must be shipped.
    NeverUploaded,
    /// Adaptive: its change passed the ship threshold.
    OverThreshold,
    /// Adaptive: changed, but below the threshold; it waits and keeps its older chunk.
    BelowThreshold,
    /// Adaptive: below the threshold, but its last upload is older than the staleness bound.
    StalenessBound,
}

impl ShipReason {
    pub const ALL: [ShipReason; 7] = [
        ShipReason::FullCheckpoint,
        ShipReason::Changed,
        ShipReason::Unchanged,
        ShipReason::NeverUploaded,
        ShipReason::OverThreshold,
        ShipReason::BelowThreshold,
        ShipReason::StalenessBound,
    ];

    /// In words, for the inspector and the policy panel.
    pub fn explain(self) -> &'static str {
        match self {
            ShipReason::FullCheckpoint => "shipped: a full checkpoint ships every key group",
            ShipReason::Changed => "shipped: changed since its last completed chunk",
            ShipReason::Unchanged => "not shipped: unchanged, the older chunk is referenced",
            ShipReason::NeverUploaded => "shipped: no usable chunk of it is stored yet",
            ShipReason::OverThreshold => "shipped: its change passed the ship threshold",
            ShipReason::BelowThreshold => {
                "waiting: changed, but below the ship threshold; its older chunk stands in"
            }
            ShipReason::StalenessBound => {
                "shipped: below the threshold, but its last upload reached the staleness bound"
            }
        }
    }

    pub fn ships(self) -> bool {
        !matches!(self, ShipReason::Unchanged | ShipReason::BelowThreshold)
    }
}

/// What the key-group choice looks at for one key group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KeyGroupFacts {
    /// A usable chunk of it is stored (from the latest completed checkpoint).
    pub has_chunk: bool,
    /// Changed since that chunk was captured.
    pub dirty: bool,
    /// Snapshot bytes of the entries written since then.
    pub changed_bytes: u64,
    /// Time since that chunk was captured (`u64::MAX` without one).
    pub age_us: u64,
}

/// One key group's shipping decision at a barrier, with the facts and the policy's
/// numbers it was made on, so the inspector can say why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ShipDecision {
    pub checkpoint: u64,
    pub reason: ShipReason,
    pub facts: KeyGroupFacts,
    /// The adaptive policy's ship threshold and staleness bound; `None` for the others.
    pub threshold_bytes: Option<u64>,
    pub staleness_bound_us: Option<u64>,
}

impl ShipDecision {
    pub fn decide(
        policy: &PolicyConfig,
        incremental: bool,
        checkpoint: u64,
        facts: KeyGroupFacts,
    ) -> Self {
        let (threshold_bytes, staleness_bound_us) = match *policy {
            PolicyConfig::Adaptive {
                ship_threshold_bytes,
                max_staleness_ms,
                ..
            } => (Some(ship_threshold_bytes), Some(max_staleness_ms * 1000)),
            _ => (None, None),
        };
        Self {
            checkpoint,
            reason: decide_ship(policy, incremental, facts),
            facts,
            threshold_bytes,
            staleness_bound_us,
        }
    }
}

impl std::fmt::Display for ShipDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "checkpoint {}: {}",
            self.checkpoint,
            self.reason.explain()
        )?;
        let age = |us: u64| {
            if us == u64::MAX {
                "never".to_string()
            } else {
                format!("{:.1} s ago", us as f64 / 1e6)
            }
        };
        match self.reason {
            ShipReason::OverThreshold | ShipReason::BelowThreshold => write!(
                f,
                " ({} changed, threshold {})",
                format::bytes(self.facts.changed_bytes),
                format::bytes(self.threshold_bytes.unwrap_or(0))
            ),
            ShipReason::StalenessBound => write!(
                f,
                " (last upload captured {}, bound {:.1} s)",
                age(self.facts.age_us),
                self.staleness_bound_us.unwrap_or(0) as f64 / 1e6
            ),
            ShipReason::Changed => {
                write!(f, " ({} changed)", format::bytes(self.facts.changed_bytes))
            }
            _ => Ok(()),
        }
    }
}

pub fn decide_ship(policy: &PolicyConfig, incremental: bool, f: KeyGroupFacts) -> ShipReason {
    if !f.has_chunk {
        return if incremental || matches!(policy, PolicyConfig::Adaptive { .. }) {
            ShipReason::NeverUploaded
        } else {
            ShipReason::FullCheckpoint
        };
    }
    match *policy {
        PolicyConfig::Adaptive {
            ship_threshold_bytes,
            max_staleness_ms,
            ..
        } => {
            if !f.dirty {
                ShipReason::Unchanged
            } else if f.changed_bytes >= ship_threshold_bytes {
                ShipReason::OverThreshold
            } else if f.age_us >= max_staleness_ms * 1000 {
                ShipReason::StalenessBound
            } else {
                ShipReason::BelowThreshold
            }
        }
        _ if !incremental => ShipReason::FullCheckpoint,
        _ if f.dirty => ShipReason::Changed,
        _ => ShipReason::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn young_and_daly_match_the_formulas() {
        assert!((young_interval_s(2.0, 3600.0) - 120.0).abs() < 1e-9);
        // sqrt(2*2*3600) * (1 + sqrt(2/7200)/3 + 2/64800) - 2
        let want = 120.0 * (1.0 + (2.0f64 / 7200.0).sqrt() / 3.0 + 2.0 / 64800.0) - 2.0;
        assert!((daly_interval_s(2.0, 3600.0) - want).abs() < 1e-9);
        assert_eq!(daly_interval_s(10.0, 4.0), 4.0);
    }

    #[test]
    fn adaptive_interval_is_budget_over_rate_within_bounds() {
        let p = PolicyConfig::Adaptive {
            window_ms: 10_000,
            change_budget_bytes: 1_000_000,
            min_interval_ms: 500,
            max_interval_ms: 20_000,
            ship_threshold_bytes: 100,
            max_staleness_ms: 10_000,
        };
        let at = |d: f64| {
            decide_interval(
                &p,
                0,
                &Measured {
                    change_bytes_per_s: d,
                    ..Measured::default()
                },
            )
            .interval_us
        };
        assert_eq!(at(250_000.0), 4_000_000);
        assert_eq!(at(1e9), 500_000);
        assert_eq!(at(10.0), 20_000_000);
        assert_eq!(at(0.0), 20_000_000);
    }

    #[test]
    fn adaptive_ships_over_threshold_or_stale_only() {
        let p = PolicyConfig::default_adaptive();
        let facts = |dirty, changed_bytes, age_us| KeyGroupFacts {
            has_chunk: true,
            dirty,
            changed_bytes,
            age_us,
        };
        assert_eq!(
            decide_ship(&p, true, facts(false, 0, 0)),
            ShipReason::Unchanged
        );
        assert_eq!(
            decide_ship(&p, true, facts(true, 10, 0)),
            ShipReason::BelowThreshold
        );
        assert_eq!(
            decide_ship(&p, true, facts(true, 1 << 20, 0)),
            ShipReason::OverThreshold
        );
        assert_eq!(
            decide_ship(&p, true, facts(true, 10, 61_000_000)),
            ShipReason::StalenessBound
        );
        let none = KeyGroupFacts {
            has_chunk: false,
            ..facts(false, 0, 0)
        };
        assert_eq!(decide_ship(&p, true, none), ShipReason::NeverUploaded);
        assert_eq!(
            decide_ship(&PolicyConfig::Fixed, false, facts(false, 0, 0)),
            ShipReason::FullCheckpoint
        );
        assert_eq!(
            decide_ship(&PolicyConfig::Fixed, true, facts(true, 1, 0)),
            ShipReason::Changed
        );
    }
}
