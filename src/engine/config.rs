//! One serde struct for a whole run, validated field by field.
//!
//! Read a config with [`Config::from_json`] (text) or [`Config::from_value`]: they fill
//! omitted fields with defaults at every level, refuse fields and kinds the config does not
//! have, and validate, naming each bad field by its dotted path (`json.rs` says why serde's
//! derive alone is not enough).

mod json;

use super::faults::{Fault, ScheduledFault};
use crate::engine::partitioning::keygroups::{Partitioning, UPPER_BOUND_MAX_PARALLELISM};
use crate::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel, WorkloadConfig,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub seed: u64,
    pub workload: WorkloadConfig,
    pub job: JobConfig,
    pub checkpointing: CheckpointingConfig,
    pub link: LinkConfig,
    pub costs: CostConfig,
    /// Longest stretch of virtual time the data plane advances in one go, in µs.
    pub tick_us: u64,
    /// Faults to inject, by virtual time.
    pub faults: Vec<ScheduledFault>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobConfig {
    /// `parallelism.default` of the keyed operator.
    pub parallelism: u32,
    /// `pipeline.max-parallelism`, the number of key groups; none: Flink's default rule.
    pub max_parallelism: Option<u32>,
    /// Records one subtask can process per virtual second.
    pub records_per_s_per_subtask: f64,
    /// Records a subtask's input channel buffers before the source is backpressured.
    pub channel_capacity: u32,
    /// Delay before a failed job restarts (Flink's fixed-delay restart strategy).
    pub restart_delay_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckpointingConfig {
    /// `execution.checkpointing.interval`; none: checkpointing off.
    pub interval_ms: Option<u64>,
    /// `execution.checkpointing.min-pause`.
    pub min_pause_ms: u64,
    /// `execution.checkpointing.timeout`.
    pub timeout_ms: u64,
    /// `execution.checkpointing.max-concurrent-checkpoints`.
    pub max_concurrent: u32,
    /// `execution.checkpointing.tolerable-failed-checkpoints`.
    pub tolerable_failed: u32,
    /// `execution.checkpointing.num-retained`.
    pub num_retained: u32,
    /// `execution.checkpointing.incremental`.
    pub incremental: bool,
    /// Chunk codec; Flink's `snapshot-compression: true` is Snappy.
    pub codec: Codec,
    /// When to checkpoint and which key groups to ship.
    pub policy: PolicyConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// Bandwidth between the job and the checkpoint store, each direction.
    pub bandwidth_mbit_s: f64,
    /// One-way latency added to every transfer.
    pub latency_ms: f64,
    /// Chance that a transfer is lost on the way (then retried).
    pub drop_probability: f64,
    /// First retry delay after a lost transfer; doubles with each further attempt.
    pub retry_backoff_ms: u64,
    /// Attempts after which an upload fails its checkpoint (a download, its restore).
    pub max_retries: u32,
}

/// CPU costs the simulation charges in virtual time. The bytes are really encoded; how
/// long that takes on a TaskManager is a model parameter, not a measurement of this machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostConfig {
    /// Synchronous phase: copy-on-write snapshot of a subtask's state, MB/s of raw state.
    pub sync_snapshot_mb_s: f64,
    /// Restore: decode and verify chunks, MB/s of raw state.
    pub restore_decode_mb_s: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: 42,
            workload: WorkloadConfig::default(),
            job: JobConfig::default(),
            checkpointing: CheckpointingConfig::default(),
            link: LinkConfig::default(),
            costs: CostConfig::default(),
            tick_us: 1_000,
            faults: Vec::new(),
        }
    }
}

