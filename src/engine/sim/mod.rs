//! The simulation: source, channels, keyed subtasks, checkpoint coordinator, link,
//! store, failure and recovery, all on one virtual clock in microseconds.
//!
//! Control events (sync phases ending, transfers arriving, restarts, timeouts, triggers)
//! happen at exact times; between them the data plane advances in slices of at most
//! `tick_us`, moving records from the source through FIFO channels into subtasks.
//!
//! `coordinator.rs` holds the checkpoint coordinator, `recovery.rs` failure, restore and
//! the exactly-once check; this file the types, the clock and the data plane.

use crate::engine::config::{Config, ConfigErrors, FieldError};
use crate::engine::partitioning::keygroups::Partitioning;
use crate::engine::partitioning::trace::Trace;
use crate::engine::partitioning::workload::{Record, Workload};
use crate::engine::recovery::oracle::Oracle;
use crate::engine::report::events::{BlockLog, EventCategory, EventLog};
use crate::engine::report::metrics::{Sample, SAMPLE_INTERVAL_US};
use crate::engine::state::codec::Codec;
use crate::engine::state::keyed::KeyGroupState;
use crate::engine::state::snapshot;
use crate::engine::transfer::link::Pipe;
use crate::engine::transfer::policy::{PolicyConfig, ShipReason};
use crate::engine::transfer::store::{CheckpointId, ChunkId, ChunkRef, CompletedCheckpoint, Store};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;

/// What travels in a channel: records, and barriers that never overtake them.
mod coordinator;
mod faults;
mod reconfigure;
pub use faults::TransferCounts;
pub use reconfigure::Reconfigured;
mod recovery;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelItem {
    Record(Record),
    Barrier(CheckpointId),
}

#[derive(Clone, Debug)]
pub(crate) struct Subtask {
    pub channel: VecDeque<ChannelItem>,
    credit: f64,
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

/// The chunk that holds a key group in the latest completed checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Confirmed {
    pub chunk: ChunkId,
    /// The key group's version the chunk captured.
    pub version: u64,
    /// The source offset the chunk's state is valid at.
    pub offset: u64,
    pub captured_at_us: u64,
}

/// Change tracking of one key group since its last confirmed (completed) upload.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyGroupTracking {
    /// Counts every update; a snapshot records the version it captured.
    pub version: u64,
    pub confirmed: Option<Confirmed>,
    /// Snapshot bytes of the entries written since the confirmed chunk was captured.
    pub changed_bytes: u64,
    pub changed_records: u64,
}

impl KeyGroupTracking {
    pub fn dirty(&self) -> bool {
        self.confirmed.is_none_or(|c| c.version != self.version)
    }
}

/// A key group's entry in a running checkpoint's manifest.
#[derive(Clone, Copy, Debug)]
struct ManifestEntry {
    /// `None` until the store acknowledges the upload.
    chunk: Option<ChunkId>,
    version: u64,
    offset: u64,
    captured_at_us: u64,
    /// Change counters at capture, subtracted from the live ones when the checkpoint
    /// completes (changes after the capture still count towards the next one).
    changed_bytes: u64,
    changed_records: u64,
}

/// A chunk on its way up or down.
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
        /// Delivery attempts so far (lost transfers are retried).
        attempt: u32,
    },
    Download {
        restore: u64,
        key_group: u32,
        chunk: ChunkId,
        attempt: u32,
    },
}

impl Transfer {
    fn attempt_mut(&mut self) -> &mut u32 {
        match self {
            Transfer::Upload { attempt, .. } | Transfer::Download { attempt, .. } => attempt,
        }
    }

    fn key_group(&self) -> u32 {
        match self {
            Transfer::Upload { key_group, .. } | Transfer::Download { key_group, .. } => *key_group,
        }
    }
}

