//! The job's life after a failure: restart delay, restore (download, decode and verify
//! every chunk of the latest completed checkpoint, falling back to an older one when a
//! chunk is bad), rewind and replay, and the exactly-once check once it has caught up.

use crate::engine::partitioning::keygroups::Partitioning;
use crate::engine::partitioning::workload::Workload;
use crate::engine::recovery::oracle::Oracle;
use crate::engine::recovery::plans::{RestorePlan, RestorePlans};
use crate::engine::report::stats::{
    ChunkFault, ExactlyOnceReport, FailureCause, Fallback, JobStatus, RecoveryStats,
};
use crate::engine::state::codec::CodecError;
use crate::engine::state::flink_heap::HeapLayout;
use crate::engine::state::keyed::KeyGroupState;
use crate::engine::state::snapshot;
use crate::engine::transfer::store::{ChunkId, CompletedCheckpoint, Store};
use std::sync::Arc;

#[derive(Clone, Debug)]
struct Restore {
    /// The restore attempt; downloads name it, so a fallback drops the old ones.
    id: u64,
    checkpoint: Option<CompletedCheckpoint>,
    decoded: Vec<Option<Arc<KeyGroupState>>>,
    outstanding: u32,
    /// When the decoder is free again (chunks decode one after another).
    decode_free_at: u64,
}

/// A chunk the restore downloaded, decoded and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Restored {
    /// When the last chunk is decoded, once every chunk has arrived.
    pub done_at: Option<u64>,
}

/// A finished restore: each key group's decoded state (`None`: it had no chunk), the
/// checkpoint it came from, and the offset replay starts from.
pub(crate) struct RestoredState {
    pub decoded: Vec<Option<Arc<KeyGroupState>>>,
    pub checkpoint: Option<CompletedCheckpoint>,
    pub offset: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Recovery {
    status: JobStatus,
    /// Moves on with every failure and every restore attempt: timers and downloads of an
    /// older attempt are dropped.
    epoch: u64,
    restore: Option<Restore>,
    recoveries: Vec<RecoveryStats>,
    /// The parallelism a rescale restarts with.
    pending_partitioning: Option<Partitioning>,
    oracle: Oracle,
    /// What restoring each recently completed checkpoint would cost.
    plans: RestorePlans,
}

impl Recovery {
    pub fn new(workload: &Arc<Workload>) -> Self {
        Self {
            status: JobStatus::Running,
            epoch: 0,
            restore: None,
            recoveries: Vec::new(),
            pending_partitioning: None,
            oracle: Oracle::new(workload),
            plans: RestorePlans::default(),
        }
    }

    pub fn status(&self) -> &JobStatus {
        &self.status
    }

