//! A retained checkpoint brought from outside the run: what a job submitted from it (as
//! `flink run -s DIR`) starts with. Its chunks, each with its key group, the source offset
//! its state is valid at and its codec, plus where the job that took it stood when it
//! stopped. Before anything runs it is checked against the job it is given to: the same
//! max parallelism (key groups are the unit that moves, their number cannot change), the
//! same record source (the source offsets must mean the same records), every key group
//! exactly once, every chunk decoding in this job's format. Then it is restored by the
//! engine's own recovery (`sim/retained.rs`): the same download, decode, rewind, per key
//! group skip and exactly-once check as after a crash.

use std::fmt;

use crate::engine::state::codec::Codec;
use crate::engine::state::snapshot::SnapshotError;
use crate::engine::transfer::store::CheckpointId;

/// One key group's chunk of a retained checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainedChunk {
    pub key_group: u32,
    /// The source offset its state is valid at (older than the checkpoint's own when the
    /// adaptive policy left the key group waiting).
    pub source_offset: u64,
    pub captured_at_us: u64,
    pub codec: Codec,
    /// It starts with its subtask's state-file header.
    pub with_header: bool,
    /// Its bytes uncompressed, as the manifest records them.
    pub raw_len: u64,
    /// Its bytes as stored.
    pub bytes: Vec<u8>,
}

/// A completed checkpoint and where the job that took it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainedCheckpoint {
    pub checkpoint: CheckpointId,
    /// The offset recorded with its barrier.
    pub source_offset: u64,
    pub triggered_at_us: u64,
    pub completed_at_us: u64,
    /// The parallelism it was taken at.
    pub parallelism: u32,
    pub max_parallelism: u32,
    /// [`crate::engine::sim::Simulation::source_fingerprint`] of the job that took it.
    pub source_fingerprint: u64,
    /// When the job that took it stopped (the restored job's clock starts here) and how
    /// far its source had read then (the point its replay must catch up with before the
    /// exactly-once check).
    pub stopped_at_us: u64,
    pub stopped_at_offset: u64,
    pub chunks: Vec<RetainedChunk>,
}

/// Why a retained checkpoint cannot start this job; nothing has run when it is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetainedError {
    /// Key groups cannot be split or merged: the max parallelism is fixed for a job's life.
    MaxParallelism {
        checkpoint: u32,
        job: u32,
    },
    /// The job reads other records than the one that took the checkpoint (workload, seed
    /// or trace differ), so its source offsets would replay the wrong records.
    OtherSource {
        checkpoint: u64,
        job: u64,
    },
    MissingKeyGroup {
        key_group: u32,
    },
    DuplicateKeyGroup {
        key_group: u32,
    },
    NoSuchKeyGroup {
        key_group: u32,
        key_groups: u32,
    },
    /// A chunk's offset is past the checkpoint's own, or the job's stop is before it.
    Offsets {
        key_group: Option<u32>,
        detail: String,
    },
    /// A chunk does not decode as this job's state.
    Chunk {
        key_group: u32,
        error: SnapshotError,
    },
}

impl fmt::Display for RetainedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RetainedError::*;
        match self {
            MaxParallelism { checkpoint, job } => write!(
                f,
                "max parallelism: the checkpoint has {checkpoint} key groups, the job is configured with {job} (job.max_parallelism); key groups cannot be split or merged, so it must be {checkpoint}"
            ),
            OtherSource { checkpoint, job } => write!(
                f,
                "workload: the checkpoint was taken by a job reading other records (source fingerprint {checkpoint:016x}, this job's {job:016x}); give the config (workload and seed) and trace it was exported with"
            ),
            MissingKeyGroup { key_group } => {
                write!(f, "key group {key_group}: no chunk in the checkpoint")
            }
            DuplicateKeyGroup { key_group } => {
                write!(f, "key group {key_group}: two chunks in the checkpoint")
            }
            NoSuchKeyGroup {
                key_group,
                key_groups,
            } => write!(
                f,
                "key group {key_group}: the job has key groups 0 to {}",
                key_groups.saturating_sub(1)
            ),
            Offsets {
                key_group: Some(kg),
                detail,
            } => write!(f, "key group {kg}: {detail}"),
            Offsets {
                key_group: None,
                detail,
            } => f.write_str(detail),
            Chunk { key_group, error } => write!(f, "key group {key_group}: {error}"),
        }
    }
}

impl std::error::Error for RetainedError {}

impl RetainedCheckpoint {
    /// The checks that need no job: every key group of `0..max_parallelism` once, each
    /// chunk's offset no later than the checkpoint's, the stop no earlier.
    pub fn check_shape(&self) -> Result<(), RetainedError> {
        let n = self.max_parallelism;
        let mut seen = vec![false; n as usize];
        for c in &self.chunks {
            let slot = seen
                .get_mut(c.key_group as usize)
                .ok_or(RetainedError::NoSuchKeyGroup {
                    key_group: c.key_group,
                    key_groups: n,
                })?;
            if std::mem::replace(slot, true) {
                return Err(RetainedError::DuplicateKeyGroup {
                    key_group: c.key_group,
                });
            }
            if c.source_offset > self.source_offset {
                return Err(RetainedError::Offsets {
                    key_group: Some(c.key_group),
                    detail: format!(
                        "its state is valid at source offset {}, after the checkpoint's own {}",
                        c.source_offset, self.source_offset
                    ),
                });
            }
        }
        if let Some(kg) = seen.iter().position(|s| !s) {
            return Err(RetainedError::MissingKeyGroup {
                key_group: kg as u32,
            });
        }
        if self.stopped_at_offset < self.source_offset {
            return Err(RetainedError::Offsets {
                key_group: None,
                detail: format!(
                    "the job stopped at source offset {}, before its checkpoint's {}",
                    self.stopped_at_offset, self.source_offset
                ),
            });
        }
        Ok(())
    }
}
