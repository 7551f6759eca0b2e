//! From a job's REST answers to a lab `Config` that matches it, every value with where it
//! came from, and a list of what the answers cannot tell.
//!
//! The keyed vertex is the one holding the most state in the latest checkpoint's details
//! (a source's split state is a few hundred bytes). The real figures the comparison uses
//! are that vertex's sizes where the details give them, else the whole job's.

use super::format::{estimate_keys, Layout};
use super::rest::{Checkpoint, FlinkAnswers, Vertex};
use crate::engine::config::{Config, MAX_KEY_SPACE, MAX_PARALLELISM_IN_LAB};
use crate::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;
use serde::Serialize;
use std::fmt;

/// The user-config key under which a job exported by `statelab-cli export-flink-job`
/// carries the lab config it was exported from.
pub const EXPORTED_CONFIG_KEY: &str = "statelab.config";

/// The state backend named by `/checkpoints/config`'s `state_backend`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    HashMap,
    RocksDb,
    ForSt,
    Other(String),
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::HashMap => f.write_str("hashmap"),
            Backend::RocksDb => f.write_str("rocksdb"),
            Backend::ForSt => f.write_str("forst"),
            Backend::Other(s) => write!(f, "{s}"),
        }
    }
}

/// Where one calibrated value came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Read from a file's field (JSON path).
    Field { file: String, field: String },
    /// Derived from several fields by a formula.
    Derived { from: String, how: String },
    /// Estimated: the answers do not give it.
    Estimated { because: String },
    /// Told by the engineer (what they know of the job that REST cannot show).
    Given { by: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Field { file, field } => write!(f, "{file}: {field}"),
            Source::Derived { from, how } => write!(f, "from {from}: {how}"),
            Source::Estimated { because } => write!(f, "estimated because {because}"),
            Source::Given { by } => write!(f, "given by {by}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Provenance {
    /// The config field (dotted path) or calibration fact it is about.
    pub setting: String,
    pub value: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotInferred {
    pub what: String,
    pub why: String,
    /// The config fields (dotted paths) this gap leaves at a guess: telling the lab all of
    /// them (`--workload`) closes it.
    pub settings: Vec<String>,
}

/// One completed checkpoint as real Flink reported it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RealCheckpoint {
    pub id: u64,
    /// Trigger time after the job started running, s.
    pub trigger_at_s: Option<f64>,
    pub state_size: u64,
    pub checkpointed_size: u64,
    pub end_to_end_duration_ms: u64,
    /// Whether the sizes are the keyed vertex's alone (from details) or the whole job's.
    pub keyed_only: bool,
}

/// What real Flink measured, for the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RealFigures {
    pub job_state: String,
    /// Running time covered by the answers (RUNNING to the end, or to `now`), s.
    pub running_s: f64,
    pub completed: u64,
    pub failed: u64,
    /// Completed checkpoints, oldest first: every one with details if the answers have
    /// them (`checkpoint-details-all.json`), else the REST history (the last 10).
    pub checkpoints: Vec<RealCheckpoint>,
    pub keyed_vertex: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    pub config: Config,
    pub backend: Backend,
    pub provenance: Vec<Provenance>,
    pub not_inferred: Vec<NotInferred>,
    pub real: RealFigures,
}

/// Why a calibration could not be made from answers that loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalibrationError {
    pub file: String,
    pub field: String,
    pub message: String,
}

impl fmt::Display for CalibrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.field, self.message)
    }
}

impl std::error::Error for CalibrationError {}

struct Builder {
    provenance: Vec<Provenance>,
    not_inferred: Vec<NotInferred>,
}

impl Builder {
    fn set(&mut self, setting: &str, value: impl fmt::Display, source: Source) {
        self.provenance.push(Provenance {
            setting: setting.into(),
            value: value.to_string(),
            source,
        });
    }

    fn missing(&mut self, what: &str, why: impl Into<String>) {
        self.missing_for(&[], what, why);
    }