impl Default for WorkloadConfig {
    /// Defaults that teach: a hot set (50 of 10 000 keys take 90 % of the records) at 100
    /// records/s, slow enough to follow single records at 1×; between two checkpoints
    /// the hot keys' key groups change while most others do not, so "changed" and
    /// "shipped only what changed" show (a test in `tests/defaults.rs` checks the share).
    fn default() -> Self {
        Self {
            source: SourceConfig::Generated {
                key_space: 10_000,
                distribution: KeyDistribution::HotSet {
                    hot_keys: 50,
                    hot_fraction: 0.9,
                },
                key_kind: KeyKind::String,
            },
            rate: RateProfile::Constant {
                records_per_s: 100.0,
            },
            value_model: ValueModel::Events { keep: 4 },
            limit: None,
            key_format: Default::default(),
            values: Default::default(),
            sample_every: 1,
        }
    }
}

impl Default for JobConfig {
    fn default() -> Self {
        Self {
            parallelism: 4,
            max_parallelism: Some(128),
            records_per_s_per_subtask: 4_000.0,
            channel_capacity: 2_000,
            restart_delay_ms: 500,
        }
    }
}

impl Default for CheckpointingConfig {
    fn default() -> Self {
        Self {
            interval_ms: Some(2_000),
            min_pause_ms: 0,
            timeout_ms: 600_000,
            max_concurrent: 1,
            tolerable_failed: 0,
            num_retained: 1,
            // Flink's default is false; on, unchanged key groups are referenced rather
            // than shipped again, which is what the lab shows (the panel says so).
            incremental: true,
            codec: Codec::Snappy,
            policy: PolicyConfig::Fixed,
        }
    }
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            bandwidth_mbit_s: 100.0,
            latency_ms: 5.0,
            drop_probability: 0.0,
            retry_backoff_ms: 50,
            max_retries: 5,
        }
    }
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            sync_snapshot_mb_s: 2_000.0,
            restore_decode_mb_s: 400.0,
        }
    }
}

/// Every kind of source, with the values a config's omitted fields take for it. Each
/// `*_kinds` list is what the config reader accepts as `kind` at that place.
pub fn source_kinds() -> Vec<SourceConfig> {
    let all = vec![
        WorkloadConfig::default().source,
        SourceConfig::SeedExample,
        SourceConfig::Trace,
    ];
    // A new kind stops this match from compiling until it is listed above too.
    for k in &all {
        match k {
            SourceConfig::Generated { .. } | SourceConfig::SeedExample | SourceConfig::Trace => {}
        }
    }
    all
}

pub fn distribution_kinds() -> Vec<KeyDistribution> {
    let all = vec![
        KeyDistribution::Uniform,
        KeyDistribution::Zipf { exponent: 1.0 },
        // The default source's: 50 of the default 10 000 keys take 90 % of the records
        // (the Workload panel picks key space / 200 and 90 % too).
        KeyDistribution::HotSet {
            hot_keys: 50,
            hot_fraction: 0.9,
        },
        KeyDistribution::RoundRobin,
    ];
    for k in &all {
        match k {
            KeyDistribution::Uniform
            | KeyDistribution::Zipf { .. }
            | KeyDistribution::HotSet { .. }
            | KeyDistribution::RoundRobin => {}
        }
    }
    all
}

pub fn rate_kinds() -> Vec<RateProfile> {
    // Around 5 000 records/s, where the tuning workloads run (the default constant rate
    // is lower, to be followed by eye).
    let all = vec![
        WorkloadConfig::default().rate,
        RateProfile::Ramp {
            from_per_s: 5_000.0,
            to_per_s: 15_000.0,
            over_s: 30.0,
        },
        RateProfile::Bursts {
            base_per_s: 5_000.0,
            burst_per_s: 20_000.0,
            period_s: 10.0,
            burst_s: 2.0,
        },
    ];
    for k in &all {
        match k {
            RateProfile::Constant { .. }
            | RateProfile::Ramp { .. }
            | RateProfile::Bursts { .. } => {}
        }
    }
    all
}

pub fn value_model_kinds() -> Vec<ValueModel> {
    let all = vec![
        ValueModel::Counter,
        ValueModel::Events { keep: 4 },
        ValueModel::RandomBytes { len: 64 },
    ];
    for k in &all {
        match k {
            ValueModel::Counter | ValueModel::Events { .. } | ValueModel::RandomBytes { .. } => {}
        }
    }
    all
}

