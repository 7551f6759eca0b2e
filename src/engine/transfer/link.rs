//! The network between the job and the checkpoint store: a pipe each way, and everything
//! that goes wrong on it — outages, latency spikes, bandwidth changes, lost transfers and
//! their retries with exponential backoff.

use crate::engine::config::LinkConfig;
use crate::engine::report::stats::{Direction, LossCause, TransferCounts, TransferFailure};
use crate::engine::rng::{draw, unit, Stream};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::pipe::{InFlight, Pipe};
use crate::engine::transfer::store::{CheckpointId, ChunkId};
use std::sync::Arc;

/// A chunk on its way up (a checkpoint's upload) or down (a restore's download).
#[derive(Clone, Debug)]
pub enum Transfer {
    Upload {
        checkpoint: CheckpointId,
        subtask: u32,
        key_group: u32,
        codec: Codec,
        raw_len: u64,
        version: u64,
        bytes: Arc<Vec<u8>>,
        /// The chunk starts with its subtask's state-file header.
        with_header: bool,
        /// Delivery attempts so far (lost transfers are retried).
        attempt: u32,
    },
    Download {
        /// The restore attempt that asked for it.
        restore: u64,
        key_group: u32,
        chunk: ChunkId,
        attempt: u32,
    },
}

impl Transfer {
    pub fn direction(&self) -> Direction {
        match self {
            Transfer::Upload { .. } => Direction::Upload,
            Transfer::Download { .. } => Direction::Download,
        }
    }

    pub fn key_group(&self) -> u32 {
        match self {
            Transfer::Upload { key_group, .. } | Transfer::Download { key_group, .. } => *key_group,
        }
    }

    fn attempt_mut(&mut self) -> &mut u32 {
        match self {
            Transfer::Upload { attempt, .. } | Transfer::Download { attempt, .. } => attempt,
        }
    }
}

/// What to do about a transfer that did not arrive.
#[derive(Debug)]
pub enum AfterLoss {
    /// Send it again at `at` (this is retry number `attempt`).
    Retry {
        transfer: Transfer,
        at: u64,
        attempt: u32,
        backoff_us: u64,
    },
    /// The attempts are spent.
    GiveUp {
        transfer: Transfer,
        failure: TransferFailure,
    },
}

#[derive(Clone, Debug)]
pub struct Link {
    up: Pipe<Transfer>,
    down: Pipe<Transfer>,
    config: LinkConfig,
    /// No byte moves before this time (an outage).
    down_until: u64,
    /// A latency spike ends at this time.
    spike_until: Option<u64>,
    /// Transfers the next arrivals lose on purpose (an injected fault).
    drops_pending: u32,
    /// Counts arrivals, so the random loss of each is a function of the seed and its number.
    arrivals: u64,
    counts: TransferCounts,
}

impl Link {
    pub fn new(config: &LinkConfig) -> Self {
        Self {
            up: Pipe::new(config.bandwidth_mbit_s, config.latency_ms),
            down: Pipe::new(config.bandwidth_mbit_s, config.latency_ms),
            config: config.clone(),
            down_until: 0,
            spike_until: None,
            drops_pending: 0,
            arrivals: 0,
            counts: TransferCounts::default(),
        }
    }

    fn pipe(&self, d: Direction) -> &Pipe<Transfer> {
        match d {
            Direction::Upload => &self.up,
            Direction::Download => &self.down,
        }
    }

    fn pipe_mut(&mut self, d: Direction) -> &mut Pipe<Transfer> {
        match d {
            Direction::Upload => &mut self.up,
            Direction::Download => &mut self.down,
        }
    }

    /// New link settings under a running job. A latency spike in progress keeps its
    /// latency; the new one is what it returns to.
    pub fn configure(&mut self, config: &LinkConfig) {
        for pipe in [&mut self.up, &mut self.down] {
            pipe.set_bandwidth(config.bandwidth_mbit_s);
            if self.spike_until.is_none() {
                pipe.set_latency(config.latency_ms);
            }
        }
        self.config = config.clone();
    }

    pub fn bandwidth_mbit_s(&self) -> f64 {
        self.config.bandwidth_mbit_s
    }

    /// The bandwidth changes from now on.
    pub fn set_bandwidth(&mut self, mbit_s: f64) {
        self.config.bandwidth_mbit_s = mbit_s;
        self.up.set_bandwidth(mbit_s);
        self.down.set_bandwidth(mbit_s);
    }