    fn missing_for(&mut self, settings: &[&str], what: &str, why: impl Into<String>) {
        self.not_inferred.push(NotInferred {
            what: what.into(),
            why: why.into(),
            settings: settings.iter().map(|s| s.to_string()).collect(),
        });
    }
}

fn field(file: &str, field: impl Into<String>) -> Source {
    Source::Field {
        file: file.into(),
        field: field.into(),
    }
}

fn estimated(because: impl Into<String>) -> Source {
    Source::Estimated {
        because: because.into(),
    }
}

fn derived(from: impl Into<String>, how: impl Into<String>) -> Source {
    Source::Derived {
        from: from.into(),
        how: how.into(),
    }
}

/// A `/checkpoints/config` field, or Flink's default when the answer leaves it out.
fn from_config(b: &mut Builder, setting: &str, name: &str, v: Option<u64>, default: u64) -> u64 {
    let file = "checkpoints-config.json";
    match v {
        Some(x) => {
            b.set(setting, x, field(file, name));
            x
        }
        None => {
            b.set(
                setting,
                default,
                estimated(format!("{file} has no `{name}`: Flink's default")),
            );
            default
        }
    }
}

/// The job's running time: from RUNNING to the first end state after it, or to `now`.
fn running_window(a: &FlinkAnswers) -> Option<(i64, i64, &'static str)> {
    let t = &a.job.timestamps;
    let running = *t.get("RUNNING").filter(|v| **v > 0)?;
    let end = [
        "CANCELLING",
        "FAILING",
        "FINISHED",
        "CANCELED",
        "FAILED",
        "SUSPENDED",
    ]
    .iter()
    .filter_map(|k| t.get(*k).filter(|v| **v >= running).map(|v| (*v, *k)))
    .min();
    match end {
        Some((e, k)) => Some((running, e, k)),
        None => a
            .job
            .now
            .filter(|n| *n > running)
            .map(|n| (running, n, "now")),
    }
}

/// The vertex with the most state in the latest details, or the non-source vertex with
/// the largest parallelism when there are no details.
fn keyed_vertex(a: &FlinkAnswers) -> (&Vertex, Source) {
    let latest = a.details.values().next_back();
    if let Some(d) = latest {
        if let Some((vid, _)) = d
            .tasks
            .iter()
            .max_by_key(|(_, t)| t.state_size.unwrap_or(0))
        {
            if let Some(v) = a.job.vertices.iter().find(|v| &v.id == vid) {
                return (
                    v,
                    derived(
                        format!("checkpoint-details of checkpoint {}", d.id),
                        "the vertex with the largest tasks.<vid>.state_size",
                    ),
                );
            }
        }
    }
    if let Some(s) = a
        .subtasks
        .iter()
        .max_by_key(|s| s.task.state_size.unwrap_or(0))
    {
        if let Some(v) = a.job.vertices.iter().find(|v| v.id == s.vertex_id) {
            return (
                v,
                derived(
                    "checkpoint-subtasks-latest-*.json",
                    "the vertex with the largest state_size",
                ),
            );
        }
    }
    let v = a
        .job
        .vertices
        .iter()
        .filter(|v| !v.name.starts_with("Source:"))
        .max_by_key(|v| v.parallelism)
        .unwrap_or(&a.job.vertices[0]);
    (
        v,
        estimated("no checkpoint details: the non-source vertex with the largest parallelism"),
    )
}

