//! The read model: what the engine reports about checkpoints, the job and its recoveries,
//! under Flink's names. Plain data that the simulation writes and never reads back to
//! decide anything; the UI, the CLI and the summaries read it.
//!
//! Failures are typed (`CheckpointFailure`, `FailureCause`, `Fallback`); their words come
//! from `Display`, so tests and lessons match on the data, not on sentences.

use crate::engine::faults::FaultError;
use crate::engine::state::codec::{Codec, CodecError};
use crate::engine::state::snapshot::SnapshotError;
use crate::engine::transfer::store::{CheckpointId, ChunkId};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubtaskCheckpointStats {
    pub subtask: u32,
    /// Trigger to barrier arrival (Flink's start delay).
    pub start_delay_us: Option<u64>,
    /// Always 0 here: each subtask has a single input channel, so there is nothing to align.
    pub alignment_us: Option<u64>,
    pub sync_us: Option<u64>,
    pub async_us: Option<u64>,
    pub acknowledged_at_us: Option<u64>,
    pub key_groups_shipped: u32,
    pub key_groups_referenced: u32,
}

impl SubtaskCheckpointStats {
    pub fn new(subtask: u32) -> Self {
        Self {
            subtask,
            start_delay_us: None,
            alignment_us: None,
            sync_us: None,
            async_us: None,
            acknowledged_at_us: None,
            key_groups_shipped: 0,
            key_groups_referenced: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum CheckpointStatus {
    InProgress,
    Completed,
    Failed(CheckpointFailure),
}

/// Why a checkpoint did not complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckpointFailure {
    /// Flink's "Checkpoint expired before completing" (`execution.checkpointing.timeout`).
    Expired { timeout_ms: u64 },
    /// A newer checkpoint completed first; Flink aborts the older one.
    Subsumed { by: CheckpointId },
    /// The store refused an upload while it was unavailable.
    StoreUnavailable { key_group: u32 },
    /// An upload was lost on every attempt.
    UploadFailed(TransferFailure),
    /// The job failed while the checkpoint was running.
    JobFailed,
}

impl CheckpointFailure {
    /// Whether Flink counts it against `tolerable-failed-checkpoints`: expiry and I/O
    /// failures do; being subsumed or aborted by a job failure does not.
    pub fn counts_against_tolerance(&self) -> bool {
        matches!(
            self,
            CheckpointFailure::Expired { .. }
                | CheckpointFailure::StoreUnavailable { .. }
                | CheckpointFailure::UploadFailed(_)
        )
    }
}

impl fmt::Display for CheckpointFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointFailure::Expired { timeout_ms } => write!(
                f,
                "checkpoint expired before completing (execution.checkpointing.timeout = {timeout_ms} ms)"
            ),
            CheckpointFailure::Subsumed { by } => write!(f, "subsumed by checkpoint {by}"),
            CheckpointFailure::StoreUnavailable { key_group } => write!(
                f,
                "checkpoint store unavailable: the upload of key group {key_group} was refused"
            ),
            CheckpointFailure::UploadFailed(t) => write!(f, "upload of {t}"),
            CheckpointFailure::JobFailed => write!(f, "the job failed while it was in progress"),
        }
    }
}

/// Which way a transfer goes: a checkpoint's upload or a restore's download.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Upload,
    Download,
}

/// Why one delivery attempt of a transfer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossCause {
    /// Lost on the link (an injected drop or the link's drop probability).
    LostOnLink,
    /// The store refused the read while it was unavailable.
    StoreRefusedRead,
}

impl fmt::Display for LossCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LossCause::LostOnLink => "lost on the link",
            LossCause::StoreRefusedRead => "the checkpoint store refused the read",
        })
    }
}

/// A transfer that was given up on after its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TransferFailure {
    pub key_group: u32,
    pub attempts: u32,
    pub cause: LossCause,
}

impl fmt::Display for TransferFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "key group {} failed: {}; gave up after {} attempts",
            self.key_group, self.cause, self.attempts
        )
    }
}

/// One row of the checkpoint history, under Flink's names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckpointStats {
    pub id: CheckpointId,
    pub status: CheckpointStatus,
    pub trigger_time_us: u64,
    pub offset: u64,
    pub parallelism: u32,
    /// The codec its chunks were written with.
    pub codec: Codec,
    /// Incremental (shares unchanged chunks) or full.
    pub incremental: bool,
    pub acknowledged_subtasks: u32,
    pub latest_acknowledgement_us: Option<u64>,
    pub end_to_end_duration_us: Option<u64>,
    /// Encoded bytes uploaded by this checkpoint (the delta, for incremental).
    pub checkpointed_data_size: u64,
    /// Encoded bytes of every chunk the checkpoint needs, its own and shared.
    pub full_checkpoint_size: u64,
    /// Raw (serialised, uncompressed) bytes of the chunks it uploaded.
    pub raw_data_size: u64,
    pub key_groups_shipped: u32,
    pub key_groups_skipped: u32,
    pub subtasks: Vec<SubtaskCheckpointStats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    /// Failed; restarts at `restart_at_us` (restart strategy delay).
    Restarting {
        restart_at_us: u64,
    },
    /// Downloading and decoding a checkpoint.
    Restoring {
        checkpoint: Option<CheckpointId>,
        chunks_total: u32,
        chunks_done: u32,
    },
}

