//! A scale model 1:F: a job whose state cannot fit in a tab, run as a model that keeps
//! every key group and holds real keys for every F-th key of the key space.
//!
//! Like a wind-tunnel model, what is proportional to keys or records is divided by F and
//! what is not stays as it is, so the model's virtual durations are the real job's while
//! its bytes are 1/F of them:
//!
//! - **Keys**: key `i` of the model is the real key `i × F` (`workload.sample_every`), so
//!   the sampled keys keep their real names and lengths, and Flink's hash spreads them over
//!   every key group as it spreads the real ones. The key space is `⌈N / F⌉`.
//! - **Divided by F**: the record rate, a subtask's capacity (records/s), its channel's
//!   capacity (records, so a full channel still holds the same time), a bounded source's
//!   length, the link's bandwidth (also in a `set_bandwidth` fault), the sync phase's and
//!   the restore's MB/s, and the adaptive policy's byte budgets. Per record or per byte,
//!   each takes the same virtual time for 1/F of the work.
//! - **Kept**: key groups, parallelism, intervals, timeouts, latency, retries, the value
//!   model and the values, the key spelling, faults' times. A Zipf distribution restricted
//!   to every F-th rank is again Zipf with the same exponent, so it is kept; a hot set keeps
//!   `⌈hot / F⌉` hot keys and its share of the records.
//!
//! Figures go back up by F with the parts that do not scale counted once: each key group's
//! fixed bytes in Flink's heap format (its id and section headers, 22 B uncompressed) and
//! each subtask's serialization-proxy header. A model's record `o` stands for the real
//! record `o × F`, so an event's text carries that offset (`state/keyed.rs`). What the
//! model cannot keep: a skewed key's share of F times fewer records (a key group that
//! changes rarely in the real job changes more rarely in the model); how every F-th key
//! name compresses beside its neighbours; and the fixed bytes, which cross a link of 1/F
//! the bandwidth unscaled, adding `(F − 1) × fixed / size` to a transfer (negligible for
//! gigabytes, measured in `tests/scale_model.rs` for a small model). A scaled number is an
//! estimate and every front end says so ([`Scale::label`]).

use crate::engine::config::{Config, ConfigErrors, FieldError};
use crate::engine::faults::Fault;
use crate::engine::partitioning::workload::{
    KeyDistribution, RateProfile, SourceConfig, MAX_SAMPLE_EVERY,
};
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};
use crate::engine::sim::Simulation;
use crate::engine::state::flink_heap::HeapLayout;
use crate::engine::state::snapshot;
use crate::engine::transfer::policy::PolicyConfig;
use serde::Serialize;

/// The factor a config runs at: 1 for a run of the real job.
pub fn factor(config: &Config) -> u32 {
    config.workload.sample_every.max(1)
}