pub fn policy_kinds() -> Vec<PolicyConfig> {
    let all = vec![
        PolicyConfig::Fixed,
        PolicyConfig::default_adaptive(),
        PolicyConfig::default_young_daly(),
    ];
    for k in &all {
        match k {
            PolicyConfig::Fixed
            | PolicyConfig::Adaptive { .. }
            | PolicyConfig::YoungDaly { .. } => {}
        }
    }
    all
}

/// One invalid field: its dotted path and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<FieldError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Memory is linear in the keys (a few bytes each beyond their state), so the bound is
/// about run time and key group counts, not memory: `memory::estimate` is what refuses a
/// configuration a browser tab cannot hold.
pub const MAX_KEY_SPACE: u32 = 1 << 24;
pub const MAX_PARALLELISM_IN_LAB: u32 = 256;
const MAX_RATE: f64 = 10_000_000.0;

struct Check(Vec<FieldError>);

impl Check {
    fn range<T: PartialOrd + fmt::Display + Copy>(
        &mut self,
        field: &str,
        v: T,
        lo: T,
        hi: T,
        unit: &str,
    ) {
        // `!(lo <= v)` rather than `v < lo` so that NaN is rejected too.
        if !(lo <= v && v <= hi) {
            self.0.push(FieldError {
                field: field.to_string(),
                message: format!("must be between {lo} and {hi}{unit}, got {v}"),
            });
        }
    }

    fn fail(&mut self, field: &str, message: String) {
        self.0.push(FieldError {
            field: field.to_string(),
            message,
        });
    }
}

/// The bounds every adaptive interval lives within: both positive, max at least min.
fn check_interval_bounds(c: &mut Check, min_interval_ms: u64, max_interval_ms: u64) {
    c.range(
        "checkpointing.policy.min_interval_ms",
        min_interval_ms,
        10,
        86_400_000,
        " ms",
    );
    c.range(
        "checkpointing.policy.max_interval_ms",
        max_interval_ms,
        min_interval_ms.max(10),
        86_400_000,
        " ms (at least the minimum)",
    );
}

/// Parses JSON text as the config reader does (a key given twice in one object is refused;
/// a syntax error names its line and column), for documents read beside a config.
pub fn parse_json(text: &str) -> Result<serde_json::Value, ConfigErrors> {
    json::parse_text(text)
}