/// Why the job failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailureCause {
    /// "Crash the job" from a person or a fault schedule.
    CrashInjected,
    /// One subtask failed; keyBy connects every subtask, so the whole job restarts.
    SubtaskFailed { subtask: u32 },
    /// A rescale restarts the job from the latest checkpoint with a new parallelism.
    Rescale { from: u32, to: u32 },
    /// More consecutive checkpoint failures than `tolerable-failed-checkpoints`.
    TolerableFailuresExceeded { tolerable: u32 },
    /// A restore's download was lost on every attempt.
    RestoreFailed(TransferFailure),
    /// Not a failure: the job was submitted from a retained checkpoint taken at
    /// parallelism `from` (`flink run -s`), and runs at `to`.
    Resubmitted { checkpoint: u64, from: u32, to: u32 },
}

impl fmt::Display for FailureCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureCause::CrashInjected => write!(f, "job crashed (injected)"),
            FailureCause::SubtaskFailed { subtask } => write!(
                f,
                "subtask {subtask} failed; keyBy connects all subtasks, so the failover region is the whole job"
            ),
            FailureCause::Rescale { from, to } => write!(
                f,
                "rescale from parallelism {from} to {to}: restart from the latest checkpoint"
            ),
            FailureCause::TolerableFailuresExceeded { tolerable } => write!(
                f,
                "exceeded checkpoint tolerable failure threshold ({tolerable} tolerable)"
            ),
            FailureCause::RestoreFailed(t) => write!(f, "restore failed: download of {t}"),
            FailureCause::Resubmitted { checkpoint, from, to } => write!(
                f,
                "submitted from retained checkpoint {checkpoint} (taken at parallelism {from}, restored at {to})"
            ),
        }
    }
}

/// What was wrong with a chunk a restore read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChunkFault {
    /// Not in the store any more.
    Missing,
    /// Its frame did not decode or verify (checksum, length, format).
    Codec { error: CodecError },
    /// Its bytes decoded but are not a valid snapshot of the key group.
    Snapshot { error: SnapshotError },
}

/// A restore could not use a checkpoint and fell back to an older one (or to empty state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fallback {
    pub from: CheckpointId,
    /// `None`: no older checkpoint is retained; the job starts from empty state.
    pub to: Option<CheckpointId>,
    pub chunk: ChunkId,
    pub key_group: u32,
    pub fault: ChunkFault,
}

impl fmt::Display for ChunkFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkFault::Missing => write!(f, "is missing from the store"),
            ChunkFault::Codec { error } => write!(f, "failed verification: {error}"),
            ChunkFault::Snapshot { error } => write!(f, "failed verification: {error}"),
        }
    }
}

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "chunk {} of key group {} {}; ",
            self.chunk, self.key_group, self.fault
        )?;
        match self.to {
            Some(to) => write!(
                f,
                "falling back from checkpoint {} to checkpoint {to}",
                self.from
            ),
            None => write!(
                f,
                "no older checkpoint than {}: starting from empty state",
                self.from
            ),
        }
    }
}

/// Everything measured about one recovery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecoveryStats {
    pub failed_at_us: u64,
    pub cause: FailureCause,
    pub offset_at_failure: u64,
    /// The checkpoint restored, once the restore started (`None` before that, and when no
    /// completed checkpoint exists).
    pub checkpoint: Option<CheckpointId>,
    pub restore_offset: u64,
    pub parallelism: u32,
    pub restore_started_at_us: Option<u64>,
    pub downloaded_bytes: u64,
    pub download_done_at_us: Option<u64>,
    pub decode_us: u64,
    pub restored_at_us: Option<u64>,
    pub caught_up_at_us: Option<u64>,
    pub replayed_records: u64,
    pub exactly_once: Option<ExactlyOnceReport>,
    pub fallbacks: Vec<Fallback>,
}

impl RecoveryStats {
    /// Failure to caught-up, once caught up.
    pub fn recovery_time_us(&self) -> Option<u64> {
        self.caught_up_at_us.map(|t| t - self.failed_at_us)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExactlyOnceReport {
    pub at_us: u64,
    pub offset: u64,
    pub differing_key_groups: Vec<u32>,
}

impl ExactlyOnceReport {
    pub fn ok(&self) -> bool {
        self.differing_key_groups.is_empty()
    }
}

/// Running totals that the what-if calculator and the CLI difference over an interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub shipped_encoded: u64,
    pub shipped_raw: u64,
    /// Bytes that left for the store, including lost and re-sent ones.
    pub uploaded: u64,
    pub completed: u64,
    pub failed: u64,
    pub records_processed: u64,
}

/// Counts like Flink's checkpoint UI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckpointCounts {
    pub triggered: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub failed: u64,
    pub restored: u64,
}

/// Lost and re-sent transfers so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TransferCounts {
    pub dropped: u64,
    pub retried: u64,
}

/// A fault or action that could not be applied when its time came, kept for the CLI and
/// the UI to report (it is also in the event log).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Refusal {
    pub at_us: u64,
    pub fault: crate::engine::faults::Fault,
    pub error: FaultError,
}
