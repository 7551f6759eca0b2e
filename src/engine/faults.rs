//! Faults as data: a schedule of (time, fault) that scenarios, tests and the UI replay.

use crate::engine::transfer::store::ChunkId;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The whole job fails: state and in-flight data are lost.
    CrashJob,
    /// One subtask fails; with keyBy's all-to-all edges the whole job restarts.
    CrashSubtask { subtask: u32 },
    /// Restart from the latest checkpoint with a new parallelism.
    Rescale { parallelism: u32 },
    /// The next `count` transfers that finish sending are lost and retried.
    DropTransfers { count: u32 },
    /// No byte moves on the link, either way, for the duration.
    LinkOutage { duration_ms: u64 },
    /// The link's latency is `latency_ms` for the duration, then back.
    LatencySpike { latency_ms: f64, duration_ms: u64 },
    /// The link's bandwidth changes from now on.
    SetBandwidth { mbit_s: f64 },
    /// Flip one bit of the chunk holding `key_group` in the latest completed checkpoint.
    CorruptChunk { key_group: u32 },
    /// Delete the chunk holding `key_group` in the latest completed checkpoint.
    LoseChunk { key_group: u32 },
    /// The store refuses reads and writes for the duration.
    StoreUnavailable { duration_ms: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledFault {
    pub at_ms: u64,
    pub fault: Fault,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Fault {
    /// One fault of every kind, as the config reader's template for each `kind`: it lists
    /// the fields a kind has. The values are placeholders; a scheduled fault must give
    /// every field, because there is no sensible default for what to break.
    pub fn kinds() -> Vec<Fault> {
        let all = vec![
            Fault::CrashJob,
            Fault::CrashSubtask { subtask: 0 },
            Fault::Rescale { parallelism: 1 },
            Fault::DropTransfers { count: 1 },
            Fault::LinkOutage { duration_ms: 1 },
            Fault::LatencySpike {
                latency_ms: 0.0,
                duration_ms: 1,
            },
            Fault::SetBandwidth { mbit_s: 1.0 },
            Fault::CorruptChunk { key_group: 0 },
            Fault::LoseChunk { key_group: 0 },
            Fault::StoreUnavailable { duration_ms: 1 },
        ];
        // A new kind stops this match from compiling until it is listed above too.
        for f in &all {
            match f {
                Fault::CrashJob
                | Fault::CrashSubtask { .. }
                | Fault::Rescale { .. }
                | Fault::DropTransfers { .. }
                | Fault::LinkOutage { .. }
                | Fault::LatencySpike { .. }
                | Fault::SetBandwidth { .. }
                | Fault::CorruptChunk { .. }
                | Fault::LoseChunk { .. }
                | Fault::StoreUnavailable { .. } => {}
            }
        }
        all
    }

    pub fn describe(&self) -> String {
        match self {
            Fault::CrashJob => "crash the job".into(),
            Fault::CrashSubtask { subtask } => format!("crash subtask {subtask}"),
            Fault::Rescale { parallelism } => format!("rescale to parallelism {parallelism}"),
            Fault::DropTransfers { count } => format!("drop the next {count} transfers"),
            Fault::LinkOutage { duration_ms } => format!("link outage for {duration_ms} ms"),
            Fault::LatencySpike {
                latency_ms,
                duration_ms,
            } => format!("latency {latency_ms} ms for {duration_ms} ms"),
            Fault::SetBandwidth { mbit_s } => format!("bandwidth to {mbit_s} Mbit/s"),
            Fault::CorruptChunk { key_group } => {
                format!("corrupt the chunk of key group {key_group} in the latest checkpoint")
            }
            Fault::LoseChunk { key_group } => {
                format!("lose the chunk of key group {key_group} in the latest checkpoint")
            }
            Fault::StoreUnavailable { duration_ms } => {
                format!("checkpoint store unavailable for {duration_ms} ms")
            }
        }
    }
}

/// Why a fault (or a person's action) could not be applied; nothing changed then.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultError {
    /// No such subtask at the job's current parallelism.
    NoSuchSubtask { subtask: u32, parallelism: u32 },
    /// The new parallelism is not one Flink (or the lab) accepts.
    BadParallelism { parallelism: u32, reason: String },
    /// Bandwidth must be a positive, finite number.
    BadBandwidth { mbit_s: f64 },
    /// No key group with this number.
    NoSuchKeyGroup { key_group: u32, key_groups: u32 },
    /// No completed checkpoint holds a chunk of the key group (none has completed yet).
    NoChunkForKeyGroup { key_group: u32 },
    /// The chunk is already gone from the store.
    ChunkGone {
        chunk: ChunkId,
        key_group: Option<u32>,
    },
}

impl fmt::Display for FaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultError::NoSuchSubtask {
                subtask,
                parallelism,
            } => write!(
                f,
                "subtask must be below the parallelism ({parallelism}), got {subtask}"
            ),
            FaultError::BadParallelism {
                parallelism,
                reason,
            } => write!(f, "parallelism {parallelism} refused: {reason}"),
            FaultError::BadBandwidth { mbit_s } => {
                write!(f, "bandwidth must be positive, got {mbit_s}")
            }
            FaultError::NoSuchKeyGroup {
                key_group,
                key_groups,
            } => write!(
                f,
                "key group must be below the max parallelism ({key_groups}), got {key_group}"
            ),
            FaultError::NoChunkForKeyGroup { key_group } => write!(
                f,
                "no completed checkpoint holds a chunk of key group {key_group}"
            ),
            FaultError::ChunkGone {
                chunk,
                key_group: Some(kg),
            } => write!(f, "chunk {chunk} of key group {kg} is already gone"),
            FaultError::ChunkGone {
                chunk,
                key_group: None,
            } => write!(f, "chunk {chunk} is not in the store"),
        }
    }
}

impl std::error::Error for FaultError {}