fn real_checkpoints(a: &FlinkAnswers, vid: &str, running_at: Option<i64>) -> Vec<RealCheckpoint> {
    let at = |c: &Checkpoint| {
        running_at
            .zip(c.trigger_timestamp)
            .map(|(r, t)| (t - r) as f64 / 1000.0)
    };
    let from_details: Vec<RealCheckpoint> = a
        .details
        .values()
        .filter(|c| c.status == "COMPLETED")
        .filter_map(|c| {
            let t = c.tasks.get(vid)?;
            Some(RealCheckpoint {
                id: c.id,
                trigger_at_s: at(c),
                state_size: t.state_size?,
                checkpointed_size: t.checkpointed_size.or(t.state_size)?,
                end_to_end_duration_ms: c.end_to_end_duration?,
                keyed_only: true,
            })
        })
        .collect();
    let mut all: std::collections::BTreeMap<u64, RealCheckpoint> =
        from_details.into_iter().map(|c| (c.id, c)).collect();
    // The history fills in checkpoints without details, with the whole job's sizes.
    for c in a
        .checkpoints
        .history
        .iter()
        .chain(a.checkpoints.latest_completed.iter())
    {
        if c.status != "COMPLETED" || all.contains_key(&c.id) {
            continue;
        }
        if let (Some(s), Some(d)) = (c.state_size, c.end_to_end_duration) {
            all.insert(
                c.id,
                RealCheckpoint {
                    id: c.id,
                    trigger_at_s: at(c),
                    state_size: s,
                    checkpointed_size: c.checkpointed_size.unwrap_or(s),
                    end_to_end_duration_ms: d,
                    keyed_only: false,
                },
            );
        }
    }
    all.into_values().collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Derives a lab config from a job's answers.
pub fn calibrate(a: &FlinkAnswers) -> Result<Calibration, CalibrationError> {
    let mut b = Builder {
        provenance: Vec::new(),
        not_inferred: Vec::new(),
    };
    let mut config = Config::default();
    if a.job.vertices.is_empty() {
        return Err(CalibrationError {
            file: "job.json".into(),
            field: "vertices".into(),
            message: "the job has no vertices".into(),
        });
    }
    let user = a
        .job_config
        .as_ref()
        .map(|c| c.user_config.clone())
        .unwrap_or_default();
    let user_field = |k: &str| {
        field(
            "job-config.json",
            format!("execution-config.user-config.{k}"),
        )
    };

    // A job exported by the lab says what it runs.
    let exported = match user.get(EXPORTED_CONFIG_KEY) {
        Some(text) => Some(Config::from_json(text).map_err(|e| CalibrationError {
            file: "job-config.json".into(),
            field: format!("execution-config.user-config.{EXPORTED_CONFIG_KEY}"),
            message: format!("not a statelab config: {e}"),
        })?),
        None => None,
    };

    let (vertex, vertex_source) = keyed_vertex(a);
    let vi = a
        .job
        .vertices
        .iter()
        .position(|v| v.id == vertex.id)
        .unwrap_or(0);
    b.set("keyed vertex", &vertex.name, vertex_source);

    // Parallelism and key groups.
    let p = vertex.parallelism.clamp(1, MAX_PARALLELISM_IN_LAB);
    config.job.parallelism = p;
    b.set(
        "job.parallelism",
        p,
        field("job.json", format!("vertices[{vi}].parallelism")),
    );
    if p != vertex.parallelism {
        b.missing(
            "parallelism",
            format!(
                "the job runs {} subtasks; the lab simulates at most {MAX_PARALLELISM_IN_LAB}",
                vertex.parallelism
            ),
        );
    }
    match vertex
        .max_parallelism
        .or(a.job.max_parallelism.filter(|m| *m > 0).map(|m| m as u32))
    {
        Some(m) => {
            config.job.max_parallelism = Some(m);
            b.set(
                "job.max_parallelism",
                m,
                field("job.json", format!("vertices[{vi}].maxParallelism")),
            );
        }
        None => {
            config.job.max_parallelism = None;
            b.set(
                "job.max_parallelism",
                "Flink's default rule",
                estimated("job.json gives no maxParallelism"),
            );
        }
    }

    // Checkpoint settings.
    let cc = &a.checkpoint_config;
    let cfile = "checkpoints-config.json";
    // Flink writes Long.MAX_VALUE as the interval when checkpointing is off.
    config.checkpointing.interval_ms = (cc.interval < i64::MAX as u64).then_some(cc.interval);
    b.set(
        "checkpointing.interval_ms",
        config
            .checkpointing
            .interval_ms
            .map_or("none (off)".to_string(), |i| i.to_string()),
        field(cfile, "interval"),
    );
    let c = &mut config.checkpointing;
    c.min_pause_ms = from_config(
        &mut b,
        "checkpointing.min_pause_ms",
        "min_pause",
        cc.min_pause,
        0,
    );
    c.timeout_ms = from_config(
        &mut b,
        "checkpointing.timeout_ms",
        "timeout",
        cc.timeout,
        600_000,
    );
    c.max_concurrent = from_config(
        &mut b,
        "checkpointing.max_concurrent",
        "max_concurrent",
        cc.max_concurrent.map(u64::from),
        1,
    ) as u32;
    c.tolerable_failed = from_config(
        &mut b,
        "checkpointing.tolerable_failed",
        "tolerable_failed_checkpoints",
        cc.tolerable_failed_checkpoints.map(u64::from),
        0,
    ) as u32;
    config.checkpointing.policy = PolicyConfig::Fixed;
    b.set(
        "checkpointing.policy",
        "fixed",
        derived(cfile, "Flink checkpoints at a fixed interval"),
    );
    const RETAINED: &str = "execution.checkpointing.num-retained";
    match user.get(RETAINED).map(|v| v.trim().parse::<u32>()) {
        Some(Ok(n)) => {
            config.checkpointing.num_retained = n.clamp(1, 32);
            b.set("checkpointing.num_retained", n, user_field(RETAINED));
        }
        _ => {
            config.checkpointing.num_retained = 1;
            b.missing(
                "num-retained",
                "the REST answers do not show it (and Flink reads it from the cluster config only); the lab keeps Flink's default 1, which changes what the store holds, not checkpoint sizes",
            );
        }
    }

    // Backend, incremental, compression.
    let backend = match cc.state_backend.as_deref() {
        Some("HashMapStateBackend") => Backend::HashMap,
        Some("EmbeddedRocksDBStateBackend") | Some("RocksDBStateBackend") => Backend::RocksDb,
        Some("ForStStateBackend") => Backend::ForSt,
        Some(other) => Backend::Other(other.to_string()),
        None => Backend::HashMap,
    };
    if cc.state_backend.is_some() {
        b.set("backend", &backend, field(cfile, "state_backend"));
    } else {
        b.set(
            "backend",
            &backend,
            estimated(format!(
                "{cfile} has no state_backend: Flink's default hashmap"
            )),
        );
    }
    if backend != Backend::HashMap {
        b.missing(
            "the backend's own layout",
            format!(
                "the lab keeps state per key group in memory and ships key-group chunks; {backend}'s files (memtable flushes, level-0 SSTs, compactions: a full size that grows in steps and drops) are not modelled, so its sizes follow the lab's layout"
            ),
        );
    }
    if cc.state_changelog_enabled == Some(true) {
        b.missing(
            "changelog",
            "state_changelog_enabled is true; the lab does not model the changelog (FLIP-158)",
        );
    }
    if cc.unaligned_checkpoints == Some(true) {
        b.missing(
            "unaligned checkpoints",
            "unaligned_checkpoints is true; the lab's subtasks have one input channel each, so barriers never wait for alignment and in-flight data is not persisted",
        );
    }
    let reals = {
        let running = running_window(a).map(|w| w.0);
        real_checkpoints(a, &vertex.id, running)
    };
    const INCREMENTAL: &str = "execution.checkpointing.incremental";
    let delta = reals
        .iter()
        .filter(|c| c.checkpointed_size < c.state_size)
        .count();
    config.checkpointing.incremental = match user.get(INCREMENTAL) {
        Some(v) => {
            let on = v.trim().eq_ignore_ascii_case("true");
            b.set("checkpointing.incremental", on, user_field(INCREMENTAL));
            on
        }
        None if !reals.is_empty() => {
            let on = delta > 0;
            b.set(
                "checkpointing.incremental",
                on,
                derived(
                    "checkpoints: checkpointed_size vs state_size",
                    format!(
                        "{delta} of {} completed checkpoints uploaded less than their full size",
                        reals.len()
                    ),
                ),
            );
            on
        }
        None => {
            b.missing(
                "incremental",
                "no completed checkpoint with sizes, and the job config does not say",
            );
            false
        }
    };
    const COMPRESSION: &str = "execution.checkpointing.snapshot-compression";
    // The last checkpoints once the state stopped growing: identical sizes mean fixed-width
    // values written uncompressed; sizes that go up and down with a steady key set mean
    // the compressor sees changing values.
    let tail: Vec<u64> = reals.iter().rev().take(5).map(|c| c.state_size).collect();
    let compressed = match (user.get(COMPRESSION), &backend) {
        (Some(v), _) => {
            let on = v.trim().eq_ignore_ascii_case("true");
            b.set(
                "checkpointing.codec",
                if on { "snappy" } else { "none" },
                user_field(COMPRESSION),
            );
            on
        }
        (None, Backend::HashMap) if tail.len() >= 3 => {
            let all_equal = tail.windows(2).all(|w| w[0] == w[1]);
            // Newest first: a later checkpoint smaller than an earlier one.
            let shrinks = tail.windows(2).any(|w| w[0] < w[1]);
            let (on, how) = if all_equal {
                (false, format!("the last {} keyed state sizes are identical ({} B): fixed-width values, uncompressed", tail.len(), tail[0]))
            } else if shrinks {
                (true, format!("the last {} keyed state sizes go up and down ({}–{} B) while the job runs: compressed values change size (Snappy)", tail.len(), tail.iter().min().unwrap_or(&0), tail.iter().max().unwrap_or(&0)))
            } else {
                b.missing("snapshot compression", format!("the job config does not show {COMPRESSION} and the sizes only grow, which fits both; the lab assumes off"));
                (false, "undecided: assumed off".to_string())
            };
            b.set(
                "checkpointing.codec",
                if on { "snappy" } else { "none" },
                derived("the completed checkpoints' keyed state_size", how),
            );
            on
        }
        (None, Backend::HashMap) => {
            b.missing("snapshot compression", format!("the job config does not show {COMPRESSION} and fewer than 3 checkpoints have sizes; the lab assumes off"));
            false
        }
        (None, _) => {
            b.set(
                "checkpointing.codec",
                "snappy",
                estimated(format!("{COMPRESSION} does not apply to {backend}, whose files are block-compressed by RocksDB itself (Snappy by default); the lab's nearest is Snappy chunks")),
            );
            true
        }
    };
    config.checkpointing.codec = if compressed {
        Codec::Snappy
    } else {
        Codec::None
    };

    // Workload: the exported job's own, or estimated from the sizes and counters.
    let window = running_window(a);
    let running_s = window.map_or(0.0, |(s, e, _)| (e - s) as f64 / 1000.0);
    if let Some(exp) = &exported {
        config.workload = exp.workload.clone();
        config.seed = exp.seed;
        b.set(
            "workload",
            "the exported config's workload and seed",
            user_field(EXPORTED_CONFIG_KEY),
        );
    } else {
        let layout = match backend {
            Backend::HashMap => Layout::Heap {
                compressed: config.checkpointing.codec != Codec::None,
            },
            _ => Layout::RocksDb,
        };
        // The size to count keys in: for the uncompressed heap the largest (the key set
        // only grows here), compressed the median of the second half, for RocksDB the
        // smallest of the second half (right after a compaction).
        let half: Vec<&RealCheckpoint> = reals.iter().skip(reals.len() / 2).collect();
        let basis = match layout {
            Layout::Heap { compressed: false } => reals.iter().map(|c| c.state_size).max(),
            // Compressed sizes move ±5 % with the values: the middle of the second half.
            Layout::Heap { compressed: true } => {
                median(half.iter().map(|c| c.state_size as f64).collect()).map(|m| m as u64)
            }
            Layout::RocksDb => half.iter().map(|c| c.state_size).min(),
        };
        match basis {
            Some(size) => {
                let est = estimate_keys(
                    layout,
                    size,
                    vertex.parallelism,
                    vertex.max_parallelism.unwrap_or(128),
                );
                let keys = est.keys.min(u64::from(MAX_KEY_SPACE)) as u32;
                if u64::from(keys) < est.keys {
                    b.missing_for(
                        &["workload.source.key_space"],
                        "the whole key space",
                        format!(
                            "about {} keys estimated; the lab holds at most {MAX_KEY_SPACE}, so its state is {:.1}× smaller",
                            est.keys,
                            est.keys as f64 / f64::from(MAX_KEY_SPACE)
                        ),
                    );
                }
                config.workload.source = SourceConfig::Generated {
                    key_space: keys,
                    distribution: KeyDistribution::Uniform,
                    key_kind: KeyKind::String,
                };
                b.set(
                    "workload.source.key_space",
                    keys,
                    estimated(format!(
                        "REST shows bytes, not keys: {} (see src/flink/format.rs)",
                        est.how
                    )),
                );
            }
            None => b.missing_for(
                &["workload.source.key_space"],
                "key space",
                "no completed checkpoint with sizes; the lab keeps its default",
            ),
        }
        b.missing_for(
            &["workload.source.distribution"],
            "key distribution and order",
            "REST shows no per-key traffic; the lab draws keys uniformly at random, so a key set that a real source fills in order (round-robin) fills more slowly in the lab (tell it with --workload: {\"source\": {\"distribution\": {\"kind\": \"round_robin\"}}})",
        );
        b.missing_for(
            &["workload.value_model", "workload.key_format", "workload.values"],
            "state types, key names and values",
            "REST shows bytes only; the lab keeps a ValueState<Long> sum of values 1–1000 per key with `user-N` keys, Flink's job may keep anything (the key count assumes 9-char String keys and a Long value, so keys of another length shift the sizes: `user-N` keys average 9.9 characters for 100,000 keys); --workload with `value_model`, `key_format` and `values` tells it",
        );
        config.workload.value_model = ValueModel::Counter;
        // Record rate.
        let read = vertex.metrics.as_ref().and_then(|m| m.read_records);
        let vertex_s = vertex.duration.map(|d| d as f64 / 1000.0);
        let metric = a
            .vertex_metrics
            .iter()
            .find(|m| m.vertex_id.as_deref() == Some(&vertex.id) || m.vertex_name == vertex.name)
            .and_then(|m| m.values.iter().find(|v| v.id == "numRecordsIn"))
            .and_then(|v| v.sum);
        let rate = match (read, vertex_s.filter(|s| *s > 0.0), metric) {
            (Some(n), Some(s), _) if n > 0 => {
                let r = n as f64 / s;
                b.set(
                    "workload.rate.records_per_s",
                    format!("{r:.1}"),
                    derived(
                        format!("job.json vertices[{vi}].metrics.read-records / vertices[{vi}].duration"),
                        format!(
                            "{n} records / {s:.3} s{}",
                            metric.map_or(String::new(), |m| format!(
                                " (the sampled metric numRecordsIn says {m:.0}, {:.1}/s over the running time: Flink's metric fetcher caches it for up to 10 s, so it lags)",
                                m / running_s.max(1e-9)
                            ))
                        ),
                    ),
                );
                Some(r)
            }
            (_, _, Some(m)) if running_s > 0.0 => {
                let r = m / running_s;
                b.set(
                    "workload.rate.records_per_s",
                    format!("{r:.1}"),
                    derived(
                        "vertex-subtask-metrics.json numRecordsIn (sum) / the running time",
                        format!(
                            "{m:.0} records / {running_s:.3} s (a sampled metric, up to 10 s old)"
                        ),
                    ),
                );
                Some(r)
            }
            _ => {
                b.missing(
                    "record rate",
                    "neither job.json's read-records nor the numRecordsIn metric of the keyed vertex; the lab keeps its default",
                );
                None
            }
        };
        if let Some(r) = rate {
            config.workload.rate = RateProfile::Constant {
                records_per_s: (r * 10.0).round() / 10.0,
            };
            b.missing(
                "rate over time",
                "the counters give an average; the lab runs it constant",
            );
        }
        // A finished job read a bounded source: the lab's source ends after as many records.
        if a.job.state == "FINISHED" {
            if let Some(n) = read {
                config.workload.limit = Some(n);
                b.set(
                    "workload.limit",
                    n,
                    derived(
                        format!("job.json state FINISHED, vertices[{vi}].metrics.read-records"),
                        "a bounded source: the lab's ends after as many records",
                    ),
                );
            }
        }
    }
    // How fast a subtask can go: the measured rate over the share of time it was busy.
    let rate_now = config.workload.rate.peak_rate();
    let busy = vertex
        .metrics
        .as_ref()
        .and_then(|m| m.accumulated_busy_time)
        .zip(vertex.duration)
        .map(|(busy_ms, d)| busy_ms / (d as f64 * f64::from(vertex.parallelism)));
    // A running job's job.json counts no busy time yet; the sampled metric does.
    let busy_metric = a
        .vertex_metrics
        .iter()
        .find(|m| m.vertex_id.as_deref() == Some(&vertex.id) || m.vertex_name == vertex.name)
        .and_then(|m| m.values.iter().find(|v| v.id == "busyTimeMsPerSecond"))
        .and_then(|v| v.avg)
        .map(|ms| ms / 1000.0);
    let per_subtask = rate_now / f64::from(p);
    let capacity = match (
        busy.filter(|f| *f > 0.0 && *f <= 1.0),
        busy_metric.filter(|f| *f > 0.0 && *f <= 1.0),
    ) {
        (None, Some(f)) => {
            let c = (per_subtask / f).clamp((per_subtask * 1.05).max(1.0), 10_000_000.0);
            b.set(
                "job.records_per_s_per_subtask",
                format!("{c:.0}"),
                derived(
                    "vertex-subtask-metrics.json busyTimeMsPerSecond (avg over subtasks)",
                    format!(
                        "{per_subtask:.1} records/s per subtask / {:.2} % busy",
                        f * 100.0
                    ),
                ),
            );
            c
        }
        (Some(f), _) => {
            let c = (per_subtask / f).clamp((per_subtask * 1.05).max(1.0), 10_000_000.0);
            b.set(
                "job.records_per_s_per_subtask",
                format!("{c:.0}"),
                derived(
                    format!("job.json vertices[{vi}].metrics.accumulated-busy-time / (duration × parallelism)"),
                    format!("{per_subtask:.1} records/s per subtask / {:.2} % busy", f * 100.0),
                ),
            );
            c
        }
        (None, None) => {
            let c = (per_subtask * 10.0).clamp(1.0, 10_000_000.0);
            b.set(
                "job.records_per_s_per_subtask",
                format!("{c:.0}"),
                estimated("no busy time for the keyed vertex: 10× its share of the record rate"),
            );
            c
        }
    };
    config.job.records_per_s_per_subtask = capacity.round().max(1.0);

    // Link and sync cost from the latest checkpoint's subtasks of the keyed vertex.
    let sub = a.subtasks.iter().find(|s| s.vertex_id == vertex.id);
    let done: Vec<_> = sub
        .map(|s| {
            s.subtasks
                .iter()
                .filter(|x| x.status == "completed")
                .collect()
        })
        .unwrap_or_default();
    let bytes: u64 = done
        .iter()
        .map(|x| x.checkpointed_size.or(x.state_size).unwrap_or(0))
        .sum();
    let max_async = done.iter().filter_map(|x| x.async_duration).max();
    let sub_file = format!(
        "checkpoint-subtasks-latest-{}.json",
        super::rest::safe_vertex_name(&vertex.name)
    );
    match max_async {
        Some(ms) if bytes > 0 => {
            let secs = (ms.max(1)) as f64 / 1000.0;
            let mbit = (bytes as f64 * 8.0 / 1e6 / secs).clamp(0.001, 1_000_000.0);
            config.link.bandwidth_mbit_s = (mbit * 1000.0).round() / 1000.0;
            b.set(
                "link.bandwidth_mbit_s",
                format!("{mbit:.3}"),
                derived(
                    format!("{sub_file}: subtasks[*].checkpointed_size, checkpoint.async"),
                    format!("{bytes} B of all subtasks / the longest async phase {ms} ms (the lab's subtasks share one link)"),
                ),
            );
            // The rest of a checkpoint's time that bytes do not explain: the median over
            // checkpoints, so the simulated p50 matches rather than the luckiest one.
            let sync = done
                .iter()
                .filter_map(|x| x.sync_duration)
                .max()
                .unwrap_or(0);
            // The lab's sync phase copies a subtask's whole state, so the rate is over the
            // full size (for incremental checkpoints more than what was uploaded).
            let full: u64 = done
                .iter()
                .map(|x| x.state_size.or(x.checkpointed_size).unwrap_or(0))
                .sum();
            let per_sub = full as f64 / done.len().max(1) as f64;
            // A sync phase Flink reports as 0 ms took under a millisecond.
            let mbs = (per_sub / 1e6 / (sync.max(1) as f64 / 1000.0)).clamp(1.0, 1_000_000.0);
            config.costs.sync_snapshot_mb_s = mbs.round();
            b.set(
                "costs.sync_snapshot_mb_s",
                format!("{mbs:.0}"),
                derived(
                    format!("{sub_file}: checkpoint.sync"),
                    format!(
                        "{per_sub:.0} B per subtask in {}",
                        if sync == 0 {
                            "under 1 ms (Flink reports 0)".to_string()
                        } else {
                            format!("{sync} ms")
                        }
                    ),
                ),
            );
            let bps = mbit * 1e6 / 8.0;
            let residual = median(
                reals
                    .iter()
                    .map(|c| {
                        let sync_ms =
                            c.state_size as f64 / f64::from(vertex.parallelism) / (mbs * 1e6)
                                * 1000.0;
                        (c.end_to_end_duration_ms as f64
                            - c.checkpointed_size as f64 / bps * 1000.0
                            - sync_ms)
                            .max(0.0)
                    })
                    .collect(),
            );
            match residual {
                Some(l) => {
                    config.link.latency_ms = (l * 10.0).round() / 10.0;
                    b.set(
                        "link.latency_ms",
                        format!("{l:.1}"),
                        derived(
                            "the completed checkpoints' end_to_end_duration and checkpointed_size",
                            "median of (duration − size / bandwidth − sync phase): the time a checkpoint takes besides copying and moving its bytes (start delay, acknowledgement), as one latency",
                        ),
                    );
                }
                None => b.missing("link latency", "no completed checkpoint with a duration"),
            }
        }
        _ => {
            b.missing(
                "link bandwidth and latency",
                "no subtask details of the keyed vertex (checkpoint-subtasks-latest-*.json) with sizes and async durations; the lab keeps its defaults",
            );
        }
    }
    b.missing(
        "network topology",
        "the lab has one link from all subtasks to the store; Flink's subtasks write in parallel to the checkpoint storage",
    );
    b.missing(
        "first checkpoint time",
        "Flink triggers its first checkpoint after a random delay between min-pause and the interval; the lab draws the same kind of delay from its own seed, so its checkpoints fall at other moments than the real job's (sizes that move between checkpoints compare as medians)",
    );

    config.validate().map_err(|e| CalibrationError {
        file: "(calibrated config)".into(),
        field: e.0.first().map_or(String::new(), |f| f.field.clone()),
        message: format!("the derived config is not valid: {e}"),
    })?;
    let real = RealFigures {
        job_state: a.job.state.clone(),
        running_s,
        completed: a.checkpoints.counts.completed,
        failed: a.checkpoints.counts.failed,
        checkpoints: reals,
        keyed_vertex: vertex.name.clone(),
    };
    Ok(Calibration {
        config,
        backend,
        provenance: b.provenance,
        not_inferred: b.not_inferred,
        real,
    })
}
