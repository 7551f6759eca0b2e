//! Probes: questions a lesson asks the engine about the run it just played, answered with
//! the numbers the engine really produced. A prediction's correct choice and every number
//! in its explanation come from a probe, never from the lesson's text.
//!
//! Each kind of probe has a fixed list of named fields ([`Probe::fields`]; the first is its
//! main field, the one a choice tests unless it names another). The lesson reader checks
//! placeholders and choices against these lists. Most probes read the simulation as it
//! stands; `value_models` re-runs the step's run from its start config under each value
//! model, `what_if` forks the run once per policy, and `rescale_allowed` tries the rescale
//! on a clone: those answer "what if" with runs, not formulas.

use super::anchor::find_key;
use super::condition::CheckpointRef;
use crate::engine::config::{value_model_kinds, Config};
use crate::engine::partitioning::keygroups::{flink_murmur_hash, Partitioning};
use crate::engine::partitioning::workload::ValueModel;
use crate::engine::report::events::Event;
use crate::engine::report::stats::{CheckpointFailure, CheckpointStatus, FailureCause, JobStatus};
use crate::engine::report::whatif::{what_if, WhatIfOutcome, WhatIfRow};
use crate::engine::sim::Simulation;
use crate::engine::state::codec::Codec;
use crate::engine::transfer::store::CheckpointId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One value a probe read.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Fact {
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
}

impl Fact {
    fn count(n: impl TryInto<i64>) -> Self {
        Fact::Int(n.try_into().unwrap_or(i64::MAX))
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Fact::Int(i) => Some(*i as f64),
            Fact::Real(r) => Some(*r),
            Fact::Bool(_) | Fact::Text(_) => None,
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Bool(b) => f.write_str(if *b { "yes" } else { "no" }),
            Fact::Text(t) => f.write_str(t),
            Fact::Int(i) => write!(f, "{i}"),
            Fact::Real(r) => write!(f, "{r:.2}"),
        }
    }
}

/// What a probe read: its fields, in the order of [`Probe::fields`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub fields: Vec<(&'static str, Fact)>,
}

impl Reading {
    /// The main field (the first).
    pub fn main(&self) -> &Fact {
        &self.fields[0].1
    }

    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }
}

/// Why a probe could not answer (the run has not produced what it asks about).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeError(pub String);

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProbeError {}

/// What a probe reads besides the simulation itself.
#[derive(Clone, Copy, Debug)]
pub struct ProbeContext<'a> {
    pub sim: &'a Simulation,
    /// The config the step's run started with (what `value_models` re-runs).
    pub run_config: &'a Config,
    /// `"next"`: the id the next checkpoint had when the step's setup ended.
    pub next_at_step: CheckpointId,
}

/// A question to the engine. JSON: `{"checkpoint": 3}`, `"recovery"`,
/// `{"key_route": {"key": "user-42"}}`, `{"rescaling": {"from": 2, "to": 3}}` …
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Probe {
    /// A key's route: Java `hashCode`, Flink's murmur hash, key group, subtask (at the
    /// job's parallelism, or at `parallelism`).
    KeyRoute {
        key: String,
        #[serde(default)]
        parallelism: Option<u32>,
    },
    /// The run's keys (the first `keys`, or all) as parallelism goes `from` → `to`: how
    /// many change subtask under the document's `hash(key) % n` and under Flink's key
    /// groups, and how many key groups move or split. Both rules use the same hash
    /// (Flink's murmur of the Java `hashCode`), so only the assignment differs.
    Rescaling {
        from: u32,
        to: u32,
        #[serde(default)]
        keys: Option<u32>,
    },
    /// A checkpoint's row of the history: a number, `"latest"`, `"latest_completed"` or
    /// `"next"` (the first one triggered after the step's setup). `chunks_acknowledged` is
    /// counted in the detail log, which keeps the latest 16k detail events: exact for the
    /// short runs of a lesson.
    Checkpoint(CheckpointRef),
    /// The latest recovery (`chunks_restored` is counted in the detail log, as above).
    Recovery,
    /// The state now, really encoded by every codec: one key group, or all of them.
    Codecs {
        #[serde(default)]
        key_group: Option<u32>,
    },
    /// The step's run again under each value model (counter, events, random bytes), to
    /// the same virtual time, its whole state encoded with `codec`. Re-runs the run's
    /// start config: live changes made since are not replayed.
    ValueModels { codec: Codec },
    /// Checkpoint counts like Flink's UI, and job failures.
    Counts,
    /// The chunk of a key group in the latest completed checkpoint.
    Chunk(u32),
    /// The checkpoint store.
    Store,
    /// The scheduling policy's interval and its numbers.
    Policy,
    /// Each scheduling policy on a fork of the run for `horizon_s`, then a crash.
    WhatIf { horizon_s: f64 },
    /// The seed document's `P = S / Z` for a target partition size Z.
    SeedModel { target_partition_bytes: u64 },
    /// Whether the job could rescale to this parallelism now (tried on a clone).
    RescaleAllowed(u32),
    /// One subtask: its key-group range, its state, its queue (`ahead_of_barrier`: records
    /// ahead of the oldest barrier in its channel, 0 without one).
    Subtask(u32),
    /// The job: status, source position, backlog.
    Job,
}