/// A captured key group waiting for the link: it is serialised and encoded only when the
/// link can take it (the async phase), so that work is spread over the upload.
#[derive(Clone, Debug)]
pub(crate) struct QueuedSnapshot {
    pub checkpoint: CheckpointId,
    pub subtask: u32,
    capture: Capture,
}

impl QueuedSnapshot {
    pub fn key_group(&self) -> u32 {
        self.capture.key_group
    }

    pub fn raw_bytes(&self) -> u64 {
        self.capture.state.raw_bytes()
    }
}

#[derive(Clone, Debug)]
struct Capture {
    key_group: u32,
    entry: ManifestEntry,
    state: Arc<KeyGroupState>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SubtaskCheckpointStats {
    pub subtask: u32,
    /// Trigger to barrier arrival (Flink's start delay).
    pub start_delay_us: Option<u64>,
    /// Always 0 here: each subtask has a single input channel, so there is nothing to align.
    pub alignment_us: Option<u64>,
    pub sync_us: Option<u64>,
    pub async_us: Option<u64>,
    pub acknowledged_at_us: Option<u64>,
    pub key_groups_shipped: u32,
    pub key_groups_referenced: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum CheckpointStatus {
    InProgress,
    Completed,
    Failed(String),
}

/// One row of the checkpoint history, under Flink's names.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointStats {
    pub id: CheckpointId,
    pub status: CheckpointStatus,
    pub trigger_time_us: u64,
    pub offset: u64,
    pub parallelism: u32,
    /// The codec its chunks were written with.
    pub codec: Codec,
    /// Incremental (shares unchanged chunks) or full.
    pub incremental: bool,
    pub acknowledged_subtasks: u32,
    pub latest_acknowledgement_us: Option<u64>,
    pub end_to_end_duration_us: Option<u64>,
    /// Encoded bytes uploaded by this checkpoint (the delta, for incremental).
    pub checkpointed_data_size: u64,
    /// Encoded bytes of every chunk the checkpoint needs, its own and shared.
    pub full_checkpoint_size: u64,
    /// Raw (serialised, uncompressed) bytes of the chunks it uploaded.
    pub raw_data_size: u64,
    pub key_groups_shipped: u32,
    pub key_groups_skipped: u32,
    pub subtasks: Vec<SubtaskCheckpointStats>,
}

#[derive(Clone, Debug)]
struct PendingCheckpoint {
    captures: Vec<Vec<Capture>>,
    manifest: BTreeMap<u32, ManifestEntry>,
    chunks_outstanding: Vec<u32>,
    synced: Vec<bool>,
    /// Chunks of earlier checkpoints this one references, pinned in the store meanwhile.
    pins: Vec<ChunkId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    /// Failed; restarts at `restart_at_us` (restart strategy delay).
    Restarting {
        restart_at_us: u64,
    },
    /// Downloading and decoding a checkpoint.
    Restoring {
        checkpoint: Option<CheckpointId>,
        chunks_total: u32,
        chunks_done: u32,
    },
}

/// Everything measured about one recovery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecoveryStats {
    pub failed_at_us: u64,
    pub reason: String,
    pub offset_at_failure: u64,
    pub checkpoint: Option<CheckpointId>,
    pub restore_offset: u64,
    pub parallelism: u32,
    pub restore_started_at_us: Option<u64>,
    pub downloaded_bytes: u64,
    pub download_done_at_us: Option<u64>,
    pub decode_us: u64,
    pub restored_at_us: Option<u64>,
    pub caught_up_at_us: Option<u64>,
    pub replayed_records: u64,
    pub exactly_once: Option<ExactlyOnceReport>,
    pub fallbacks: Vec<String>,
}