/// The config as a model at 1:`to`, from whatever factor it is at now (1: the real job).
/// The real job a model stands for has `key_space × F` keys (a real key space that `F`
/// does not divide is rounded up to the next multiple). Refused, naming
/// `workload.sample_every`, for a source that is not generated or a factor out of range;
/// the result is validated.
pub fn rescaled(config: &Config, to: u32) -> Result<Config, ConfigErrors> {
    let refuse = |message: String| {
        Err(ConfigErrors(vec![FieldError {
            field: "workload.sample_every".into(),
            message,
        }]))
    };
    if !(1..=MAX_SAMPLE_EVERY).contains(&to) {
        return refuse(format!(
            "must be between 1 (every key: no scale model) and {MAX_SAMPLE_EVERY}, got {to}"
        ));
    }
    let from = factor(config);
    let mut c = config.clone();
    let real_keys = match &mut c.workload.source {
        SourceConfig::Generated { key_space, .. } => u64::from(*key_space) * u64::from(from),
        _ if to == 1 && from == 1 => return Ok(c),
        _ => {
            return refuse(
                "a scale model samples a generated key space; a trace or the seed example brings its own keys".into(),
            )
        }
    };
    let model_keys = real_keys.div_ceil(u64::from(to));
    let Ok(model_keys) = u32::try_from(model_keys) else {
        return refuse(format!(
            "{real_keys} keys at 1:{to} leave {model_keys} keys in the model, more than it can index; take a larger factor"
        ));
    };
    // Every per-record and per-byte quantity goes from 1/from of the real job's to 1/to:
    // multiplied, then divided once, so `x / F` is the correctly rounded quotient that
    // reads back from a link's decimal text as the same number.
    let k = |x: f64| x * f64::from(from) / f64::from(to);
    let ki = |n: u64| k(n as f64).ceil().max(1.0) as u64;
    c.workload.sample_every = to;
    if let SourceConfig::Generated {
        key_space,
        distribution,
        ..
    } = &mut c.workload.source
    {
        *key_space = model_keys;
        if let KeyDistribution::HotSet { hot_keys, .. } = distribution {
            let real_hot = u64::from(*hot_keys) * u64::from(from);
            *hot_keys = (real_hot.div_ceil(u64::from(to)) as u32).clamp(1, model_keys);
        }
    }
    c.workload.rate = match c.workload.rate {
        RateProfile::Constant { records_per_s } => RateProfile::Constant {
            records_per_s: k(records_per_s),
        },
        RateProfile::Ramp {
            from_per_s,
            to_per_s,
            over_s,
        } => RateProfile::Ramp {
            from_per_s: k(from_per_s),
            to_per_s: k(to_per_s),
            over_s,
        },
        RateProfile::Bursts {
            base_per_s,
            burst_per_s,
            period_s,
            burst_s,
        } => RateProfile::Bursts {
            base_per_s: k(base_per_s),
            burst_per_s: k(burst_per_s),
            period_s,
            burst_s,
        },
    };
    c.workload.limit = c.workload.limit.map(ki);
    c.job.records_per_s_per_subtask = k(c.job.records_per_s_per_subtask);
    c.job.channel_capacity = ki(u64::from(c.job.channel_capacity)).min(u64::from(u32::MAX)) as u32;
    c.link.bandwidth_mbit_s = k(c.link.bandwidth_mbit_s);
    c.costs.sync_snapshot_mb_s = k(c.costs.sync_snapshot_mb_s);
    c.costs.restore_decode_mb_s = k(c.costs.restore_decode_mb_s);
    if let PolicyConfig::Adaptive {
        change_budget_bytes,
        ship_threshold_bytes,
        ..
    } = &mut c.checkpointing.policy
    {
        *change_budget_bytes = ki(*change_budget_bytes);
        *ship_threshold_bytes = if *ship_threshold_bytes == 0 {
            0
        } else {
            ki(*ship_threshold_bytes)
        };
    }
    for f in &mut c.faults {
        if let Fault::SetBandwidth { mbit_s } = &mut f.fault {
            *mbit_s = k(*mbit_s);
        }
    }
    c.validate()?;
    Ok(c)
}

/// How a run's figures read for the real job it models: sizes and counts ×F with the
/// fixed parts counted once, durations as they are.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scale {
    pub factor: u32,
    /// A key group's bytes without entries in its chunk under the run's codec.
    pub key_group_fixed: u64,
    /// A key group's bytes without entries, uncompressed (in the raw state size).
    pub key_group_fixed_raw: u64,
    /// A subtask's serialization-proxy header, in front of its first key group's chunk.
    pub header: u64,
}

impl Scale {
    pub fn of(sim: &Simulation) -> Self {
        Self::with(snapshot::layout(sim.workload()), sim.config())
    }

    /// From the config alone (a scale model's source is generated, so its layout is in
    /// its config): for the front end, which has the config and the view, not the run.
    pub fn for_config(config: &Config) -> Self {
        Self::with(snapshot::layout_of(&config.workload, false), config)
    }

    fn with(layout: HeapLayout, config: &Config) -> Self {
        let compression = snapshot::compression(config.checkpointing.codec);
        Self {
            factor: factor(config),
            key_group_fixed: layout.empty_key_group_len(compression) as u64,
            key_group_fixed_raw: layout.key_group_fixed_len() as u64,
            header: layout.header_len() as u64,
        }
    }

    /// A run of the real job (1:1): figures are as measured.
    pub fn is_model(&self) -> bool {
        self.factor > 1
    }

