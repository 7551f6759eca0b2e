//! Injecting faults, and what the link does about lost transfers: retry with exponential
//! backoff, then give up (failing the checkpoint, or the restore).

use super::*;
use crate::engine::faults::Fault;
use crate::engine::rng::{draw, unit, Stream};

impl Simulation {
    /// Applies a fault now. Errors name what does not fit (an unknown subtask, a key
    /// group without a stored chunk …); nothing changes then.
    pub fn inject(&mut self, fault: &Fault) -> Result<(), String> {
        match *fault {
            Fault::CrashJob => {
                self.crash_job();
                return Ok(());
            }
            Fault::CrashSubtask { subtask } => return self.crash_subtask(subtask),
            Fault::Rescale { parallelism } => return self.rescale(parallelism),
            Fault::DropTransfers { count } => self.drops_pending += count,
            Fault::LinkOutage { duration_ms } => {
                self.link_down_until = self.link_down_until.max(self.now + duration_ms * 1000);
            }
            Fault::LatencySpike {
                latency_ms,
                duration_ms,
            } => {
                let normal = self
                    .latency_restore_at
                    .map_or(self.config.link.latency_ms, |(_, l)| l);
                self.upload.set_latency(latency_ms);
                self.download.set_latency(latency_ms);
                self.latency_restore_at = Some((self.now + duration_ms * 1000, normal));
            }
            Fault::SetBandwidth { mbit_s } => {
                if !(mbit_s > 0.0 && mbit_s.is_finite()) {
                    return Err(format!("bandwidth must be positive, got {mbit_s}"));
                }
                self.config.link.bandwidth_mbit_s = mbit_s;
                self.upload.set_bandwidth(mbit_s);
                self.download.set_bandwidth(mbit_s);
            }
            Fault::CorruptChunk { key_group } | Fault::LoseChunk { key_group } => {
                let chunk = self
                    .store
                    .latest()
                    .and_then(|c| c.manifest.iter().find(|m| m.key_group == key_group))
                    .map(|m| m.chunk)
                    .ok_or_else(|| {
                        format!("no completed checkpoint holds a chunk of key group {key_group}")
                    })?;
                let done = if matches!(fault, Fault::CorruptChunk { .. }) {
                    // A bit in the middle of the chunk: inside the payload, not the header.
                    let len = self.store.chunk(chunk).map_or(0, |c| c.bytes.len() as u64);
                    self.corrupt_chunk(chunk, len * 4 + 3)
                } else {
                    self.lose_chunk(chunk)
                };
                if !done {
                    return Err(format!(
                        "chunk {chunk} of key group {key_group} is already gone"
                    ));
                }
                return Ok(());
            }
            Fault::StoreUnavailable { duration_ms } => {
                self.store_down_until = self.store_down_until.max(self.now + duration_ms * 1000);
            }
        }
        self.note(EventCategory::Fault, fault.describe());
        Ok(())
    }

    /// Whether the transfer arriving now was lost: an injected drop first, then chance.
    pub(super) fn lost_on_the_way(&mut self) -> bool {
        self.transfer_seq += 1;
        if self.drops_pending > 0 {
            self.drops_pending -= 1;
            return true;
        }
        let p = self.config.link.drop_probability;
        p > 0.0 && unit(draw(self.config.seed, Stream::Fault, self.transfer_seq)) < p
    }

    /// A transfer did not make it: send it again after an exponential backoff, or give up
    /// once the attempts are spent.
    pub(super) fn retry_or_give_up(&mut self, mut transfer: Transfer, why: &str) {
        self.transfers_dropped += 1;
        let attempt = transfer.attempt_mut();
        *attempt += 1;
        let attempt = *attempt;
        let kg = transfer.key_group();
        if attempt > self.config.link.max_retries {
            let what = format!("{why}; gave up after {attempt} attempts");
            match transfer {
                Transfer::Upload { checkpoint, .. } => self.fail_checkpoint(
                    checkpoint,
                    format!("upload of key group {kg} failed: {what}"),
                    true,
                ),
                Transfer::Download { .. } => {
                    self.fail_job(format!("restore failed: download of key group {kg} {what}"))
                }
            }
            return;
        }
        let backoff = self.config.link.retry_backoff_ms * 1000 * (1u64 << (attempt - 1).min(16));
        self.note(
            EventCategory::Fault,
            format!(
                "transfer of key group {kg} {why}; retry {attempt} in {} ms",
                backoff / 1000
            ),
        );
        self.retries.push((self.now + backoff, transfer));
    }

    pub(super) fn resend(&mut self, transfer: Transfer) {
        let (size, still_wanted) = match &transfer {
            Transfer::Upload {
                checkpoint, bytes, ..
            } => (bytes.len() as u64, self.pending.contains_key(checkpoint)),
            Transfer::Download { restore, chunk, .. } => (
                self.store.chunk(*chunk).map_or(0, |c| c.bytes.len() as u64),
                self.restore.as_ref().is_some_and(|r| r.id == *restore),
            ),
        };
        if !still_wanted {
            return;
        }
        self.transfers_retried += 1;
        match transfer {
            Transfer::Upload { .. } => self.upload.enqueue(transfer, size, self.now),
            Transfer::Download { .. } => self.download.enqueue(transfer, size, self.now),
        }
    }
}

/// Lost and re-sent transfers so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TransferCounts {
    pub dropped: u64,
    pub retried: u64,
}

impl Simulation {
    pub fn transfer_counts(&self) -> TransferCounts {
        TransferCounts {
            dropped: self.transfers_dropped,
            retried: self.transfers_retried,
        }
    }

    /// Why each key group was or was not shipped by the latest barrier that reached it.
    pub fn ship_reasons(&self) -> &[Option<ShipReason>] {
        &self.last_ship
    }
}