    pub fn is_running(&self) -> bool {
        self.status == JobStatus::Running
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn recoveries(&self) -> &[RecoveryStats] {
        &self.recoveries
    }

    /// A checkpoint completed: keep what restoring it would cost.
    pub fn plan(&mut self, checkpoint: &CompletedCheckpoint, store: &Store) {
        self.plans.record(RestorePlan::of(checkpoint, store));
    }

    pub fn plans(&self) -> &RestorePlans {
        &self.plans
    }

    pub fn oracle(&self) -> &Oracle {
        &self.oracle
    }

    /// The restore attempt in progress, if any.
    pub fn restore_id(&self) -> Option<u64> {
        self.restore.as_ref().map(|r| r.id)
    }

    /// The partitioning the job runs with after the pending rescale, if one is pending.
    pub fn pending_partitioning(&self) -> Option<Partitioning> {
        self.pending_partitioning
    }

    pub fn rescale_to(&mut self, p: Partitioning) {
        self.pending_partitioning = Some(p);
    }

    /// The job failed at `now`: everything of this attempt is void, and the job restarts
    /// after `restart_delay_us`. A failure during an unfinished recovery keeps the original
    /// failure point, so replay still covers everything processed before it.
    pub fn fail(
        &mut self,
        now: u64,
        cause: FailureCause,
        source_offset: u64,
        parallelism_after: u32,
        restart_delay_us: u64,
    ) -> u64 {
        self.epoch += 1;
        self.restore = None;
        let restart_at = now + restart_delay_us;
        self.status = JobStatus::Restarting {
            restart_at_us: restart_at,
        };
        let offset_at_failure = self
            .recoveries
            .last()
            .filter(|r| r.caught_up_at_us.is_none())
            .map_or(source_offset, |r| r.offset_at_failure.max(source_offset));
        self.recoveries.push(RecoveryStats {
            failed_at_us: now,
            cause,
            offset_at_failure,
            checkpoint: None,
            restore_offset: 0,
            parallelism: parallelism_after,
            restore_started_at_us: None,
            downloaded_bytes: 0,
            download_done_at_us: None,
            decode_us: 0,
            restored_at_us: None,
            caught_up_at_us: None,
            replayed_records: 0,
            exactly_once: None,
            fallbacks: Vec::new(),
        });
        restart_at
    }

    /// The restart delay is over: the partitioning the job restarts with.
    pub fn restart(&mut self) -> Option<Partitioning> {
        self.pending_partitioning.take()
    }

    /// Starts restoring `checkpoint` (or empty state); returns the restore attempt's id.
    /// The caller asks the link for each chunk of the manifest.
    pub fn start_restore(
        &mut self,
        now: u64,
        checkpoint: Option<CompletedCheckpoint>,
        key_groups: u32,
    ) -> u64 {
        let total = checkpoint.as_ref().map_or(0, |c| c.manifest.len() as u32);
        if let Some(r) = self.recoveries.last_mut() {
            r.checkpoint = checkpoint.as_ref().map(|c| c.id);
            r.restore_offset = checkpoint
                .as_ref()
                .map_or(0, CompletedCheckpoint::replay_offset);
            r.restore_started_at_us = Some(now);
        }
        self.status = JobStatus::Restoring {
            checkpoint: checkpoint.as_ref().map(|c| c.id),
            chunks_total: total,
            chunks_done: 0,
        };
        self.restore = Some(Restore {
            id: self.epoch,
            checkpoint,
            decoded: vec![None; key_groups as usize],
            outstanding: total,
            decode_free_at: now,
        });
        self.epoch
    }

    /// A downloaded chunk: decode and verify it. `Err` names what is wrong with it; the
    /// caller falls back to an older checkpoint.
    #[allow(clippy::too_many_arguments)]
    pub fn on_chunk(
        &mut self,
        now: u64,
        restore: u64,
        key_group: u32,
        chunk: ChunkId,
        size: u64,
        store: &Store,
        workload: &Workload,
        layout: &HeapLayout,
        decode_mb_s: f64,
    ) -> Option<Result<Restored, ChunkFault>> {
        let r = self.restore.as_mut().filter(|r| r.id == restore)?;
        let decoded = match store.chunk(chunk) {
            None => Err(ChunkFault::Missing),
            // An uncompressed chunk has no checksum of its own: the store's says whether
            // it is the chunk that was uploaded.
            Some(c) if c.crc32.is_some_and(|crc| crc != crc32fast::hash(&c.bytes)) => {
                Err(ChunkFault::Codec {
                    error: CodecError::ChecksumMismatch,
                })
            }
            Some(c) => snapshot::decode(
                &c.bytes,
                key_group,
                layout,
                c.codec,
                c.with_header,
                workload.config().value_model,
                workload.keys(),
            )
            .map_err(|error| ChunkFault::Snapshot { error })
            .map(|state| (state, c.raw_len)),
        };
        let (state, raw_len) = match decoded {
            Ok(v) => v,
            Err(fault) => return Some(Err(fault)),
        };
        r.decoded[key_group as usize] = Some(Arc::new(state));
        r.outstanding -= 1;
        let decode_us = (raw_len as f64 / decode_mb_s).ceil() as u64;
        r.decode_free_at = r.decode_free_at.max(now) + decode_us;
        let (outstanding, free_at) = (r.outstanding, r.decode_free_at);
        if let JobStatus::Restoring { chunks_done, .. } = &mut self.status {
            *chunks_done += 1;
        }
        if let Some(rec) = self.recoveries.last_mut() {
            rec.downloaded_bytes += size;
            rec.decode_us += decode_us;
            if outstanding == 0 {
                rec.download_done_at_us = Some(now);
            }
        }
        Some(Ok(Restored {
            done_at: (outstanding == 0).then_some(free_at),
        }))
    }

    /// A chunk of the checkpoint being restored is bad: the newest older completed
    /// checkpoint replaces it (or empty state if none is left). Returns the fallback and the
    /// checkpoint to restore now.
    pub fn fall_back(
        &mut self,
        chunk: ChunkId,
        key_group: u32,
        fault: ChunkFault,
        store: &Store,
    ) -> (Option<Fallback>, Option<CompletedCheckpoint>) {
        let failed = self
            .restore
            .as_ref()
            .and_then(|r| r.checkpoint.as_ref().map(|c| c.id));
        self.epoch += 1;
        let older = failed.and_then(|f| store.completed().rev().find(|c| c.id < f).cloned());
        let fallback = failed.map(|from| Fallback {
            from,
            to: older.as_ref().map(|o| o.id),
            chunk,
            key_group,
            fault,
        });
        if let (Some(rec), Some(f)) = (self.recoveries.last_mut(), &fallback) {
            rec.fallbacks.push(f.clone());
        }
        (fallback, older)
    }

    /// Every chunk is decoded: the state to install and the offset replay starts from.
    pub fn finish(&mut self, now: u64) -> Option<RestoredState> {
        let r = self.restore.take()?;
        let offset = r
            .checkpoint
            .as_ref()
            .map_or(0, CompletedCheckpoint::replay_offset);
        self.status = JobStatus::Running;
        if let Some(rec) = self.recoveries.last_mut() {
            rec.restored_at_us = Some(now);
            rec.replayed_records = rec.offset_at_failure.saturating_sub(offset);
        }
        Some(RestoredState {
            decoded: r.decoded,
            checkpoint: r.checkpoint,
            offset,
        })
    }

    /// Whether the latest recovery restored and now waits to catch up with the failure
    /// point `offset_at_failure`.
    pub fn awaiting_catch_up(&self) -> Option<u64> {
        let rec = self.recoveries.last()?;
        (rec.restored_at_us.is_some() && rec.caught_up_at_us.is_none())
            .then_some(rec.offset_at_failure)
    }

    /// Compares `state` with the oracle at `offset` (the job must be drained there).
    pub fn check(
        &mut self,
        now: u64,
        offset: u64,
        state: &[Arc<KeyGroupState>],
        workload: &Workload,
        seed: u64,
    ) -> ExactlyOnceReport {
        self.oracle.advance_to(workload, seed, offset);
        ExactlyOnceReport {
            at_us: now,
            offset,
            differing_key_groups: self.oracle.differing(state),
        }
    }

    /// The latest recovery caught up at `now`; returns its recovery time.
    pub fn caught_up(&mut self, now: u64, report: ExactlyOnceReport) -> u64 {
        let rec = self
            .recoveries
            .last_mut()
            .expect("a recovery awaits catching up");
        rec.caught_up_at_us = Some(now);
        rec.exactly_once = Some(report);
        now - rec.failed_at_us
    }
}