    /// Latency is `latency_ms` until `until`, then back to the configured latency.
    pub fn spike_latency(&mut self, latency_ms: f64, until: u64) {
        self.up.set_latency(latency_ms);
        self.down.set_latency(latency_ms);
        self.spike_until = Some(until);
    }

    /// Ends a latency spike if it is due at `now`; returns the latency restored.
    pub fn end_spike(&mut self, now: u64) -> Option<f64> {
        if self.spike_until.is_none_or(|t| t > now) {
            return None;
        }
        self.spike_until = None;
        let normal = self.config.latency_ms;
        self.up.set_latency(normal);
        self.down.set_latency(normal);
        Some(normal)
    }

    /// The latency transfers see now.
    pub fn latency_ms(&self) -> f64 {
        self.up.latency_ms()
    }

    /// No byte moves either way until `until`.
    pub fn outage(&mut self, until: u64) {
        self.down_until = self.down_until.max(until);
    }

    pub fn outage_until(&self) -> u64 {
        self.down_until
    }

    /// The next `count` arrivals are lost (and retried).
    pub fn drop_next(&mut self, count: u32) {
        self.drops_pending += count;
    }

    /// Moves bytes during `[from, end)` (none while the link is down). When the upload pipe
    /// runs empty at time `t`, `next_upload(t)` may hand it the next chunk: a chunk is
    /// encoded only when the link can take it.
    pub fn send(
        &mut self,
        from: u64,
        end: u64,
        next_upload: impl FnMut(u64) -> Option<(Transfer, u64)>,
    ) {
        let from = from.max(self.down_until);
        if from < end {
            self.up.advance_fed(from, end, next_upload);
            self.down.advance(from, end);
        }
    }

    pub fn enqueue(&mut self, transfer: Transfer, size: u64, now: u64) {
        self.pipe_mut(transfer.direction())
            .enqueue(transfer, size, now);
    }

    pub fn next_arrival(&self, d: Direction) -> Option<u64> {
        self.pipe(d).next_arrival()
    }

    pub fn take_arrival(&mut self, d: Direction, now: u64) -> Option<(Transfer, u64)> {
        self.pipe_mut(d).take_arrival(now)
    }

    /// Whether the transfer arriving now was lost: an injected drop first, then chance.
    pub fn lost(&mut self, seed: u64) -> bool {
        self.arrivals += 1;
        if self.drops_pending > 0 {
            self.drops_pending -= 1;
            return true;
        }
        let p = self.config.drop_probability;
        p > 0.0 && unit(draw(seed, Stream::Fault, self.arrivals)) < p
    }

    /// A transfer did not make it: retry after an exponential backoff, or give up once
    /// the attempts are spent.
    pub fn after_loss(&mut self, mut transfer: Transfer, cause: LossCause, now: u64) -> AfterLoss {
        self.counts.dropped += 1;
        let attempt = transfer.attempt_mut();
        *attempt += 1;
        let attempt = *attempt;
        if attempt > self.config.max_retries {
            let failure = TransferFailure {
                key_group: transfer.key_group(),
                attempts: attempt,
                cause,
            };
            return AfterLoss::GiveUp { transfer, failure };
        }
        let backoff_us = self.config.retry_backoff_ms * 1000 * (1u64 << (attempt - 1).min(16));
        AfterLoss::Retry {
            transfer,
            at: now + backoff_us,
            attempt,
            backoff_us,
        }
    }

    /// Sends a lost transfer again.
    pub fn resend(&mut self, transfer: Transfer, size: u64, now: u64) {
        self.counts.retried += 1;
        self.enqueue(transfer, size, now);
    }

    /// Everything in flight either way is gone (the job failed).
    pub fn clear(&mut self) {
        self.up.clear();
        self.down.clear();
    }

    /// Downloads in flight are abandoned (a restore falls back to another checkpoint).
    pub fn clear_downloads(&mut self) {
        self.down.clear();
    }

    pub fn in_flight(&self, d: Direction) -> Vec<InFlight<'_, Transfer>> {
        self.pipe(d).in_flight()
    }

    /// Every byte that has left one end so far, lost ones included.
    pub fn sent_bytes(&self, d: Direction) -> u64 {
        self.pipe(d).sent_bytes()
    }

    pub fn counts(&self) -> TransferCounts {
        self.counts
    }
}
