//! The running job's data plane: the source's position, one FIFO input channel per keyed
//! subtask, the subtasks processing records at their rate, and the keyed state of every key
//! group with its change tracking since the last completed checkpoint.

use crate::engine::partitioning::keygroups::Partitioning;
use crate::engine::partitioning::workload::{Record, Workload};
use crate::engine::state::flink_heap::HeapLayout;
use crate::engine::state::keyed::KeyGroupState;
use crate::engine::state::snapshot;
use crate::engine::transfer::store::CheckpointId;
use crate::engine::transfer::tracking::{Confirmed, KeyGroupTracking};
use std::collections::VecDeque;
use std::sync::Arc;

/// What travels in a channel: records, and barriers that never overtake them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelItem {
    Record(Record),
    Barrier(CheckpointId),
}

#[derive(Clone, Debug)]
pub(crate) struct Subtask {
    pub channel: VecDeque<ChannelItem>,
    /// Records it may still process (fractional capacity carried between slices).
    credit: f64,
    /// Busy in a synchronous snapshot until then.
    pub blocked_until: u64,
    pub processed: u64,
    /// Time of the last snapshot, for the UI's flash.
    pub last_snapshot_at: Option<u64>,
}

impl Subtask {
    fn new() -> Self {
        Self {
            channel: VecDeque::new(),
            credit: 0.0,
            blocked_until: 0,
            processed: 0,
            last_snapshot_at: None,
        }
    }
}

/// How fast subtasks work and how much a channel holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Throughput {
    pub records_per_us: f64,
    pub channel_capacity: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Job {
    workload: Arc<Workload>,
    /// How Flink's heap backend lays this job's state out (`state/snapshot.rs`).
    layout: Arc<HeapLayout>,
    seed: u64,
    partitioning: Partitioning,
    next_offset: u64,
    pub subtasks: Vec<Subtask>,
    state: Vec<Arc<KeyGroupState>>,
    tracking: Vec<KeyGroupTracking>,
    /// After a restore: records below a key group's offset are already in its state.
    skip_below: Vec<u64>,
    records_processed: u64,
    changed_bytes_total: u64,
    changed_keys_total: u64,
    /// Per key, one bit: changed in the current sample period, so that each changed key
    /// counts once per period for the changed-keys rate. A bit, not the period's number:
    /// at 4M keys that is 0.5 MB instead of 16, and clearing it at each sample is a
    /// memset of that half megabyte.
    key_touched: Vec<u64>,
}

/// What the data plane tells the rest of the simulation while it runs.
pub trait DataPlaneHooks {
    /// A barrier reached the head of `subtask`'s channel at `at`.
    fn on_barrier(&mut self, job: &mut Job, subtask: u32, id: CheckpointId, at: u64);
    /// A record is about to write key group `kg`, whose state something else shares (a
    /// checkpoint's capture, a time-travel keyframe): the write will copy what it touches.
    fn before_shared_write(&mut self, kg: u32);
}

impl Job {
    pub fn new(workload: Arc<Workload>, seed: u64, partitioning: Partitioning) -> Self {
        let max_p = partitioning.max_parallelism() as usize;
        let keys = workload.keys().len();
        let mut job = Self {
            layout: Arc::new(snapshot::layout(&workload)),
            workload,
            seed,
            partitioning,
            next_offset: 0,
            subtasks: Vec::new(),
            state: Vec::new(),
            tracking: vec![KeyGroupTracking::default(); max_p],
            skip_below: vec![0; max_p],
            records_processed: 0,
            changed_bytes_total: 0,
            changed_keys_total: 0,
            key_touched: vec![0; keys.div_ceil(64)],
        };
        job.reset_state();
        job.start_subtasks();
        job
    }

    pub fn workload(&self) -> &Arc<Workload> {
        &self.workload
    }

    pub fn layout(&self) -> &Arc<HeapLayout> {
        &self.layout
    }