    /// "scale model 1:64".
    pub fn label(&self) -> String {
        format!("scale model 1:{}", self.factor)
    }

    /// The real job's bytes for `model` bytes that hold `key_groups` key groups' fixed parts
    /// (`fixed_each` bytes each) and `headers` subtask headers.
    pub fn bytes(&self, model: u64, key_groups: u64, fixed_each: u64, headers: u64) -> u64 {
        let fixed = key_groups * fixed_each + headers * self.header;
        fixed.min(model) + u64::from(self.factor) * model.saturating_sub(fixed)
    }

    /// The real job's raw state for the model's (`key_groups` key groups, no headers).
    pub fn state_bytes(&self, model: u64, key_groups: u64) -> u64 {
        self.bytes(model, key_groups, self.key_group_fixed_raw, 0)
    }

    /// Records, keys and other counts: ×F.
    pub fn count(&self, model: u64) -> u64 {
        model.saturating_mul(u64::from(self.factor))
    }

    /// A checkpoint's sizes for the real job. A full checkpoint holds every key group and
    /// every subtask's header; the chunks a checkpoint uploaded hold the shipped key
    /// groups' and, counted here, one header per subtask that shipped any (the header goes
    /// with the first key group of a subtask's range: within one header of exact).
    pub fn checkpoint(&self, row: &CheckpointStats) -> ScaledCheckpoint {
        let groups = u64::from(row.key_groups_shipped) + u64::from(row.key_groups_skipped);
        let shipped = u64::from(row.key_groups_shipped);
        let shipping = row
            .subtasks
            .iter()
            .filter(|s| s.key_groups_shipped > 0)
            .count() as u64;
        ScaledCheckpoint {
            id: row.id,
            checkpointed_data_size: self.bytes(
                row.checkpointed_data_size,
                shipped,
                self.key_group_fixed,
                shipping,
            ),
            full_checkpoint_size: self.bytes(
                row.full_checkpoint_size,
                groups,
                self.key_group_fixed,
                u64::from(row.parallelism),
            ),
            raw_data_size: self.bytes(
                row.raw_data_size,
                shipped,
                self.key_group_fixed_raw,
                shipping,
            ),
            end_to_end_duration_us: row.end_to_end_duration_us,
        }
    }

    /// `≈ 2.01 GiB (scale model 1:64)`, or the plain size for a 1:1 run.
    pub fn show_bytes(&self, real: u64) -> String {
        let b = crate::engine::report::format::bytes(real);
        if self.is_model() {
            format!("≈ {b} ({})", self.label())
        } else {
            b
        }
    }
}

/// A run's figures as the real job's: what the CLI prints and the tests compare with an
/// unscaled run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// "scale model 1:F", or "1:1" for a run of the real job.
    pub label: String,
    pub factor: u32,
    /// Keys in the real job (the model's × F).
    pub keys: u64,
    /// The raw (uncompressed, Flink's format) size of every key group's state.
    pub state_bytes: u64,
    pub records_processed: u64,
    pub source_offset: u64,
    /// The completed checkpoints, in order.
    pub checkpoints: Vec<ScaledCheckpoint>,
    /// `≈ 2.01 GiB (scale model 1:64)` for the state and the last completed checkpoint's
    /// full size, as the front ends show them.
    pub state_shown: String,
    pub last_full_shown: Option<String>,
}

impl Figures {
    pub fn of(sim: &Simulation) -> Self {
        let scale = Scale::of(sim);
        let max_p = sim.partitioning().max_parallelism();
        let model_state: u64 = (0..max_p)
            .map(|kg| sim.key_group_state(kg).raw_bytes())
            .sum();
        let state_bytes = scale.state_bytes(model_state, u64::from(max_p));
        let checkpoints: Vec<ScaledCheckpoint> = sim
            .history()
            .iter()
            .filter(|r| matches!(r.status, CheckpointStatus::Completed))
            .map(|r| scale.checkpoint(r))
            .collect();
        Self {
            label: if scale.is_model() {
                scale.label()
            } else {
                "1:1".into()
            },
            factor: scale.factor,
            keys: scale.count(sim.workload().keys().len() as u64),
            state_bytes,
            records_processed: scale.count(sim.records_processed()),
            source_offset: scale.count(sim.source_offset()),
            state_shown: scale.show_bytes(state_bytes),
            last_full_shown: checkpoints
                .last()
                .map(|c| scale.show_bytes(c.full_checkpoint_size)),
            checkpoints,
        }
    }
}

