//! Injecting faults (by a person or from the config's schedule), and what happens to a
//! transfer that did not arrive: a retry after an exponential backoff, or, once the
//! attempts are spent, a failed checkpoint (upload) or a failed job (restore).

use super::timers::{Scope, Timer};
use super::Simulation;
use crate::engine::faults::{Fault, FaultError};
use crate::engine::report::events::Event;
use crate::engine::report::stats::{CheckpointFailure, FailureCause, LossCause, Refusal};
use crate::engine::transfer::link::{AfterLoss, Transfer};

impl Simulation {
    /// Applies a fault now. Errors name what does not fit (an unknown subtask, a key
    /// group without a stored chunk …); nothing changes then.
    pub fn inject(&mut self, fault: &Fault) -> Result<(), FaultError> {
        self.settle();
        let now = self.now;
        match *fault {
            // These log their own events.
            Fault::CrashJob => {
                self.crash_job();
                return Ok(());
            }
            Fault::CrashSubtask { subtask } => return self.crash_subtask(subtask),
            Fault::Rescale { parallelism } => return self.rescale(parallelism),
            Fault::CorruptChunk { key_group } | Fault::LoseChunk { key_group } => {
                let key_groups = self.job.partitioning().max_parallelism();
                if key_group >= key_groups {
                    return Err(FaultError::NoSuchKeyGroup {
                        key_group,
                        key_groups,
                    });
                }
                let chunk = self
                    .store
                    .latest()
                    .and_then(|c| c.manifest.iter().find(|m| m.key_group == key_group))
                    .map(|m| m.chunk)
                    .ok_or(FaultError::NoChunkForKeyGroup { key_group })?;
                let gone = FaultError::ChunkGone {
                    chunk,
                    key_group: Some(key_group),
                };
                return if matches!(fault, Fault::CorruptChunk { .. }) {
                    // A bit in the middle of the chunk: inside the payload, not the header.
                    let len = self.store.chunk(chunk).map_or(0, |c| c.bytes.len() as u64);
                    self.corrupt_chunk(chunk, len * 4 + 3).map_err(|_| gone)
                } else {
                    self.lose_chunk(chunk).map_err(|_| gone)
                };
            }
            Fault::DropTransfers { count } => self.link.drop_next(count),
            Fault::LinkOutage { duration_ms } => {
                self.link.outage(now + duration_ms * 1000);
                let until = self.link.outage_until();
                self.timers
                    .schedule(until, Scope::Global, Timer::LinkRestored);
            }
            Fault::LatencySpike {
                latency_ms,
                duration_ms,
            } => {
                let until = now + duration_ms * 1000;
                self.link.spike_latency(latency_ms, until);
                self.timers
                    .schedule(until, Scope::Global, Timer::LatencyRestored);
            }
            Fault::SetBandwidth { mbit_s } => {
                if !(mbit_s > 0.0 && mbit_s.is_finite()) {
                    return Err(FaultError::BadBandwidth { mbit_s });
                }
                // The config says what the link runs with, so the panels show it.
                self.config.link.bandwidth_mbit_s = mbit_s;
                self.link.set_bandwidth(mbit_s);
            }
            Fault::StoreUnavailable { duration_ms } => {
                self.store.make_unavailable(now + duration_ms * 1000);
                let until = self.store.unavailable_until(now).unwrap_or(now);
                self.timers
                    .schedule(until, Scope::Global, Timer::StoreAvailable);
            }
        }
        self.emit(Event::FaultInjected {
            fault: fault.clone(),
        });
        Ok(())
    }

    /// The config's fault number `index` came due.
    pub(super) fn fire_scheduled_fault(&mut self, index: usize) {
        let fault = self.config.faults[index].fault.clone();
        if let Err(error) = self.inject(&fault) {
            self.refused.push(Refusal {
                at_us: self.now,
                fault: fault.clone(),
                error: error.clone(),
            });
            self.emit(Event::FaultNotApplied { fault, error });
        }
    }

    /// A transfer did not make it: retry it after a backoff, or give up.
    pub(super) fn lose(&mut self, transfer: Transfer, cause: LossCause) {
        match self.link.after_loss(transfer, cause, self.now) {
            AfterLoss::Retry {
                transfer,
                at,
                attempt,
                backoff_us,
            } => {
                self.emit(Event::TransferRetry {
                    direction: transfer.direction(),
                    key_group: transfer.key_group(),
                    cause,
                    attempt,
                    backoff_us,
                });
                self.schedule_in_epoch(at, Timer::Retry(transfer));
            }
            AfterLoss::GiveUp { transfer, failure } => match transfer {
                Transfer::Upload { checkpoint, .. } => {
                    self.fail_checkpoint(checkpoint, CheckpointFailure::UploadFailed(failure))
                }
                Transfer::Download { .. } => self.fail_job(FailureCause::RestoreFailed(failure)),
            },
        }
    }

    /// A lost transfer's backoff is over: send it again if it is still wanted.
    pub(super) fn resend(&mut self, transfer: Transfer) {
        let (size, still_wanted) = match &transfer {
            Transfer::Upload {
                checkpoint, bytes, ..
            } => (bytes.len() as u64, self.coordinator.is_pending(*checkpoint)),
            Transfer::Download { restore, chunk, .. } => (
                self.store.chunk(*chunk).map_or(0, |c| c.bytes.len() as u64),
                self.recovery.restore_id() == Some(*restore),
            ),
        };
        if still_wanted {
            self.link.resend(transfer, size, self.now);
        }
    }
}