    pub fn partitioning(&self) -> Partitioning {
        self.partitioning
    }

    /// The next offset the source emits.
    pub fn source_offset(&self) -> u64 {
        self.next_offset
    }

    pub fn records_processed(&self) -> u64 {
        self.records_processed
    }

    /// Snapshot bytes of every entry written so far (the change-rate numerator).
    pub fn changed_bytes_total(&self) -> u64 {
        self.changed_bytes_total
    }

    /// Keys changed so far, each counted once per sample period.
    pub fn changed_keys_total(&self) -> u64 {
        self.changed_keys_total
    }

    /// A new sample period begins: each key counts again when it next changes.
    pub fn next_period(&mut self) {
        self.key_touched.fill(0);
    }

    pub fn state(&self) -> &[Arc<KeyGroupState>] {
        &self.state
    }

    pub fn key_group(&self, kg: u32) -> &Arc<KeyGroupState> {
        &self.state[kg as usize]
    }

    pub fn tracking(&self, kg: u32) -> &KeyGroupTracking {
        &self.tracking[kg as usize]
    }

    /// Every key group's change tracking, to mark what a completed checkpoint confirms.
    pub fn tracking_mut(&mut self) -> &mut [KeyGroupTracking] {
        &mut self.tracking
    }

    /// Every key group's change tracking.
    pub fn trackings(&self) -> &[KeyGroupTracking] {
        &self.tracking
    }

    /// Serialised size of all keyed state now.
    pub fn state_bytes(&self) -> u64 {
        self.state.iter().map(|s| s.raw_bytes()).sum()
    }