const CHECKPOINT_FIELDS: &[&str] = &[
    "shipped",
    "id",
    "status",
    "skipped",
    "key_groups",
    "data_size",
    "full_size",
    "raw_size",
    "ratio",
    "duration_ms",
    "offset",
    "parallelism",
    "acknowledged_subtasks",
    "start_delay_ms",
    "sync_ms",
    "async_ms",
    "chunks_acknowledged",
];

/// The policies of a what-if row, in the order the calculator runs them.
const WHAT_IF_POLICIES: [&str; 3] = ["fixed", "adaptive", "young_daly"];

impl Probe {
    pub fn name(&self) -> &'static str {
        match self {
            Probe::KeyRoute { .. } => "key_route",
            Probe::Rescaling { .. } => "rescaling",
            Probe::Checkpoint(_) => "checkpoint",
            Probe::Recovery => "recovery",
            Probe::Codecs { .. } => "codecs",
            Probe::ValueModels { .. } => "value_models",
            Probe::Counts => "counts",
            Probe::Chunk(_) => "chunk",
            Probe::Store => "store",
            Probe::Policy => "policy",
            Probe::WhatIf { .. } => "what_if",
            Probe::SeedModel { .. } => "seed_model",
            Probe::RescaleAllowed(_) => "rescale_allowed",
            Probe::Subtask(_) => "subtask",
            Probe::Job => "job",
        }
    }

    /// Its fields; the first is the main one.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Probe::KeyRoute { .. } => &[
                "subtask",
                "key",
                "hash_code",
                "murmur",
                "key_group",
                "key_groups",
                "parallelism",
                "first_key_group",
                "last_key_group",
            ],
            Probe::Rescaling { .. } => &[
                "moved_modulo",
                "keys",
                "percent_modulo",
                "moved_key_groups",
                "percent_key_groups",
                "groups_moved",
                "key_groups",
                "moved_list",
                "split_modulo",
                "split_key_groups",
            ],
            Probe::Checkpoint(_) => CHECKPOINT_FIELDS,
            Probe::Recovery => &[
                "replayed",
                "cause",
                "offset_at_failure",
                "restore_offset",
                "restored",
                "from_empty",
                "fallbacks",
                "checked",
                "exactly_once",
                "differing",
                "recovery_ms",
                "downloaded_bytes",
                "parallelism",
                "chunks_restored",
                "key_groups",
            ],
            Probe::Codecs { .. } => &[
                "smallest",
                "raw",
                "none",
                "lz4",
                "snappy",
                "ratio_lz4",
                "ratio_snappy",
            ],
            Probe::ValueModels { .. } => &[
                "best",
                "worst",
                "ratio_counter",
                "ratio_events",
                "ratio_random_bytes",
                "raw_counter",
                "raw_events",
                "raw_random_bytes",
                "encoded_counter",
                "encoded_events",
                "encoded_random_bytes",
            ],
            Probe::Counts => &[
                "failed",
                "triggered",
                "completed",
                "expired",
                "restored",
                "job_failures",
                "in_progress",
            ],
            Probe::Chunk(_) => &[
                "refs",
                "chunk",
                "uploaded_by",
                "latest",
                "retained",
                "encoded",
                "raw",
                "present",
            ],
            Probe::Store => &[
                "shared",
                "retained",
                "chunks",
                "stored_bytes",
                "latest",
                "oldest",
                "latest_full_size",
                "key_groups",
            ],
            Probe::Policy => &[
                "interval_ms",
                "name",
                "in_flink",
                "rule",
                "change_bytes_per_s",
                "budget_bytes",
                "cost_s",
                "mtbf_s",
                "young_s",
                "daly_s",
            ],
            Probe::WhatIf { .. } => &[
                "fewest_replayed",
                "most_replayed",
                "fewest_bytes",
                "most_bytes",
                "replayed_fixed",
                "replayed_adaptive",
                "replayed_young_daly",
                "bytes_per_hour_fixed",
                "bytes_per_hour_adaptive",
                "bytes_per_hour_young_daly",
                "checkpoints_fixed",
                "checkpoints_adaptive",
                "checkpoints_young_daly",
                "interval_s_fixed",
                "interval_s_adaptive",
                "interval_s_young_daly",
            ],
            Probe::SeedModel { .. } => &[
                "partitions",
                "state_bytes",
                "target_bytes",
                "key_groups",
                "bytes_per_key_group",
            ],
            Probe::RescaleAllowed(_) => &["allowed", "reason", "max_parallelism"],
            Probe::Subtask(_) => &[
                "key_groups",
                "first_key_group",
                "last_key_group",
                "state_bytes",
                "processed",
                "queued",
                "ahead_of_barrier",
            ],
            Probe::Job => &[
                "status",
                "parallelism",
                "source_offset",
                "processed",
                "backlog",
                "now_s",
            ],
        }
    }

    /// The checkpoint words it accepts (the reader refuses others).
    pub fn allowed_checkpoint_words(&self) -> &'static [CheckpointRef] {
        match self {
            Probe::Checkpoint(_) => &[
                CheckpointRef::Latest,
                CheckpointRef::LatestCompleted,
                CheckpointRef::Next,
            ],
            _ => &[],
        }
    }

    pub fn checkpoint_ref(&self) -> Option<CheckpointRef> {
        match self {
            Probe::Checkpoint(c) => Some(*c),
            _ => None,
        }
    }

    /// Reads the engine. The fields come back in the order of [`Self::fields`].
    pub fn read(&self, ctx: &ProbeContext) -> Result<Reading, ProbeError> {
        let sim = ctx.sim;
        let fields = match self {
            Probe::KeyRoute { key, parallelism } => key_route(sim, key, *parallelism)?,
            Probe::Rescaling { from, to, keys } => rescaling(sim, *from, *to, *keys)?,
            Probe::Checkpoint(c) => {
                let id = c
                    .resolve(sim, ctx.next_at_step)
                    .ok_or_else(|| ProbeError("no checkpoint has been triggered yet".into()))?;
                checkpoint(sim, id)?
            }
            Probe::Recovery => recovery(sim)?,
            Probe::Codecs { key_group } => codecs(sim, *key_group)?,
            Probe::ValueModels { codec } => value_models(ctx, *codec)?,
            Probe::Counts => counts(sim),
            Probe::Chunk(key_group) => chunk(sim, *key_group)?,
            Probe::Store => store(sim),
            Probe::Policy => policy(sim)?,
            Probe::WhatIf { horizon_s } => what_if_fields(sim, *horizon_s)?,
            Probe::SeedModel {
                target_partition_bytes,
            } => {
                let m = sim.seed_model(*target_partition_bytes);
                let key_groups = sim.partitioning().max_parallelism();
                vec![
                    ("partitions", Fact::count(m.partitions)),
                    ("state_bytes", Fact::count(m.state_bytes)),
                    ("target_bytes", Fact::count(m.target_partition_bytes)),
                    ("key_groups", Fact::count(key_groups)),
                    (
                        "bytes_per_key_group",
                        Fact::Real(m.state_bytes as f64 / f64::from(key_groups)),
                    ),
                ]
            }
            Probe::RescaleAllowed(p) => {
                let refused = sim.clone().rescale(*p).err();
                vec![
                    ("allowed", Fact::Bool(refused.is_none())),
                    (
                        "reason",
                        Fact::Text(refused.map_or(String::new(), |e| e.to_string())),
                    ),
                    (
                        "max_parallelism",
                        Fact::count(sim.partitioning().max_parallelism()),
                    ),
                ]
            }
            Probe::Subtask(i) => {
                let view = sim.view();
                let s = view.subtasks.get(*i as usize).ok_or_else(|| {
                    ProbeError(format!(
                        "the job has {} subtasks, no subtask {i}",
                        view.subtasks.len()
                    ))
                })?;
                vec![
                    ("key_groups", Fact::count(s.key_groups.len())),
                    ("first_key_group", Fact::count(s.key_groups.start)),
                    ("last_key_group", Fact::count(s.key_groups.end)),
                    ("state_bytes", Fact::count(s.state_bytes)),
                    ("processed", Fact::count(s.processed)),
                    ("queued", Fact::count(s.queued_records)),
                    (
                        "ahead_of_barrier",
                        Fact::count(s.barriers.first().map_or(0, |(ahead, _)| *ahead)),
                    ),
                ]
            }
            Probe::Job => {
                let status = match sim.status() {
                    JobStatus::Running => "running",
                    JobStatus::Restarting { .. } => "restarting",
                    JobStatus::Restoring { .. } => "restoring",
                };
                let available = sim.workload().available(sim.now_us());
                vec![
                    ("status", Fact::Text(status.into())),
                    ("parallelism", Fact::count(sim.partitioning().parallelism())),
                    ("source_offset", Fact::count(sim.source_offset())),
                    ("processed", Fact::count(sim.records_processed())),
                    (
                        "backlog",
                        Fact::count(available.saturating_sub(sim.source_offset())),
                    ),
                    ("now_s", Fact::Real(sim.now_us() as f64 / 1e6)),
                ]
            }
        };
        debug_assert_eq!(
            fields.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            self.fields(),
            "probe {} read fields other than it declares",
            self.name()
        );
        Ok(Reading { fields })
    }
}

