//! Glue for the job's failure and recovery: failing the job (every running checkpoint
//! aborts, everything in flight is lost), the restart, the restore's downloads and their
//! verification with fallback, installing the restored state, and the exactly-once check
//! once the replay has caught up. Also the store faults a person can cause.

use super::timers::Timer;
use super::Simulation;
use crate::engine::config::MAX_PARALLELISM_IN_LAB;
use crate::engine::faults::FaultError;
use crate::engine::recovery::restore::RestoredState;
use crate::engine::report::events::Event;
use crate::engine::report::stats::{
    CheckpointFailure, ChunkFault, ExactlyOnceReport, FailureCause, LossCause,
};
use crate::engine::transfer::link::Transfer;
use crate::engine::transfer::store::{ChunkId, CompletedCheckpoint};
use crate::engine::transfer::tracking::Confirmed;

impl Simulation {
    /// Crashes the whole job: state and in-flight data are lost, running checkpoints abort.
    pub fn crash_job(&mut self) {
        self.settle();
        self.fail_job(FailureCause::CrashInjected);
    }

    /// Crashes one subtask. With `keyBy`'s all-to-all edges the failover region is the
    /// whole job, so, as in Flink, every subtask restarts.
    pub fn crash_subtask(&mut self, subtask: u32) -> Result<(), FaultError> {
        // Refused before settling too: a refusal leaves the run exactly as it was, since
        // settling moves the data plane to now, which a replay of the actions taken (time
        // travel, a link's branches) does not do for an action that was refused.
        self.check_subtask(subtask)?;
        self.settle();
        // A fault due at this very moment may have rescaled.
        self.check_subtask(subtask)?;
        self.fail_job(FailureCause::SubtaskFailed { subtask });
        Ok(())
    }

    fn check_subtask(&self, subtask: u32) -> Result<(), FaultError> {
        // Between a rescale and its restart, the subtasks are those it restarts with.
        let parallelism = self
            .recovery
            .pending_partitioning()
            .unwrap_or(self.job.partitioning())
            .parallelism();
        if subtask >= parallelism {
            return Err(FaultError::NoSuchSubtask {
                subtask,
                parallelism,
            });
        }
        Ok(())
    }

    /// Restarts with a new parallelism from the latest completed checkpoint; whole key
    /// groups move to the subtasks of their new ranges.
    pub fn rescale(&mut self, parallelism: u32) -> Result<(), FaultError> {
        let refuse = |reason: String| FaultError::BadParallelism {
            parallelism,
            reason,
        };
        let new = self
            .job
            .partitioning()
            .with_parallelism(parallelism)
            .map_err(|e| refuse(e.to_string()))?;
        if parallelism > MAX_PARALLELISM_IN_LAB {
            return Err(refuse(format!(
                "parallelism must be at most {MAX_PARALLELISM_IN_LAB}"
            )));
        }
        // Settled only once accepted: a refusal leaves the run as it was (see
        // `crash_subtask`). What is refused depends on the key groups alone, which
        // settling does not change.
        self.settle();
        let from = self.job.partitioning().parallelism();
        self.recovery.rescale_to(new);
        // The config says what the job runs with, so a later settings change keeps it.
        self.config.job.parallelism = parallelism;
        self.fail_job(FailureCause::Rescale {
            from,
            to: parallelism,
        });
        Ok(())
    }

    pub(super) fn fail_job(&mut self, cause: FailureCause) {
        for id in self.coordinator.running() {
            if let Some(aborted) = self.coordinator.fail(
                id,
                CheckpointFailure::JobFailed,
                self.now,
                &mut self.store,
                self.config.checkpointing.tolerable_failed,
            ) {
                self.emit(Event::CheckpointFailed {
                    checkpoint: id,
                    failure: CheckpointFailure::JobFailed,
                    discarded_chunks: aborted.discarded_chunks,
                });
            }
        }
        self.link.clear();
        self.coordinator.clear_backlog();
        self.coordinator.disarm();
        self.job.fail();
        let parallelism_after = self
            .recovery
            .pending_partitioning()
            .unwrap_or(self.job.partitioning())
            .parallelism();
        let restart_delay_ms = self.config.job.restart_delay_ms;
        let restart_at = self.recovery.fail(
            self.now,
            cause.clone(),
            self.job.source_offset(),
            parallelism_after,
            restart_delay_ms * 1000,
        );
        self.emit(Event::JobFailed {
            cause,
            restart_delay_ms,
        });
        self.schedule_in_epoch(restart_at, Timer::Restart);
    }

    pub(super) fn begin_restore(&mut self) {
        let partitioning = self.recovery.restart().unwrap_or(self.job.partitioning());
        self.job.restart(partitioning);
        let checkpoint = self.store.latest().cloned();
        self.start_restore_from(checkpoint);
    }

