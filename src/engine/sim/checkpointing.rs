//! Glue between the coordinator and the rest of the run: triggering (barriers into the
//! job's channels), a barrier's snapshot, the sync phase's end, chunks stored, subtask
//! acknowledgements, completion and failure — each logged as a typed event.

use super::timers::{Scope, Timer};
use super::Simulation;
use crate::engine::report::events::Event;
use crate::engine::report::stats::{CheckpointFailure, FailureCause};
use crate::engine::transfer::coordinator::BarrierTaken;
use crate::engine::transfer::link::Transfer;
use crate::engine::transfer::store::CheckpointId;

impl Simulation {
    /// Triggers a checkpoint now if the job runs and the limits allow it. Returns whether
    /// one was triggered.
    pub fn trigger_checkpoint(&mut self) -> bool {
        self.settle();
        if !self.recovery.is_running() {
            return false;
        }
        let Some(id) = self.coordinator.trigger(
            self.now,
            self.job.source_offset(),
            self.job.partitioning().parallelism(),
            &self.config.checkpointing,
        ) else {
            return false;
        };
        self.job.inject_barriers(id);
        let timeout_ms = self.config.checkpointing.timeout_ms;
        self.schedule_in_epoch(
            self.now + timeout_ms * 1000,
            Timer::Timeout {
                checkpoint: id,
                timeout_ms,
            },
        );
        self.emit(Event::CheckpointTriggered {
            checkpoint: id,
            offset: self.job.source_offset(),
        });
        self.rearm_trigger();
        true
    }

    /// The periodic trigger came due: trigger, or re-arm when the limits say not now.
    pub(super) fn try_trigger(&mut self) {
        if !self.trigger_checkpoint() {
            self.rearm_trigger();
        }
    }

    /// Recomputes when the next checkpoint is due from the policy's current interval.
    pub(super) fn rearm_trigger(&mut self) {
        let decision = self.interval_decision();
        if let Some((at, token)) = self.coordinator.rearm(
            self.now,
            self.recovery.is_running(),
            &self.config.checkpointing,
            decision.as_ref(),
        ) {
            self.timers
                .schedule(at, Scope::Global, Timer::Trigger(token));
        }
    }

    /// A barrier reached `subtask` at `at` and its snapshot was taken: the subtask is busy
    /// in the sync phase until `at + sync_us`.
    pub(super) fn on_barrier_taken(
        &mut self,
        subtask: u32,
        checkpoint: CheckpointId,
        at: u64,
        taken: BarrierTaken,
    ) {
        self.log.push(
            at,
            Event::BarrierReached {
                checkpoint,
                subtask,
                start_delay_us: taken.start_delay_us,
            },
        );
        self.schedule_in_epoch(
            at + taken.sync_us,
            Timer::SyncDone {
                checkpoint,
                subtask,
            },
        );
    }

    pub(super) fn on_sync_done(&mut self, checkpoint: CheckpointId, subtask: u32) {
        let Some(taken) = self.coordinator.on_sync_done(checkpoint, subtask) else {
            return;
        };
        self.emit(Event::SnapshotTaken {
            checkpoint,
            subtask,
            shipped: taken.shipped,
            referenced: taken.referenced,
            sync_us: taken.sync_us,
        });
        self.maybe_acknowledge(checkpoint, subtask);
    }

    pub(super) fn on_timeout(&mut self, checkpoint: CheckpointId, timeout_ms: u64) {
        if self.coordinator.is_pending(checkpoint) {
            self.fail_checkpoint(checkpoint, CheckpointFailure::Expired { timeout_ms });
        }
    }

    /// A transfer reached its end of the link (or was lost on the way).
    pub(super) fn on_arrival(&mut self, transfer: Transfer, size: u64) {
        if self.link.lost(self.config.seed) {
            self.lose(
                transfer,
                crate::engine::report::stats::LossCause::LostOnLink,
            );
            return;
        }
        match transfer {
            Transfer::Upload {
                checkpoint,
                subtask,
                key_group,
                codec,
                raw_len,
                bytes,
                with_header,
                ..
            } => {
                if !self.coordinator.is_pending(checkpoint) {
                    return;
                }
                if !self.store.is_available(self.now) {
                    self.fail_checkpoint(
                        checkpoint,
                        CheckpointFailure::StoreUnavailable { key_group },
                    );
                    return;
                }
                if let Some(acked) = self.coordinator.on_chunk_stored(
                    &mut self.store,
                    checkpoint,
                    subtask,
                    key_group,
                    codec,
                    raw_len,
                    bytes,
                    with_header,
                ) {
                    self.emit(Event::ChunkAcknowledged {
                        checkpoint,
                        subtask,
                        key_group,
                        chunk: acked.chunk,
                        encoded_bytes: acked.encoded_bytes,
                    });
                    self.maybe_acknowledge(checkpoint, subtask);
                }
            }
            download @ Transfer::Download { .. } => self.on_download_arrived(download, size),
        }
    }

    fn maybe_acknowledge(&mut self, checkpoint: CheckpointId, subtask: u32) {
        let (acknowledged, all) = self
            .coordinator
            .try_acknowledge(checkpoint, subtask, self.now);
        if acknowledged {
            self.emit(Event::SubtaskAcknowledged {
                checkpoint,
                subtask,
            });
        }
        if all {
            self.complete_checkpoint(checkpoint);
        }
    }

    fn complete_checkpoint(&mut self, checkpoint: CheckpointId) {
        let parallelism = self.job.partitioning().parallelism();
        let done = self.coordinator.complete(
            checkpoint,
            self.now,
            parallelism,
            self.job.tracking_mut(),
            &mut self.store,
            self.config.checkpointing.num_retained,
        );
        if let Some(latest) = self.store.latest() {
            self.recovery.plan(latest, &self.store);
        }
        self.emit(Event::CheckpointCompleted {
            checkpoint,
            duration_us: done.duration_us,
            shipped: done.shipped,
            referenced: done.referenced,
            uploaded_bytes: done.uploaded_bytes,
            raw_bytes: done.raw_bytes,
            full_bytes: done.full_bytes,
        });
        if !done.deleted.is_empty() {
            self.emit(Event::ChunksDeleted {
                chunks: done.deleted,
            });
        }
        // A newer completed checkpoint subsumes older ones still running.
        for old in done.subsumed {
            self.fail_checkpoint(old, CheckpointFailure::Subsumed { by: checkpoint });
        }
        self.rearm_trigger();
    }

    /// Fails a running checkpoint; past `tolerable-failed-checkpoints` the job fails too.
    pub(super) fn fail_checkpoint(&mut self, checkpoint: CheckpointId, failure: CheckpointFailure) {
        let Some(aborted) = self.coordinator.fail(
            checkpoint,
            failure.clone(),
            self.now,
            &mut self.store,
            self.config.checkpointing.tolerable_failed,
        ) else {
            return;
        };
        self.emit(Event::CheckpointFailed {
            checkpoint,
            failure,
            discarded_chunks: aborted.discarded_chunks,
        });
        if aborted.tolerance_exceeded {
            self.fail_job(FailureCause::TolerableFailuresExceeded {
                tolerable: self.config.checkpointing.tolerable_failed,
            });
            return;
        }
        self.rearm_trigger();
    }
}
