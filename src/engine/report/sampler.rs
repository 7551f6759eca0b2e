//! The sampler: the time series every 100 ms of virtual time, and the state change rate D
//! over a sliding window that the adaptive policy and the seed model read.

use crate::engine::report::blocks::BlockLog;
use crate::engine::report::metrics::{Sample, SAMPLE_INTERVAL_US};
use std::collections::VecDeque;

/// How far back the change rate D is measured.
pub const CHANGE_WINDOW_US: u64 = 10_000_000;

/// Running totals and instant readings the simulation hands the sampler at a sample time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Readings {
    pub changed_bytes_total: u64,
    pub changed_keys_total: u64,
    pub uploaded_total: u64,
    pub downloaded_total: u64,
    pub shipped_encoded_total: u64,
    pub shipped_raw_total: u64,
    pub state_bytes: u64,
    pub queued_records: u64,
    pub max_queue: u32,
    pub source_lag_records: u64,
    pub source_offset: u64,
    pub restorable_checkpoint: Option<u64>,
    pub running: bool,
}

#[derive(Clone, Debug)]
pub struct Sampler {
    samples: BlockLog<Sample>,
    /// (time, changed bytes, changed keys) totals at each sample, over the window.
    change_window: VecDeque<(u64, u64, u64)>,
    last_link_bytes: (u64, u64),
}

impl Default for Sampler {
    fn default() -> Self {
        Self {
            samples: BlockLog::with_max_blocks(64),
            change_window: VecDeque::new(),
            last_link_bytes: (0, 0),
        }
    }
}

impl Sampler {
    /// Records one sample at `now`. `interval_ms` is the interval the policy would choose
    /// with the change rate measured up to now, so it is asked for after the window moved.
    pub fn sample(
        &mut self,
        now: u64,
        r: Readings,
        interval_ms: impl FnOnce(&Self) -> Option<f64>,
    ) {
        self.change_window
            .push_back((now, r.changed_bytes_total, r.changed_keys_total));
        let horizon = now.saturating_sub(CHANGE_WINDOW_US);
        while self.change_window.len() > 2 && self.change_window[1].0 <= horizon {
            self.change_window.pop_front();
        }
        let dt = self
            .samples
            .last()
            .map_or(SAMPLE_INTERVAL_US, |s| now - s.at_us)
            .max(1) as f64
            / 1e6;
        let (change_bytes_per_s, changed_keys_per_s) = self.change_rate();
        let sample = Sample {
            at_us: now,
            upload_bytes_per_s: r.uploaded_total.saturating_sub(self.last_link_bytes.0) as f64 / dt,
            download_bytes_per_s: r.downloaded_total.saturating_sub(self.last_link_bytes.1) as f64
                / dt,
            shipped_encoded_total: r.shipped_encoded_total,
            shipped_raw_total: r.shipped_raw_total,
            state_bytes: r.state_bytes,
            change_bytes_per_s,
            changed_keys_per_s,
            interval_ms: interval_ms(self),
            queued_records: r.queued_records,
            max_queue: r.max_queue,
            source_lag_records: r.source_lag_records,
            source_offset: r.source_offset,
            restorable_checkpoint: r.restorable_checkpoint,
            running: r.running,
        };
        self.last_link_bytes = (r.uploaded_total, r.downloaded_total);
        self.samples.push(sample);
    }

    /// The state change rate D over the sliding window: (bytes/s, keys/s). A key counts once
    /// per sample period however often it changed in it.
    pub fn change_rate(&self) -> (f64, f64) {
        match (self.change_window.front(), self.change_window.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                let dt = (b.0 - a.0) as f64 / 1e6;
                ((b.1 - a.1) as f64 / dt, (b.2 - a.2) as f64 / dt)
            }
            _ => (0.0, 0.0),
        }
    }

    /// The sampled time series, oldest first (a bounded recent window on long runs).
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> {
        self.samples.iter()
    }
}
