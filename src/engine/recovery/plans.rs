//! What restoring each completed checkpoint would cost: the encoded and raw size of every
//! chunk in the order a restore downloads them. Kept when the checkpoint completes, so the
//! cost of a crash at any moment can be worked out later — even after the store has
//! deleted the checkpoint (see `report/exposure.rs`).

use crate::engine::transfer::store::{CheckpointId, CompletedCheckpoint, Store};
use std::collections::VecDeque;
use std::sync::Arc;

/// One chunk a restore downloads and decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkCost {
    pub encoded_bytes: u64,
    pub raw_bytes: u64,
}

/// What restoring one completed checkpoint takes.
#[derive(Clone, Debug, PartialEq)]
pub struct RestorePlan {
    pub checkpoint: CheckpointId,
    /// The offset replay starts from (the oldest key group's offset).
    pub replay_offset: u64,
    /// How far back a restore goes: the checkpoint's trigger, or when the oldest key
    /// group left waiting (at an older offset) was captured. An unchanged chunk reused
    /// from an earlier checkpoint is valid at this checkpoint's offset, so it counts as
    /// of the trigger, not of its first capture.
    pub captured_at_us: u64,
    /// In manifest (key group) order, the order a restore enqueues them.
    pub chunks: Arc<[ChunkCost]>,
}

/// The link and decoder a restore runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RestoreRates {
    pub bandwidth_mbit_s: f64,
    pub latency_ms: f64,
    pub decode_mb_s: f64,
}

impl RestorePlan {
    pub fn of(checkpoint: &CompletedCheckpoint, store: &Store) -> Self {
        Self {
            checkpoint: checkpoint.id,
            replay_offset: checkpoint.replay_offset(),
            captured_at_us: checkpoint
                .manifest
                .iter()
                .map(|m| {
                    if m.offset >= checkpoint.offset {
                        checkpoint.triggered_at_us
                    } else {
                        m.captured_at_us
                    }
                })
                .min()
                .unwrap_or(checkpoint.triggered_at_us),
            chunks: checkpoint
                .manifest
                .iter()
                .map(|m| {
                    store.chunk(m.chunk).map_or(
                        ChunkCost {
                            encoded_bytes: 0,
                            raw_bytes: 0,
                        },
                        |c| ChunkCost {
                            encoded_bytes: c.bytes.len() as u64,
                            raw_bytes: c.raw_len,
                        },
                    )
                })
                .collect(),
        }
    }

    pub fn encoded_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.encoded_bytes).sum()
    }

    /// Restore start to restore done, as the engine runs it without faults: every chunk is
    /// queued on the download pipe at once and sent back to back; each arrives `latency`
    /// after its last byte left and is decoded as soon as it and the decoder are ready.
    pub fn restore_us(&self, rates: RestoreRates) -> u64 {
        let bytes_per_us = rates.bandwidth_mbit_s / 8.0;
        let latency_us = (rates.latency_ms * 1000.0).round() as u64;
        let mut sent = 0.0f64;
        let mut decoder_free = 0u64;
        for c in self.chunks.iter() {
            sent += c.encoded_bytes as f64 / bytes_per_us;
            let arrives = sent.ceil() as u64 + latency_us;
            let decode_us = (c.raw_bytes as f64 / rates.decode_mb_s).ceil() as u64;
            decoder_free = decoder_free.max(arrives) + decode_us;
        }
        decoder_free
    }
}

/// The plans of recently completed checkpoints, newest last; a bounded history, as long as
/// the sampled time series it serves.
#[derive(Clone, Debug, Default)]
pub struct RestorePlans {
    plans: VecDeque<RestorePlan>,
}

/// Plans kept: a checkpoint a second for the sampler's window of about 27 minutes.
const KEPT: usize = 2048;

impl RestorePlans {
    pub fn record(&mut self, plan: RestorePlan) {
        self.plans.push_back(plan);
        if self.plans.len() > KEPT {
            self.plans.pop_front();
        }
    }

    pub fn get(&self, checkpoint: CheckpointId) -> Option<&RestorePlan> {
        // Ids grow with time: search from the newest.
        self.plans.iter().rev().find(|p| p.checkpoint == checkpoint)
    }
}