impl Config {
    /// Every rule: the settings, and that each scheduled fault can apply to the job.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        self.check(true)
    }

    /// The settings' rules only. A running job's config follows its rescales, so its
    /// parallelism is no longer the one its fault schedule was checked against at the
    /// start; a settings change under a running job (which cannot change the schedule)
    /// is checked with this.
    pub fn validate_settings(&self) -> Result<(), ConfigErrors> {
        self.check(false)
    }

    fn check(&self, with_faults: bool) -> Result<(), ConfigErrors> {
        let mut c = Check(Vec::new());
        let w = &self.workload;
        match &w.source {
            SourceConfig::Generated {
                key_space,
                distribution,
                ..
            } => {
                c.range(
                    "workload.source.key_space",
                    *key_space,
                    1,
                    MAX_KEY_SPACE,
                    " keys",
                );
                match distribution {
                    KeyDistribution::Uniform | KeyDistribution::RoundRobin => {}
                    KeyDistribution::Zipf { exponent } => c.range(
                        "workload.source.distribution.exponent",
                        *exponent,
                        0.0,
                        5.0,
                        "",
                    ),
                    KeyDistribution::HotSet {
                        hot_keys,
                        hot_fraction,
                    } => {
                        c.range(
                            "workload.source.distribution.hot_keys",
                            *hot_keys,
                            1,
                            *key_space,
                            " keys",
                        );
                        c.range(
                            "workload.source.distribution.hot_fraction",
                            *hot_fraction,
                            0.0,
                            1.0,
                            "",
                        );
                    }
                }
            }
            SourceConfig::SeedExample | SourceConfig::Trace => {}
        }
        for (field, message) in w.check_generation() {
            c.0.push(FieldError {
                field: format!("workload.{field}"),
                message,
            });
        }
        match w.rate {
            RateProfile::Constant { records_per_s } => c.range(
                "workload.rate.records_per_s",
                records_per_s,
                0.0,
                MAX_RATE,
                " records/s",
            ),
            RateProfile::Ramp {
                from_per_s,
                to_per_s,
                over_s,
            } => {
                c.range(
                    "workload.rate.from_per_s",
                    from_per_s,
                    0.0,
                    MAX_RATE,
                    " records/s",
                );
                c.range(
                    "workload.rate.to_per_s",
                    to_per_s,
                    0.0,
                    MAX_RATE,
                    " records/s",
                );
                c.range("workload.rate.over_s", over_s, 0.001, 86_400.0, " s");
            }
            RateProfile::Bursts {
                base_per_s,
                burst_per_s,
                period_s,
                burst_s,
            } => {
                c.range(
                    "workload.rate.base_per_s",
                    base_per_s,
                    0.0,
                    MAX_RATE,
                    " records/s",
                );
                c.range(
                    "workload.rate.burst_per_s",
                    burst_per_s,
                    0.0,
                    MAX_RATE,
                    " records/s",
                );
                c.range("workload.rate.period_s", period_s, 0.001, 86_400.0, " s");
                c.range(
                    "workload.rate.burst_s",
                    burst_s,
                    0.0,
                    period_s,
                    " s (at most the period)",
                );
            }
        }
        match w.value_model {
            ValueModel::Counter => {}
            ValueModel::Events { keep } => {
                c.range("workload.value_model.keep", keep, 1, 64, " events")
            }
            ValueModel::RandomBytes { len } => {
                c.range("workload.value_model.len", len, 1, 4096, " bytes")
            }
        }
        let j = &self.job;
        // A scale model 1:F divides per-record and per-byte rates by F (`engine::scale`):
        // their lower bounds are the real job's, divided likewise.
        let per = 1.0 / f64::from(w.sample_every.max(1));
        c.range(
            "job.parallelism",
            j.parallelism,
            1,
            MAX_PARALLELISM_IN_LAB,
            "",
        );
        if let Some(m) = j.max_parallelism {
            c.range("job.max_parallelism", m, 1, UPPER_BOUND_MAX_PARALLELISM, "");
        }
        if j.parallelism >= 1 {
            if let Err(e) = Partitioning::with_default_max(j.parallelism, j.max_parallelism) {
                if matches!(
                    e,
                    crate::engine::partitioning::keygroups::PartitioningError::ParallelismAboveMax { .. }
                ) {
                    c.fail("job.parallelism", e.to_string());
                }
            }
        }
        c.range(
            "job.records_per_s_per_subtask",
            j.records_per_s_per_subtask,
            per,
            MAX_RATE,
            " records/s",
        );
        c.range(
            "job.channel_capacity",
            j.channel_capacity,
            1,
            1_000_000,
            " records",
        );
        c.range(
            "job.restart_delay_ms",
            j.restart_delay_ms,
            0,
            600_000,
            " ms",
        );
        let k = &self.checkpointing;
        if let Some(i) = k.interval_ms {
            c.range("checkpointing.interval_ms", i, 10, 86_400_000, " ms");
        }
        c.range(
            "checkpointing.min_pause_ms",
            k.min_pause_ms,
            0,
            86_400_000,
            " ms",
        );
        c.range(
            "checkpointing.timeout_ms",
            k.timeout_ms,
            10,
            86_400_000,
            " ms",
        );
        c.range("checkpointing.max_concurrent", k.max_concurrent, 1, 16, "");
        c.range(
            "checkpointing.tolerable_failed",
            k.tolerable_failed,
            0,
            1_000,
            "",
        );
        c.range("checkpointing.num_retained", k.num_retained, 1, 32, "");
        c.range(
            "link.bandwidth_mbit_s",
            self.link.bandwidth_mbit_s,
            0.001 * per,
            1_000_000.0,
            " Mbit/s",
        );
        c.range(
            "link.latency_ms",
            self.link.latency_ms,
            0.0,
            60_000.0,
            " ms",
        );
        c.range(
            "costs.sync_snapshot_mb_s",
            self.costs.sync_snapshot_mb_s,
            per,
            1_000_000.0,
            " MB/s",
        );
        c.range(
            "costs.restore_decode_mb_s",
            self.costs.restore_decode_mb_s,
            per,
            1_000_000.0,
            " MB/s",
        );
        c.range("tick_us", self.tick_us, 10, 1_000_000, " µs");
        c.range(
            "link.drop_probability",
            self.link.drop_probability,
            0.0,
            0.9,
            "",
        );
        c.range(
            "link.retry_backoff_ms",
            self.link.retry_backoff_ms,
            1,
            60_000,
            " ms",
        );
        c.range("link.max_retries", self.link.max_retries, 0, 20, "");
        self.validate_policy(&mut c);
        if with_faults {
            self.validate_faults(&mut c);
        }
        if c.0.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(c.0))
        }
    }

    fn validate_policy(&self, c: &mut Check) {
        let k = &self.checkpointing;
        match k.policy {
            PolicyConfig::Fixed => {}
            PolicyConfig::Adaptive {
                window_ms,
                change_budget_bytes,
                min_interval_ms,
                max_interval_ms,
                ship_threshold_bytes,
                max_staleness_ms,
            } => {
                c.range(
                    "checkpointing.policy.window_ms",
                    window_ms,
                    100,
                    3_600_000,
                    " ms",
                );
                c.range(
                    "checkpointing.policy.change_budget_bytes",
                    change_budget_bytes,
                    1,
                    1 << 40,
                    " B",
                );
                check_interval_bounds(c, min_interval_ms, max_interval_ms);
                c.range(
                    "checkpointing.policy.ship_threshold_bytes",
                    ship_threshold_bytes,
                    0,
                    1 << 40,
                    " B",
                );
                c.range(
                    "checkpointing.policy.max_staleness_ms",
                    max_staleness_ms,
                    10,
                    86_400_000,
                    " ms",
                );
                if !k.incremental {
                    c.fail(
                        "checkpointing.incremental",
                        "the adaptive policy ships only some key groups and shares the others' older chunks, so it needs incremental checkpoints".into(),
                    );
                }
            }
            PolicyConfig::YoungDaly {
                mtbf_s,
                min_interval_ms,
                max_interval_ms,
            } => {
                c.range("checkpointing.policy.mtbf_s", mtbf_s, 1.0, 1e9, " s");
                check_interval_bounds(c, min_interval_ms, max_interval_ms);
            }
        }
    }

    /// Each scheduled fault must be able to apply to the job this config describes: a
    /// subtask that exists at the fault's time (after the scheduled rescales before it),
    /// a key group below the max parallelism, a chunk that a checkpoint can have written.
    fn validate_faults(&self, c: &mut Check) {
        // The key groups never change (a rescale keeps the max parallelism); none: the
        // job settings are invalid and say so themselves.
        let max_p = Partitioning::with_default_max(self.job.parallelism, self.job.max_parallelism)
            .ok()
            .map(|p| p.max_parallelism());
        // The simulation fires faults in time order, those at the same time in list order.
        let mut order: Vec<usize> = (0..self.faults.len()).collect();
        order.sort_by_key(|&i| self.faults[i].at_ms);
        // The parallelism at the current point of the schedule, and the rescale that set it.
        let mut parallelism = (self.job.parallelism, None::<(usize, u64)>);
        for i in order {
            let f = &self.faults[i];
            let field = |name: &str| format!("faults[{i}].fault.{name}");
            c.range(&format!("faults[{i}].at_ms"), f.at_ms, 0, 86_400_000, " ms");
            match &f.fault {
                Fault::CrashSubtask { subtask } => {
                    let (p, set_by) = parallelism;
                    if *subtask >= p {
                        let why = match set_by {
                            None => format!("the job has {p} subtasks (job.parallelism)"),
                            Some((j, at)) => format!(
                                "the job has {p} subtasks then (faults[{j}] rescales to {p} at {at} ms)"
                            ),
                        };
                        c.fail(
                            &field("subtask"),
                            format!(
                                "must be between 0 and {}: {why}, got {subtask}",
                                p.saturating_sub(1)
                            ),
                        );
                    }
                }
                Fault::Rescale { parallelism: to } => {
                    let hi = MAX_PARALLELISM_IN_LAB.min(max_p.unwrap_or(MAX_PARALLELISM_IN_LAB));
                    if (1..=hi).contains(to) {
                        parallelism = (*to, Some((i, f.at_ms)));
                    } else {
                        c.fail(
                            &field("parallelism"),
                            format!(
                                "must be between 1 and {hi} (at most the max parallelism{}), got {to}",
                                max_p.map_or(String::new(), |m| format!(", {m}"))
                            ),
                        );
                    }
                }
                Fault::DropTransfers { count } => c.range(&field("count"), *count, 1, 1_000, ""),
                Fault::LinkOutage { duration_ms } | Fault::StoreUnavailable { duration_ms } => {
                    c.range(&field("duration_ms"), *duration_ms, 1, 3_600_000, " ms")
                }
                Fault::LatencySpike {
                    latency_ms,
                    duration_ms,
                } => {
                    c.range(&field("latency_ms"), *latency_ms, 0.0, 60_000.0, " ms");
                    c.range(&field("duration_ms"), *duration_ms, 1, 3_600_000, " ms");
                }
                Fault::SetBandwidth { mbit_s } => {
                    // A scale model's bandwidths are divided by its factor (`engine::scale`).
                    let per = 1.0 / f64::from(self.workload.sample_every.max(1));
                    c.range(
                        &field("mbit_s"),
                        *mbit_s,
                        0.001 * per,
                        1_000_000.0,
                        " Mbit/s",
                    )
                }
                Fault::CorruptChunk { key_group } | Fault::LoseChunk { key_group } => {
                    let groups = max_p.unwrap_or(UPPER_BOUND_MAX_PARALLELISM);
                    if *key_group >= groups {
                        c.fail(
                            &field("key_group"),
                            format!(
                                "must be between 0 and {}: the job has {groups} key groups (job.max_parallelism), got {key_group}",
                                groups - 1
                            ),
                        );
                    }
                    if self.checkpointing.interval_ms.is_none() {
                        c.fail(
                            &field("kind"),
                            "checkpointing is off (checkpointing.interval_ms is none), so no checkpoint will hold a chunk to damage".into(),
                        );
                    }
                }
                Fault::CrashJob => {}
            }
        }
    }

    pub fn partitioning(&self) -> Result<Partitioning, ConfigErrors> {
        Partitioning::with_default_max(self.job.parallelism, self.job.max_parallelism).map_err(
            |e| {
                ConfigErrors(vec![FieldError {
                    field: "job.max_parallelism".into(),
                    message: e.to_string(),
                }])
            },
        )
    }

    /// Parses JSON text and validates it: the one way a config file is read.
    pub fn from_json(text: &str) -> Result<Self, ConfigErrors> {
        Self::from_value(&parse_json(text)?)
    }

    /// Reads a JSON value and validates it, naming the field of any error.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, ConfigErrors> {
        let config = Self::from_value_unvalidated(value)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a JSON value without checking the rules (ranges, fields that must agree):
    /// defaults filled in, unknown fields and kinds refused, types checked. For callers
    /// that validate themselves, like the URL reader, which drops refused settings one
    /// by one.
    pub fn from_value_unvalidated(value: &serde_json::Value) -> Result<Self, ConfigErrors> {
        json::read(value)
    }
}