type Fields = Vec<(&'static str, Fact)>;

fn key_route(sim: &Simulation, key: &str, parallelism: Option<u32>) -> Result<Fields, ProbeError> {
    let k = find_key(sim, key).ok_or_else(|| ProbeError(format!("the run has no key `{key}`")))?;
    let now = sim.partitioning();
    let p = Partitioning::new(
        parallelism.unwrap_or(now.parallelism()),
        now.max_parallelism(),
    )
    .map_err(|e| ProbeError(e.to_string()))?;
    let hash_code = k.java_hash_code();
    let key_group = p.key_group_of(&k);
    let subtask = p.subtask_of_key_group(key_group);
    let range = p.key_group_range(subtask);
    Ok(vec![
        ("subtask", Fact::count(subtask)),
        ("key", Fact::Text(key.to_string())),
        ("hash_code", Fact::count(hash_code)),
        ("murmur", Fact::count(flink_murmur_hash(hash_code))),
        ("key_group", Fact::count(key_group)),
        ("key_groups", Fact::count(p.max_parallelism())),
        ("parallelism", Fact::count(p.parallelism())),
        ("first_key_group", Fact::count(range.start)),
        ("last_key_group", Fact::count(range.end)),
    ])
}

fn rescaling(
    sim: &Simulation,
    from: u32,
    to: u32,
    keys: Option<u32>,
) -> Result<Fields, ProbeError> {
    let max_p = sim.partitioning().max_parallelism();
    let before = Partitioning::new(from, max_p).map_err(|e| ProbeError(e.to_string()))?;
    let after = Partitioning::new(to, max_p).map_err(|e| ProbeError(e.to_string()))?;
    let space = sim.workload().keys();
    let n = keys.map_or(space.len(), |k| (k as usize).min(space.len()));
    let (mut moved_modulo, mut moved_key_groups) = (0usize, 0usize);
    // Per key group: the subtasks its keys go to afterwards, under each rule.
    let mut modulo_owners = vec![Vec::<u32>::new(); max_p as usize];
    let mut range_owners = vec![Vec::<u32>::new(); max_p as usize];
    for i in 0..n as u32 {
        let hash = flink_murmur_hash(space.key(i).java_hash_code()) as u32;
        let kg = space.key_group(i);
        let (m_old, m_new) = (hash % from, hash % to);
        let (k_old, k_new) = (
            before.subtask_of_key_group(kg),
            after.subtask_of_key_group(kg),
        );
        moved_modulo += usize::from(m_old != m_new);
        moved_key_groups += usize::from(k_old != k_new);
        for (owners, s) in [(&mut modulo_owners, m_new), (&mut range_owners, k_new)] {
            let o = &mut owners[kg as usize];
            if !o.contains(&s) {
                o.push(s);
            }
        }
    }
    let split = |owners: &[Vec<u32>]| owners.iter().filter(|o| o.len() > 1).count();
    let moved: Vec<u32> = (0..max_p)
        .filter(|kg| before.subtask_of_key_group(*kg) != after.subtask_of_key_group(*kg))
        .collect();
    let percent = |m: usize| {
        if n == 0 {
            0.0
        } else {
            100.0 * m as f64 / n as f64
        }
    };
    Ok(vec![
        ("moved_modulo", Fact::count(moved_modulo)),
        ("keys", Fact::count(n)),
        ("percent_modulo", Fact::Real(percent(moved_modulo))),
        ("moved_key_groups", Fact::count(moved_key_groups)),
        ("percent_key_groups", Fact::Real(percent(moved_key_groups))),
        ("groups_moved", Fact::count(moved.len())),
        ("key_groups", Fact::count(max_p)),
        ("moved_list", Fact::Text(ranges_text(&moved))),
        ("split_modulo", Fact::count(split(&modulo_owners))),
        ("split_key_groups", Fact::count(split(&range_owners))),
    ])
}

/// `[6, 7, 11, 12, 13]` → `"6–7, 11–13"`.
fn ranges_text(ids: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut end = start;
        while i + 1 < ids.len() && ids[i + 1] == end + 1 {
            i += 1;
            end = ids[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn status_name(status: &CheckpointStatus) -> &'static str {
    match status {
        CheckpointStatus::InProgress => "in_progress",
        CheckpointStatus::Completed => "completed",
        CheckpointStatus::Failed(f) => super::condition::FailureKind::of(f).name(),
    }
}

fn checkpoint(sim: &Simulation, id: CheckpointId) -> Result<Fields, ProbeError> {
    let row = sim
        .history()
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(|| ProbeError(format!("checkpoint {id} has not been triggered")))?;
    let ms = |us: Option<u64>| Fact::Real(us.map_or(0.0, |u| u as f64 / 1000.0));
    let max_ms = |f: fn(&crate::engine::report::stats::SubtaskCheckpointStats) -> Option<u64>| {
        ms(row.subtasks.iter().filter_map(f).max())
    };
    let acked = sim
        .log()
        .detail()
        .filter(
            |e| matches!(e.event, Event::ChunkAcknowledged { checkpoint, .. } if checkpoint == id),
        )
        .count();
    let ratio = if row.checkpointed_data_size > 0 {
        row.raw_data_size as f64 / row.checkpointed_data_size as f64
    } else {
        0.0
    };
    Ok(vec![
        ("shipped", Fact::count(row.key_groups_shipped)),
        ("id", Fact::count(row.id)),
        ("status", Fact::Text(status_name(&row.status).into())),
        ("skipped", Fact::count(row.key_groups_skipped)),
        (
            "key_groups",
            Fact::count(sim.partitioning().max_parallelism()),
        ),
        ("data_size", Fact::count(row.checkpointed_data_size)),
        ("full_size", Fact::count(row.full_checkpoint_size)),
        ("raw_size", Fact::count(row.raw_data_size)),
        ("ratio", Fact::Real(ratio)),
        ("duration_ms", ms(row.end_to_end_duration_us)),
        ("offset", Fact::count(row.offset)),
        ("parallelism", Fact::count(row.parallelism)),
        (
            "acknowledged_subtasks",
            Fact::count(row.acknowledged_subtasks),
        ),
        ("start_delay_ms", max_ms(|s| s.start_delay_us)),
        ("sync_ms", max_ms(|s| s.sync_us)),
        ("async_ms", max_ms(|s| s.async_us)),
        ("chunks_acknowledged", Fact::count(acked)),
    ])
}

fn recovery(sim: &Simulation) -> Result<Fields, ProbeError> {
    let r = sim
        .recoveries()
        .last()
        .ok_or_else(|| ProbeError("the job has not failed yet: no recovery".into()))?;
    let cause = match r.cause {
        FailureCause::CrashInjected => "crash_injected",
        FailureCause::SubtaskFailed { .. } => "subtask_failed",
        FailureCause::Rescale { .. } => "rescale",
        FailureCause::TolerableFailuresExceeded { .. } => "tolerable_failures_exceeded",
        FailureCause::RestoreFailed(_) => "restore_failed",
        FailureCause::Resubmitted { .. } => "resubmitted",
    };
    // Chunks of the checkpoint finally restored: after the latest restore start (a
    // fallback starts the restore again).
    let restore_seq = sim
        .log()
        .iter()
        .rev()
        .find(|e| matches!(e.event, Event::RestoreStarted { .. }))
        .map_or(u64::MAX, |e| e.seq);
    let chunks_restored = sim
        .log()
        .detail()
        .filter(|e| e.seq > restore_seq && matches!(e.event, Event::ChunkRestored { .. }))
        .count();
    let report = r.exactly_once.as_ref();
    Ok(vec![
        ("replayed", Fact::count(r.replayed_records)),
        ("cause", Fact::Text(cause.into())),
        ("offset_at_failure", Fact::count(r.offset_at_failure)),
        ("restore_offset", Fact::count(r.restore_offset)),
        ("restored", Fact::count(r.checkpoint.unwrap_or(0))),
        (
            "from_empty",
            Fact::Bool(r.restore_started_at_us.is_some() && r.checkpoint.is_none()),
        ),
        ("fallbacks", Fact::count(r.fallbacks.len())),
        ("checked", Fact::Bool(report.is_some())),
        ("exactly_once", Fact::Bool(report.is_some_and(|r| r.ok()))),
        (
            "differing",
            Fact::count(report.map_or(0, |r| r.differing_key_groups.len())),
        ),
        (
            "recovery_ms",
            Fact::Real(r.recovery_time_us().map_or(0.0, |us| us as f64 / 1000.0)),
        ),
        ("downloaded_bytes", Fact::count(r.downloaded_bytes)),
        ("parallelism", Fact::count(r.parallelism)),
        ("chunks_restored", Fact::count(chunks_restored)),
        (
            "key_groups",
            Fact::count(sim.partitioning().max_parallelism()),
        ),
    ])
}

/// Raw bytes and bytes per codec of one key group, or of the whole state.
fn encoded_sizes(sim: &Simulation, key_group: Option<u32>) -> Result<(u64, [u64; 3]), ProbeError> {
    let groups = match key_group {
        Some(k) => k..k + 1,
        None => 0..sim.partitioning().max_parallelism(),
    };
    let mut raw = 0;
    let mut encoded = [0u64; 3];
    for kg in groups {
        let inspection = sim.inspect_key_group(kg, 0).ok_or_else(|| {
            ProbeError(format!(
                "the job has {} key groups, no key group {kg}",
                sim.partitioning().max_parallelism()
            ))
        })?;
        raw += inspection.raw_bytes;
        for (codec, bytes) in inspection.encoded_bytes {
            encoded[codec_index(codec)] += bytes;
        }
    }
    Ok((raw, encoded))
}

fn codec_index(codec: Codec) -> usize {
    Codec::ALL.iter().position(|c| *c == codec).unwrap_or(0)
}

fn codecs(sim: &Simulation, key_group: Option<u32>) -> Result<Fields, ProbeError> {
    let (raw, encoded) = encoded_sizes(sim, key_group)?;
    let smallest = Codec::ALL
        .iter()
        .min_by_key(|c| encoded[codec_index(**c)])
        .map_or("none", |c| c.name());
    let ratio = |c: Codec| raw as f64 / encoded[codec_index(c)].max(1) as f64;
    Ok(vec![
        ("smallest", Fact::Text(smallest.into())),
        ("raw", Fact::count(raw)),
        ("none", Fact::count(encoded[codec_index(Codec::None)])),
        ("lz4", Fact::count(encoded[codec_index(Codec::Lz4)])),
        ("snappy", Fact::count(encoded[codec_index(Codec::Snappy)])),
        ("ratio_lz4", Fact::Real(ratio(Codec::Lz4))),
        ("ratio_snappy", Fact::Real(ratio(Codec::Snappy))),
    ])
}

fn model_name(m: ValueModel) -> &'static str {
    match m {
        ValueModel::Counter => "counter",
        ValueModel::Events { .. } => "events",
        ValueModel::RandomBytes { .. } => "random_bytes",
    }
}

fn value_models(ctx: &ProbeContext, codec: Codec) -> Result<Fields, ProbeError> {
    let current = ctx.run_config.workload.value_model;
    let mut rows = Vec::new();
    for default in value_model_kinds() {
        // The run's own parameters for its kind; the defaults for the others.
        let model = if std::mem::discriminant(&default) == std::mem::discriminant(&current) {
            current
        } else {
            default
        };
        let mut config = ctx.run_config.clone();
        config.workload.value_model = model;
        let mut run = Simulation::new(config, None)
            .map_err(|e| ProbeError(format!("re-running with {}: {e}", model_name(model))))?;
        run.advance_to(ctx.sim.now_us());
        let (raw, encoded) = encoded_sizes(&run, None)?;
        let enc = encoded[codec_index(codec)];
        rows.push((model_name(model), raw, enc, raw as f64 / enc.max(1) as f64));
    }
    let by_ratio = |best: bool| {
        rows.iter()
            .max_by(|a, b| {
                let o = a.3.total_cmp(&b.3);
                if best {
                    o
                } else {
                    o.reverse()
                }
            })
            .map_or("", |r| r.0)
    };
    let mut fields = vec![
        ("best", Fact::Text(by_ratio(true).into())),
        ("worst", Fact::Text(by_ratio(false).into())),
    ];
    let named = ["counter", "events", "random_bytes"];
    let pick = |name: &str| {
        rows.iter()
            .find(|r| r.0 == name)
            .copied()
            .unwrap_or(("", 0, 0, 0.0))
    };
    let ratio_names = ["ratio_counter", "ratio_events", "ratio_random_bytes"];
    let raw_names = ["raw_counter", "raw_events", "raw_random_bytes"];
    let enc_names = ["encoded_counter", "encoded_events", "encoded_random_bytes"];
    for (i, n) in named.iter().enumerate() {
        fields.push((ratio_names[i], Fact::Real(pick(n).3)));
    }
    for (i, n) in named.iter().enumerate() {
        fields.push((raw_names[i], Fact::count(pick(n).1)));
    }
    for (i, n) in named.iter().enumerate() {
        fields.push((enc_names[i], Fact::count(pick(n).2)));
    }
    Ok(fields)
}

fn counts(sim: &Simulation) -> Fields {
    let c = sim.counts();
    let expired = sim
        .history()
        .iter()
        .filter(|h| {
            matches!(
                h.status,
                CheckpointStatus::Failed(CheckpointFailure::Expired { .. })
            )
        })
        .count();
    vec![
        ("failed", Fact::count(c.failed)),
        ("triggered", Fact::count(c.triggered)),
        ("completed", Fact::count(c.completed)),
        ("expired", Fact::count(expired)),
        ("restored", Fact::count(c.restored)),
        ("job_failures", Fact::count(sim.recoveries().len())),
        ("in_progress", Fact::count(c.in_progress)),
    ]
}

fn chunk(sim: &Simulation, key_group: u32) -> Result<Fields, ProbeError> {
    let store = sim.store();
    let latest = store
        .latest()
        .ok_or_else(|| ProbeError("no checkpoint has completed yet".into()))?;
    let entry = latest
        .manifest
        .iter()
        .find(|m| m.key_group == key_group)
        .ok_or_else(|| {
            ProbeError(format!(
                "checkpoint {} holds no key group {key_group}",
                latest.id
            ))
        })?;
    let refs = store
        .completed()
        .filter(|c| c.manifest.iter().any(|m| m.chunk == entry.chunk))
        .count();
    let stored = store.chunk(entry.chunk);
    Ok(vec![
        ("refs", Fact::count(refs)),
        ("chunk", Fact::count(entry.chunk)),
        (
            "uploaded_by",
            Fact::count(stored.map_or(0, |c| c.checkpoint)),
        ),
        ("latest", Fact::count(latest.id)),
        ("retained", Fact::count(store.completed().count())),
        (
            "encoded",
            Fact::count(stored.map_or(0, |c| c.bytes.len() as u64)),
        ),
        ("raw", Fact::count(stored.map_or(0, |c| c.raw_len))),
        ("present", Fact::Bool(stored.is_some())),
    ])
}

fn store(sim: &Simulation) -> Fields {
    let store = sim.store();
    let latest = store.latest();
    let shared = latest.map_or(0, |l| {
        l.manifest
            .iter()
            .filter(|m| store.chunk(m.chunk).is_some_and(|c| c.checkpoint != l.id))
            .count()
    });
    vec![
        ("shared", Fact::count(shared)),
        ("retained", Fact::count(store.completed().count())),
        ("chunks", Fact::count(store.chunks().count())),
        ("stored_bytes", Fact::count(store.stored_bytes())),
        ("latest", Fact::count(latest.map_or(0, |l| l.id))),
        (
            "oldest",
            Fact::count(store.completed().next().map_or(0, |c| c.id)),
        ),
        (
            "latest_full_size",
            Fact::count(latest.map_or(0, |l| store.full_size(l))),
        ),
        (
            "key_groups",
            Fact::count(sim.partitioning().max_parallelism()),
        ),
    ]
}

fn policy(sim: &Simulation) -> Result<Fields, ProbeError> {
    use crate::engine::transfer::policy::IntervalRule;
    let decision = sim
        .interval_decision()
        .ok_or_else(|| ProbeError("checkpointing is off".into()))?;
    let p = &sim.config().checkpointing.policy;
    let (mut d, mut b, mut c, mut m, mut y, mut dl) = (0.0, 0, 0.0, 0.0, 0.0, 0.0);
    match decision.rule {
        IntervalRule::Fixed { .. } => {}
        IntervalRule::ChangeBudget {
            change_bytes_per_s,
            budget_bytes,
            ..
        } => (d, b) = (change_bytes_per_s, budget_bytes),
        IntervalRule::YoungDaly {
            cost_s,
            mtbf_s,
            young_s,
            daly_s,
            ..
        } => (c, m, y, dl) = (cost_s, mtbf_s, young_s, daly_s),
    }
    Ok(vec![
        ("interval_ms", Fact::count(decision.interval_us / 1000)),
        ("name", Fact::Text(p.name().into())),
        ("in_flink", Fact::Bool(p.in_flink())),
        ("rule", Fact::Text(decision.rule.to_string())),
        ("change_bytes_per_s", Fact::Real(d)),
        ("budget_bytes", Fact::count(b)),
        ("cost_s", Fact::Real(c)),
        ("mtbf_s", Fact::Real(m)),
        ("young_s", Fact::Real(y)),
        ("daly_s", Fact::Real(dl)),
    ])
}

fn what_if_fields(sim: &Simulation, horizon_s: f64) -> Result<Fields, ProbeError> {
    let horizon_us = super::condition::seconds_to_us(horizon_s).max(1);
    let outcomes = what_if(sim, horizon_us);
    let mut rows = Vec::new();
    for (name, outcome) in WHAT_IF_POLICIES.iter().zip(&outcomes) {
        match outcome {
            WhatIfOutcome::Measured(r) => rows.push((*name, r.clone())),
            WhatIfOutcome::NotMeasured(n) => {
                let why: Vec<String> = n.not_measured.iter().map(|e| e.to_string()).collect();
                return Err(ProbeError(format!(
                    "the {} policy could not be measured: {}",
                    n.policy,
                    why.join("; ")
                )));
            }
        }
    }
    if rows.len() != WHAT_IF_POLICIES.len() {
        return Err(ProbeError(
            "the what-if calculator measured no policy".into(),
        ));
    }
    // The policy with the least (or, `most`, the largest) value of a column.
    let extreme = |most: bool, key: fn(&WhatIfRow) -> f64| -> Fact {
        let pick = rows.iter().min_by(|a, b| {
            let order = key(&a.1).total_cmp(&key(&b.1));
            if most {
                order.reverse()
            } else {
                order
            }
        });
        Fact::Text(pick.map_or("", |r| r.0).into())
    };
    let replayed = |r: &WhatIfRow| r.replayed_records.map_or(f64::INFINITY, |n| n as f64);
    let bytes = |r: &WhatIfRow| r.bytes_shipped_per_hour;
    let mut fields = vec![
        ("fewest_replayed", extreme(false, replayed)),
        ("most_replayed", extreme(true, replayed)),
        ("fewest_bytes", extreme(false, bytes)),
        ("most_bytes", extreme(true, bytes)),
    ];
    type Column = ([&'static str; 3], fn(&WhatIfRow) -> Fact);
    let columns: [Column; 4] = [
        (
            ["replayed_fixed", "replayed_adaptive", "replayed_young_daly"],
            |r| Fact::count(r.replayed_records.unwrap_or(0)),
        ),
        (
            [
                "bytes_per_hour_fixed",
                "bytes_per_hour_adaptive",
                "bytes_per_hour_young_daly",
            ],
            |r| Fact::Real(r.bytes_shipped_per_hour),
        ),
        (
            [
                "checkpoints_fixed",
                "checkpoints_adaptive",
                "checkpoints_young_daly",
            ],
            |r| Fact::count(r.checkpoints_completed),
        ),
        (
            [
                "interval_s_fixed",
                "interval_s_adaptive",
                "interval_s_young_daly",
            ],
            |r| Fact::Real(r.mean_interval_s.unwrap_or(0.0)),
        ),
    ];
    for (names, value) in columns {
        for (name, (_, row)) in names.into_iter().zip(&rows) {
            fields.push((name, value(row)));
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges_text(&[6, 7, 11, 12, 13, 15]), "6–7, 11–13, 15");
        assert_eq!(ranges_text(&[]), "none");
    }

    #[test]
    fn facts_say_themselves() {
        assert_eq!(Fact::Real(2.0).to_string(), "2.00");
        assert_eq!(Fact::Int(7).to_string(), "7");
        assert_eq!(Fact::Bool(true).to_string(), "yes");
    }
}