/// A checkpoint's sizes scaled to the real job; its duration is the model's own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScaledCheckpoint {
    pub id: u64,
    pub checkpointed_data_size: u64,
    pub full_checkpoint_size: u64,
    pub raw_data_size: u64,
    pub end_to_end_duration_us: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioning::workload::KeyKind;

    fn real() -> Config {
        let mut c = Config::default();
        c.workload.source = SourceConfig::Generated {
            key_space: 100_000,
            distribution: KeyDistribution::HotSet {
                hot_keys: 512,
                hot_fraction: 0.9,
            },
            key_kind: KeyKind::String,
        };
        c.workload.rate = RateProfile::Constant {
            records_per_s: 50_000.0,
        };
        c.job.records_per_s_per_subtask = 20_000.0;
        c
    }

    #[test]
    fn a_model_divides_what_is_per_record_or_per_byte_and_keeps_the_rest() {
        let r = real();
        let m = rescaled(&r, 16).unwrap();
        assert_eq!(m.workload.sample_every, 16);
        let SourceConfig::Generated {
            key_space,
            distribution,
            ..
        } = &m.workload.source
        else {
            panic!("generated")
        };
        assert_eq!(*key_space, 6_250);
        assert_eq!(
            *distribution,
            KeyDistribution::HotSet {
                hot_keys: 32,
                hot_fraction: 0.9
            }
        );
        assert_eq!(m.workload.rate.peak_rate(), 50_000.0 / 16.0);
        assert_eq!(m.job.records_per_s_per_subtask, 1_250.0);
        assert_eq!(m.job.channel_capacity, 125);
        assert_eq!(m.link.bandwidth_mbit_s, r.link.bandwidth_mbit_s / 16.0);
        assert_eq!(
            m.costs.restore_decode_mb_s,
            r.costs.restore_decode_mb_s / 16.0
        );
        assert_eq!(m.checkpointing, r.checkpointing);
        assert_eq!(m.job.parallelism, r.job.parallelism);
        assert_eq!(m.link.latency_ms, r.link.latency_ms);
        // And back to the real job (exactly, as 16 divides the key and hot-key counts;
        // otherwise counts round up to a multiple of the factor).
        let back = rescaled(&m, 1).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn a_model_is_refused_by_field_for_a_trace_or_a_factor_out_of_range() {
        let mut c = real();
        let e = rescaled(&c, 0).unwrap_err();
        assert_eq!(e.0[0].field, "workload.sample_every");
        let e = rescaled(&c, MAX_SAMPLE_EVERY + 1).unwrap_err();
        assert_eq!(e.0[0].field, "workload.sample_every");
        c.workload.source = SourceConfig::SeedExample;
        let e = rescaled(&c, 4).unwrap_err();
        assert_eq!(e.0[0].field, "workload.sample_every");
        assert!(rescaled(&c, 1).is_ok());
        // The field itself, written by hand on a trace, is refused by validation.
        c.workload.sample_every = 4;
        let e = c.validate().unwrap_err();
        assert!(
            e.0.iter().any(|f| f.field == "workload.sample_every"),
            "{e}"
        );
    }

    #[test]
    fn fixed_parts_are_counted_once() {
        let s = Scale {
            factor: 10,
            key_group_fixed: 22,
            key_group_fixed_raw: 22,
            header: 1_000,
        };
        // 2 key groups (44 B fixed), one header, 100 B of entries.
        assert_eq!(s.bytes(1_144, 2, 22, 1), 1_044 + 10 * 100);
        assert_eq!(s.show_bytes(2_048), "≈ 2.00 KiB (scale model 1:10)");
        let one = Scale { factor: 1, ..s };
        assert_eq!(one.bytes(1_144, 2, 22, 1), 1_144);
        assert_eq!(one.show_bytes(2_048), "2.00 KiB");
    }
}