    fn start_restore_from(&mut self, checkpoint: Option<CompletedCheckpoint>) {
        let key_groups = self.job.partitioning().max_parallelism();
        let restore = self
            .recovery
            .start_restore(self.now, checkpoint.clone(), key_groups);
        let total = checkpoint.as_ref().map_or(0, |c| c.manifest.len() as u32);
        if let Some(c) = &checkpoint {
            for r in &c.manifest {
                let size = self
                    .store
                    .chunk(r.chunk)
                    .map_or(0, |ch| ch.bytes.len() as u64);
                self.link.enqueue(
                    Transfer::Download {
                        restore,
                        key_group: r.key_group,
                        chunk: r.chunk,
                        attempt: 0,
                    },
                    size,
                    self.now,
                );
            }
        }
        self.emit(Event::RestoreStarted {
            checkpoint: checkpoint.as_ref().map(|c| c.id),
            offset: checkpoint.as_ref().map_or(0, |c| c.offset),
            parallelism: self.job.partitioning().parallelism(),
            chunks: total,
        });
        if total == 0 {
            self.schedule_in_epoch(self.now, Timer::RestoreDone);
        }
    }

    pub(super) fn on_download_arrived(&mut self, transfer: Transfer, size: u64) {
        let Transfer::Download {
            restore,
            key_group,
            chunk,
            ..
        } = transfer
        else {
            return;
        };
        if self.recovery.restore_id() != Some(restore) {
            return;
        }
        if !self.store.is_available(self.now) {
            // The read was refused: try again like a lost transfer.
            self.lose(transfer, LossCause::StoreRefusedRead);
            return;
        }
        let outcome = self.recovery.on_chunk(
            self.now,
            restore,
            key_group,
            chunk,
            size,
            &self.store,
            self.job.workload(),
            self.job.layout(),
            self.config.costs.restore_decode_mb_s,
        );
        match outcome {
            Some(Ok(restored)) => {
                self.emit(Event::ChunkRestored {
                    key_group,
                    chunk,
                    encoded_bytes: size,
                });
                if let Some(done_at) = restored.done_at {
                    self.schedule_in_epoch(done_at, Timer::RestoreDone);
                }
            }
            Some(Err(fault)) => self.fall_back(chunk, key_group, fault),
            None => {}
        }
    }

    /// A chunk of the checkpoint being restored is bad: restore the newest older
    /// completed checkpoint instead, or start from scratch if none is left.
    fn fall_back(&mut self, chunk: ChunkId, key_group: u32, fault: ChunkFault) {
        self.link.clear_downloads();
        let (fallback, older) = self
            .recovery
            .fall_back(chunk, key_group, fault, &self.store);
        if let Some(f) = fallback {
            self.emit(Event::RestoreFellBack(f));
        }
        self.start_restore_from(older);
    }

    pub(super) fn finish_restore(&mut self) {
        let Some(RestoredState {
            decoded,
            checkpoint,
            offset,
        }) = self.recovery.finish(self.now)
        else {
            return;
        };
        let confirmed = checkpoint.iter().flat_map(|c| {
            c.manifest.iter().map(|m| {
                (
                    m.key_group,
                    Confirmed {
                        chunk: m.chunk,
                        version: 0,
                        offset: m.offset,
                        captured_at_us: m.captured_at_us,
                    },
                )
            })
        });
        self.job.restore(decoded, confirmed, offset);
        self.coordinator.counts_mut().restored += u64::from(checkpoint.is_some());
        self.emit(Event::RestoreDone { offset });
        self.coordinator.restart_schedule(self.now);
        self.rearm_trigger();
    }

    /// After a recovery: once the job has replayed past the failure point and drained its
    /// channels, compare every key group with the oracle.
    pub(super) fn check_caught_up(&mut self) {
        let Some(target) = self.recovery.awaiting_catch_up() else {
            return;
        };
        if self.job.source_offset() < target || !self.is_drained() {
            return;
        }
        let Some(report) = self.exactly_once_check() else {
            return;
        };
        let recovery_us = self.recovery.caught_up(self.now, report.clone());
        self.emit(Event::CaughtUp {
            recovery_us,
            report: Some(report),
        });
    }

    /// Compares the state with the oracle at the source offset; only meaningful (and only
    /// answered) when the job is drained.
    pub fn exactly_once_check(&mut self) -> Option<ExactlyOnceReport> {
        if !self.is_drained() {
            return None;
        }
        let workload = self.job.workload().clone();
        Some(self.recovery.check(
            self.now,
            self.job.source_offset(),
            self.job.state(),
            &workload,
            self.config.seed,
        ))
    }

    /// Flips one bit of a stored chunk; a restore that reads it will notice.
    pub fn corrupt_chunk(&mut self, chunk: ChunkId, bit: u64) -> Result<(), FaultError> {
        self.settle();
        if !self.store.flip_bit(chunk, bit) {
            return Err(FaultError::ChunkGone {
                chunk,
                key_group: None,
            });
        }
        self.emit(Event::ChunkCorrupted { chunk, bit });
        Ok(())
    }

    /// Deletes a stored chunk behind the checkpoints' backs.
    pub fn lose_chunk(&mut self, chunk: ChunkId) -> Result<(), FaultError> {
        self.settle();
        if !self.store.lose(chunk) {
            return Err(FaultError::ChunkGone {
                chunk,
                key_group: None,
            });
        }
        self.emit(Event::ChunkLost { chunk });
        Ok(())
    }
}