    /// Records waiting in each channel.
    pub fn queued(&self) -> impl Iterator<Item = u64> + Clone + '_ {
        self.subtasks.iter().map(|s| s.channel.len() as u64)
    }

    /// Puts a barrier behind the records already in every channel.
    pub fn inject_barriers(&mut self, id: CheckpointId) {
        for sub in &mut self.subtasks {
            sub.channel.push_back(ChannelItem::Barrier(id));
        }
    }

    /// A subtask snapshotting at `at` is busy for `sync_us`.
    pub fn snapshot_taken(&mut self, subtask: u32, at: u64, sync_us: u64) {
        let sub = &mut self.subtasks[subtask as usize];
        sub.blocked_until = at + sync_us;
        sub.last_snapshot_at = Some(at);
    }

    /// Advances the data plane over `[from, end)`: the source fills the channels (up to
    /// their capacity: backpressure), each subtask processes records at its rate, and a
    /// barrier at the head of a channel calls `on_barrier(job, subtask, id, at)` at the
    /// exact time the records ahead of it are done.
    pub fn run(&mut self, from: u64, end: u64, speed: Throughput, hooks: &mut impl DataPlaneHooks) {
        let workload = self.workload.clone();
        let keys = workload.keys();
        let available = workload.available(end);
        while self.next_offset < available {
            let record = workload.record(self.next_offset);
            let kg = keys.key_group(record.key);
            if record.offset < self.skip_below[kg as usize] {
                // Replay after a restore: this key group's chunk already holds it.
                self.next_offset += 1;
                continue;
            }
            let s = self.partitioning.subtask_of_key_group(kg) as usize;
            if self.subtasks[s].channel.len() >= speed.channel_capacity {
                break;
            }
            self.subtasks[s]
                .channel
                .push_back(ChannelItem::Record(record));
            self.next_offset += 1;
        }
        let rate = speed.records_per_us;
        let model = workload.config().value_model;
        let seed = self.seed;
        for s in 0..self.subtasks.len() {
            let start = from.max(self.subtasks[s].blocked_until);
            if start >= end {
                continue;
            }
            let banked = self.subtasks[s].credit;
            self.subtasks[s].credit += rate * (end - start) as f64;
            let mut done = 0u64;
            loop {
                let sub = &mut self.subtasks[s];
                match sub.channel.front().copied() {
                    Some(ChannelItem::Barrier(id)) => {
                        sub.channel.pop_front();
                        // The barrier is reached once the records ahead of it in this slice
                        // are processed, not at the slice's end.
                        let work_us = ((done as f64 - banked).max(0.0) / rate).ceil() as u64;
                        let at = (start + work_us).min(end);
                        hooks.on_barrier(self, s as u32, id, at);
                        if self.subtasks[s].blocked_until > end {
                            break;
                        }
                    }
                    Some(ChannelItem::Record(record)) if sub.credit >= 1.0 => {
                        sub.channel.pop_front();
                        sub.credit -= 1.0;
                        sub.processed += 1;
                        done += 1;
                        let kg = keys.key_group(record.key) as usize;
                        if Arc::strong_count(&self.state[kg]) > 1 {
                            hooks.before_shared_write(kg as u32);
                        }
                        let bytes =
                            Arc::make_mut(&mut self.state[kg]).apply(&record, model, keys, seed);
                        let t = &mut self.tracking[kg];
                        t.version += 1;
                        t.changed_bytes += bytes;
                        t.changed_records += 1;
                        self.changed_bytes_total += bytes;
                        let (word, bit) = (record.key as usize / 64, 1u64 << (record.key % 64));
                        let touched = &mut self.key_touched[word];
                        if *touched & bit == 0 {
                            *touched |= bit;
                            self.changed_keys_total += 1;
                        }
                        self.records_processed += 1;
                    }
                    Some(ChannelItem::Record(_)) => break,
                    None => {
                        // An idle subtask does not bank capacity for later.
                        sub.credit = sub.credit.min(1.0);
                        break;
                    }
                }
            }
        }
    }

    /// True when every record the source has emitted has been processed.
    pub fn is_drained(&self) -> bool {
        self.subtasks.iter().all(|s| {
            !s.channel
                .iter()
                .any(|i| matches!(i, ChannelItem::Record(_)))
        })
    }

    fn reset_state(&mut self) {
        let keys = self.workload.keys().clone();
        self.state = (0..self.partitioning.max_parallelism())
            .map(|kg| Arc::new(KeyGroupState::empty(kg, &keys)))
            .collect();
    }

    fn start_subtasks(&mut self) {
        self.subtasks = (0..self.partitioning.parallelism())
            .map(|_| Subtask::new())
            .collect();
    }

    /// The job failed: channels, in-flight records and all keyed state are lost.
    pub fn fail(&mut self) {
        for sub in &mut self.subtasks {
            *sub = Subtask::new();
        }
        self.reset_state();
    }

    /// The restarted job's subtasks, with the partitioning it restarts with.
    pub fn restart(&mut self, partitioning: Partitioning) {
        self.partitioning = partitioning;
        self.start_subtasks();
    }

    /// Installs restored state: each key group's decoded chunk (empty when it has none),
    /// what the restored checkpoint confirms of it, and the source rewound to `offset`.
    /// Records below a key group's own offset are skipped in replay: its chunk holds them.
    pub fn restore(
        &mut self,
        decoded: Vec<Option<Arc<KeyGroupState>>>,
        confirmed: impl Iterator<Item = (u32, Confirmed)>,
        offset: u64,
    ) {
        let keys = self.workload.keys().clone();
        for (kg, decoded) in decoded.into_iter().enumerate() {
            self.state[kg] =
                decoded.unwrap_or_else(|| Arc::new(KeyGroupState::empty(kg as u32, &keys)));
        }
        self.skip_below.iter_mut().for_each(|s| *s = 0);
        for t in self.tracking.iter_mut() {
            *t = KeyGroupTracking::default();
        }
        for (kg, c) in confirmed {
            self.skip_below[kg as usize] = c.offset;
            self.tracking[kg as usize].confirmed = Some(c);
        }
        self.next_offset = offset;
    }
}