impl RecoveryStats {
    /// Failure to caught-up, once caught up.
    pub fn recovery_time_us(&self) -> Option<u64> {
        self.caught_up_at_us.map(|t| t - self.failed_at_us)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExactlyOnceReport {
    pub at_us: u64,
    pub offset: u64,
    pub differing_key_groups: Vec<u32>,
}

impl ExactlyOnceReport {
    pub fn ok(&self) -> bool {
        self.differing_key_groups.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    SyncDone {
        checkpoint: CheckpointId,
        subtask: u32,
    },
    Timeout {
        checkpoint: CheckpointId,
    },
    Restart,
    RestoreDone,
}

#[derive(Clone, Debug)]
struct Restore {
    id: u64,
    checkpoint: Option<CompletedCheckpoint>,
    decoded: Vec<Option<Arc<KeyGroupState>>>,
    outstanding: u32,
    decode_free_at: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub shipped_encoded: u64,
    pub shipped_raw: u64,
    /// Bytes that left for the store, including lost and re-sent ones.
    pub uploaded: u64,
    pub completed: u64,
    pub failed: u64,
    pub records_processed: u64,
}

/// Counts like Flink's checkpoint UI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckpointCounts {
    pub triggered: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub failed: u64,
    pub restored: u64,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub(crate) config: Config,
    pub(crate) workload: Arc<Workload>,
    pub(crate) partitioning: Partitioning,
    pub(crate) now: u64,
    pub(crate) next_offset: u64,
    pub(crate) subtasks: Vec<Subtask>,
    pub(crate) state: Vec<Arc<KeyGroupState>>,
    pub(crate) tracking: Vec<KeyGroupTracking>,
    pub(crate) status: JobStatus,
    epoch: u64,
    timers: BinaryHeap<Reverse<(u64, u64, u64, Timer)>>,
    timer_seq: u64,
    pub(crate) upload: Pipe<Transfer>,
    pub(crate) download: Pipe<Transfer>,
    pub(crate) store: Store,
    pending: BTreeMap<CheckpointId, PendingCheckpoint>,
    next_checkpoint: CheckpointId,
    next_trigger_at: Option<u64>,
    consecutive_failures: u32,
    pub(crate) history: Vec<CheckpointStats>,
    pub(crate) counts: CheckpointCounts,
    pub(crate) log: EventLog,
    pub(crate) recoveries: Vec<RecoveryStats>,
    restore: Option<Restore>,
    pending_partitioning: Option<Partitioning>,
    pub(crate) oracle: Oracle,
    pub(crate) records_processed: u64,
    pub(crate) changed_bytes_total: u64,
    pub(crate) shipped_raw_total: u64,
    pub(crate) shipped_encoded_total: u64,
    pub(crate) samples: BlockLog<Sample>,
    next_sample_at: u64,
    /// (time, changed bytes, changed keys) totals at each sample, over the change-rate window.
    change_window: VecDeque<(u64, u64, u64)>,
    last_link_bytes: (u64, u64),
    last_trigger_at: Option<u64>,
    last_checkpoint_end_at: Option<u64>,
    /// Job start or the end of the latest restore: the periodic trigger counts from here.
    checkpointing_since: u64,
    /// Smoothed end-to-end duration of completed checkpoints, in seconds (C for Young–Daly).
    cost_ewma_s: Option<f64>,
    /// Why each key group was or was not shipped by the latest barrier that reached it.
    pub(crate) last_ship: Vec<Option<ShipReason>>,
    /// After a restore: records below a key group's offset are already in its state.
    skip_below: Vec<u64>,
    /// Lost transfers waiting for their retry time.
    retries: Vec<(u64, Transfer)>,
    drops_pending: u32,
    pub(crate) transfers_dropped: u64,
    pub(crate) transfers_retried: u64,
    transfer_seq: u64,
    link_down_until: u64,
    latency_restore_at: Option<(u64, f64)>,
    store_down_until: u64,
    next_fault: usize,
    pub(crate) upload_backlog: VecDeque<QueuedSnapshot>,
    /// Per key: the sample period in which it last changed, so that each changed key counts
    /// once per period for the changed-keys rate.
    key_touched: Vec<u32>,
    sample_seq: u32,
    changed_keys_total: u64,
}

impl Simulation {
    pub fn new(config: Config, trace: Option<&Trace>) -> Result<Self, ConfigErrors> {
        config.validate()?;
        let partitioning = config.partitioning()?;
        if matches!(
            config.workload.source,
            crate::engine::partitioning::workload::SourceConfig::Trace
        ) && trace.is_none()
        {
            return Err(ConfigErrors(vec![FieldError {
                field: "workload.source".into(),
                message: "a trace source needs a loaded `key,value` trace".into(),
            }]));
        }
        let workload = Arc::new(Workload::new(
            &config.workload,
            config.seed,
            partitioning.max_parallelism(),
            trace,
        ));
        let keys = workload.keys().clone();
        let state = (0..partitioning.max_parallelism())
            .map(|kg| Arc::new(KeyGroupState::empty(kg, &keys)))
            .collect();
        let oracle = Oracle::new(&workload);
        let max_p = partitioning.max_parallelism() as usize;
        let mut config = config;
        // Faults replay in time order whatever order the file lists them in.
        config.faults.sort_by_key(|f| f.at_ms);
        let mut sim = Self {
            upload: Pipe::new(config.link.bandwidth_mbit_s, config.link.latency_ms),
            download: Pipe::new(config.link.bandwidth_mbit_s, config.link.latency_ms),
            next_trigger_at: config.checkpointing.interval_ms.map(|i| i * 1000),
            subtasks: (0..partitioning.parallelism())
                .map(|_| Subtask::new())
                .collect(),
            tracking: vec![KeyGroupTracking::default(); max_p],
            config,
            workload,
            partitioning,
            now: 0,
            next_offset: 0,
            state,
            status: JobStatus::Running,
            epoch: 0,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            store: Store::default(),
            pending: BTreeMap::new(),
            next_checkpoint: 1,
            consecutive_failures: 0,
            history: Vec::new(),
            counts: CheckpointCounts::default(),
            log: EventLog::default(),
            recoveries: Vec::new(),
            restore: None,
            pending_partitioning: None,
            oracle,
            records_processed: 0,
            changed_bytes_total: 0,
            shipped_raw_total: 0,
            shipped_encoded_total: 0,
            samples: BlockLog::with_max_blocks(64),
            next_sample_at: 0,
            change_window: VecDeque::new(),
            last_link_bytes: (0, 0),
            last_trigger_at: None,
            last_checkpoint_end_at: None,
            checkpointing_since: 0,
            cost_ewma_s: None,
            last_ship: vec![None; max_p],
            skip_below: vec![0; max_p],
            retries: Vec::new(),
            drops_pending: 0,
            transfers_dropped: 0,
            transfers_retried: 0,
            transfer_seq: 0,
            link_down_until: 0,
            latency_restore_at: None,
            store_down_until: 0,
            next_fault: 0,
            upload_backlog: VecDeque::new(),
            key_touched: vec![0; keys.len()],
            sample_seq: 1,
            changed_keys_total: 0,
        };
        sim.note(
            EventCategory::Checkpoint,
            format!(
                "job started: parallelism {}, {} key groups, codec {}, {} checkpoints",
                sim.partitioning.parallelism(),
                sim.partitioning.max_parallelism(),
                sim.config.checkpointing.codec,
                if sim.config.checkpointing.incremental {
                    "incremental"
                } else {
                    "full"
                }
            ),
        );
        Ok(sim)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn now_us(&self) -> u64 {
        self.now
    }

    pub fn partitioning(&self) -> Partitioning {
        self.partitioning
    }

    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    pub fn source_offset(&self) -> u64 {
        self.next_offset
    }

    pub fn status(&self) -> &JobStatus {
        &self.status
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn history(&self) -> &[CheckpointStats] {
        &self.history
    }

    pub fn counts(&self) -> &CheckpointCounts {
        &self.counts
    }

    pub fn log(&self) -> &EventLog {
        &self.log
    }

    pub fn recoveries(&self) -> &[RecoveryStats] {
        &self.recoveries
    }

    pub fn key_group_state(&self, kg: u32) -> &KeyGroupState {
        &self.state[kg as usize]
    }

    pub fn records_processed(&self) -> u64 {
        self.records_processed
    }

    fn note(&mut self, category: EventCategory, text: String) {
        self.log.push(self.now, category, text);
    }

    fn schedule(&mut self, at: u64, timer: Timer) {
        self.timer_seq += 1;
        self.timers
            .push(Reverse((at, self.epoch, self.timer_seq, timer)));
    }

    /// Advances virtual time to `t_us`.
    pub fn advance_to(&mut self, t_us: u64) {
        self.fire_due();
        while self.now < t_us {
            let mut end = t_us.min(self.now + self.config.tick_us);
            for due in [
                self.timers.peek().map(|Reverse((t, ..))| *t),
                self.upload.next_arrival(),
                self.download.next_arrival(),
                self.next_trigger_at,
                Some(self.next_sample_at),
                self.retries.iter().map(|(t, _)| *t).min(),
                self.config
                    .faults
                    .get(self.next_fault)
                    .map(|f| f.at_ms * 1000),
                self.latency_restore_at.map(|(t, _)| t),
                Some(self.link_down_until),
                Some(self.store_down_until),
            ]
            .into_iter()
            .flatten()
            {
                if due > self.now {
                    end = end.min(due);
                }
            }
            self.run_data_plane(end);
            self.now = end;
            self.fire_due();
            if self.now >= self.next_sample_at {
                self.take_sample();
            }
        }
    }

    /// Moves upload bytes during `[from, end)`, encoding the next queued snapshot whenever
    /// the link frees up.
    fn send_uploads(&mut self, from: u64, end: u64) {
        let Simulation {
            upload,
            upload_backlog,
            pending,
            history,
            workload,
            config,
            ..
        } = self;
        let model = workload.config().value_model;
        let keys = workload.keys();
        let fallback_codec = config.checkpointing.codec;
        upload.advance_fed(from, end, |_| {
            while let Some(q) = upload_backlog.pop_front() {
                if !pending.contains_key(&q.checkpoint) {
                    continue; // its checkpoint was aborted meanwhile
                }
                // A checkpoint keeps the codec it was triggered with, even if the setting
                // changes while its chunks wait for the link.
                let row = history.iter_mut().rev().find(|h| h.id == q.checkpoint);
                let codec = row.as_ref().map_or(fallback_codec, |h| h.codec);
                let raw_len = q.capture.state.raw_bytes();
                let bytes = Arc::new(snapshot::encode(&q.capture.state, model, keys, codec));
                if let Some(h) = row {
                    h.raw_data_size += raw_len;
                }
                let size = bytes.len() as u64;
                return Some((
                    Transfer::Upload {
                        checkpoint: q.checkpoint,
                        subtask: q.subtask,
                        key_group: q.capture.key_group,
                        codec,
                        raw_len,
                        version: q.capture.entry.version,
                        bytes,
                        attempt: 0,
                    },
                    size,
                ));
            }
            None
        });
    }

    /// How far back the change rate D is measured.
    pub fn change_window_us(&self) -> u64 {
        10_000_000
    }

    /// The state change rate D over the sliding window: (bytes/s, keys/s). A key counts once
    /// per 100 ms sample period however often it changed in it.
    pub fn change_rate(&self) -> (f64, f64) {
        match (self.change_window.front(), self.change_window.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                let dt = (b.0 - a.0) as f64 / 1e6;
                ((b.1 - a.1) as f64 / dt, (b.2 - a.2) as f64 / dt)
            }
            _ => (0.0, 0.0),
        }
    }

    fn take_sample(&mut self) {
        self.next_sample_at = self.now + SAMPLE_INTERVAL_US;
        self.change_window
            .push_back((self.now, self.changed_bytes_total, self.changed_keys_total));
        self.sample_seq = self.sample_seq.wrapping_add(1).max(1);
        let horizon = self.now.saturating_sub(self.change_window_us());
        while self.change_window.len() > 2 && self.change_window[1].0 <= horizon {
            self.change_window.pop_front();
        }
        let (up, down) = (self.upload.sent_bytes(), self.download.sent_bytes());
        let dt = self
            .samples
            .last()
            .map_or(SAMPLE_INTERVAL_US, |s| self.now - s.at_us)
            .max(1) as f64
            / 1e6;
        let (change_bytes_per_s, changed_keys_per_s) = self.change_rate();
        let queues = self.subtasks.iter().map(|s| s.channel.len() as u64);
        let sample = Sample {
            at_us: self.now,
            upload_bytes_per_s: up.saturating_sub(self.last_link_bytes.0) as f64 / dt,
            download_bytes_per_s: down.saturating_sub(self.last_link_bytes.1) as f64 / dt,
            shipped_encoded_total: self.shipped_encoded_total,
            shipped_raw_total: self.shipped_raw_total,
            state_bytes: self.state.iter().map(|s| s.raw_bytes()).sum(),
            change_bytes_per_s,
            changed_keys_per_s,
            interval_ms: self
                .interval_decision()
                .map(|d| d.interval_us as f64 / 1000.0),
            queued_records: queues.clone().sum(),
            max_queue: queues.max().unwrap_or(0) as u32,
            source_lag_records: self
                .workload
                .available(self.now)
                .saturating_sub(self.next_offset),
        };
        self.last_link_bytes = (up, down);
        self.samples.push(sample);
        if self.next_trigger_at.is_some()
            && !matches!(self.config.checkpointing.policy, PolicyConfig::Fixed)
        {
            // The measured inputs moved: the due time follows them.
            self.rearm_trigger();
        }
    }

    /// Running totals that the what-if calculator and the CLI difference over an interval.
    pub fn totals(&self) -> Totals {
        Totals {
            shipped_encoded: self.shipped_encoded_total,
            shipped_raw: self.shipped_raw_total,
            uploaded: self.upload.sent_bytes(),
            completed: self.counts.completed,
            failed: self.counts.failed,
            records_processed: self.records_processed,
        }
    }

    pub(crate) fn link_view(&self) -> crate::engine::report::view::LinkView {
        crate::engine::report::view::LinkView {
            bandwidth_mbit_s: self.config.link.bandwidth_mbit_s,
            latency_ms: self
                .latency_restore_at
                .map_or(self.config.link.latency_ms, |_| self.upload.latency_ms()),
            outage_until_us: (self.link_down_until > self.now).then_some(self.link_down_until),
            store_unavailable_until_us: (self.store_down_until > self.now)
                .then_some(self.store_down_until),
            transfers: self.transfer_counts(),
        }
    }

    /// The sampled time series, oldest first (a bounded recent window on long runs).
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> {
        self.samples.iter()
    }

    pub fn advance_by(&mut self, dt_us: u64) {
        self.advance_to(self.now.saturating_add(dt_us));
    }

    /// Advances to the next moment something is logged (or `limit_us` passes).
    pub fn step_event(&mut self, limit_us: u64) -> bool {
        let before = self.log.len();
        let deadline = self.now.saturating_add(limit_us);
        while self.now < deadline && self.log.len() == before {
            let next = self.now + self.config.tick_us.min(deadline - self.now);
            self.advance_to(next);
        }
        self.log.len() > before
    }

    fn run_data_plane(&mut self, end: u64) {
        let from = self.now;
        // During an outage no byte moves; transfers resume where they stopped.
        let link_from = from.max(self.link_down_until);
        if link_from < end {
            self.send_uploads(link_from, end);
            self.download.advance(link_from, end);
        }
        if self.status != JobStatus::Running {
            return;
        }
        let keys = self.workload.keys().clone();
        let capacity = self.config.job.channel_capacity as usize;
        let available = self.workload.available(end);
        while self.next_offset < available {
            let record = self.workload.record(self.next_offset);
            let kg = keys.key_group(record.key);
            if record.offset < self.skip_below[kg as usize] {
                // Replay after a restore: this key group's chunk already holds it.
                self.next_offset += 1;
                continue;
            }
            let s = self.partitioning.subtask_of_key_group(kg) as usize;
            if self.subtasks[s].channel.len() >= capacity {
                break;
            }
            self.subtasks[s]
                .channel
                .push_back(ChannelItem::Record(record));
            self.next_offset += 1;
        }
        let rate = self.config.job.records_per_s_per_subtask / 1e6;
        let model = self.workload.config().value_model;
        let seed = self.config.seed;
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
                        self.on_barrier(s as u32, id, at);
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
                        let bytes =
                            Arc::make_mut(&mut self.state[kg]).apply(&record, model, &keys, seed);
                        let t = &mut self.tracking[kg];
                        t.version += 1;
                        t.changed_bytes += bytes;
                        t.changed_records += 1;
                        self.changed_bytes_total += bytes;
                        let touched = &mut self.key_touched[record.key as usize];
                        if *touched != self.sample_seq {
                            *touched = self.sample_seq;
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
        self.check_caught_up();
    }

    fn fire_due(&mut self) {
        loop {
            if let Some(f) = self.config.faults.get(self.next_fault) {
                if f.at_ms * 1000 <= self.now {
                    let fault = f.fault.clone();
                    self.next_fault += 1;
                    if let Err(e) = self.inject(&fault) {
                        self.note(
                            EventCategory::Fault,
                            format!("scheduled fault not applied: {e}"),
                        );
                    }
                    continue;
                }
            }
            if let Some((until, latency)) = self.latency_restore_at {
                if until <= self.now {
                    self.latency_restore_at = None;
                    self.upload.set_latency(latency);
                    self.download.set_latency(latency);
                    self.note(
                        EventCategory::Fault,
                        format!("latency back to {latency} ms"),
                    );
                    continue;
                }
            }
            if let Some(i) = self.retries.iter().position(|(t, _)| *t <= self.now) {
                let (_, transfer) = self.retries.swap_remove(i);
                self.resend(transfer);
                continue;
            }
            if let Some((transfer, size)) = self.upload.take_arrival(self.now) {
                if !self.lost_on_the_way() {
                    self.on_upload_arrived(transfer, size);
                } else {
                    self.retry_or_give_up(transfer, "lost on the link");
                }
                continue;
            }
            if let Some((transfer, size)) = self.download.take_arrival(self.now) {
                if !self.lost_on_the_way() {
                    self.on_download_arrived(transfer, size);
                } else {
                    self.retry_or_give_up(transfer, "lost on the link");
                }
                continue;
            }
            if self
                .timers
                .peek()
                .is_some_and(|Reverse((t, ..))| *t <= self.now)
            {
                let Reverse((_, epoch, _, timer)) = self.timers.pop().expect("peeked");
                if epoch == self.epoch {
                    self.on_timer(timer);
                }
                continue;
            }
            if self.next_trigger_at.is_some_and(|t| t <= self.now) && self.try_trigger() {
                continue;
            }
            break;
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        match timer {
            Timer::SyncDone {
                checkpoint,
                subtask,
            } => self.on_sync_done(checkpoint, subtask),
            Timer::Timeout { checkpoint } => {
                if self.pending.contains_key(&checkpoint) {
                    self.fail_checkpoint(
                        checkpoint,
                        "checkpoint expired before completing (execution.checkpointing.timeout)"
                            .into(),
                        true,
                    );
                }
            }
            Timer::Restart => self.begin_restore(),
            Timer::RestoreDone => self.finish_restore(),
        }
    }
}

/// FNV-1a, 64-bit: tiny, portable and stable.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 = (self.0 ^ u64::from(*x)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
}
