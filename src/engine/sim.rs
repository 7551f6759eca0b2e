//! The simulation: source, channels, keyed subtasks, checkpoint coordinator, link,
//! store, failure and recovery, all on one virtual clock in microseconds.
//!
//! Control events (sync phases ending, transfers arriving, restarts, timeouts, triggers)
//! happen at exact times; between them the data plane advances in slices of at most
//! `tick_us`, moving records from the source through FIFO channels into subtasks.

use super::codec::Codec;
use super::config::{Config, ConfigErrors, FieldError};
use super::keygroups::Partitioning;
use super::link::Pipe;
use super::log::{EventCategory, EventLog};
use super::oracle::Oracle;
use super::snapshot;
use super::state::KeyGroupState;
use super::store::{CheckpointId, ChunkId, ChunkRef, CompletedCheckpoint, Store};
use super::trace::Trace;
use super::workload::{Record, Workload};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
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

/// Change tracking of one key group since its last confirmed (completed) upload.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyGroupTracking {
    pub version: u64,
    /// The chunk in the latest completed checkpoint and the version it captured.
    pub confirmed: Option<(ChunkId, u64)>,
    pub changed_bytes: u64,
    pub changed_records: u64,
}

impl KeyGroupTracking {
    pub fn dirty(&self) -> bool {
        self.confirmed.is_none_or(|(_, v)| v != self.version)
    }
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
    },
    Download {
        restore: u64,
        key_group: u32,
        chunk: ChunkId,
    },
}

#[derive(Clone, Debug)]
struct Capture {
    key_group: u32,
    version: u64,
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
    manifest: BTreeMap<u32, (ChunkId, u64)>,
    chunks_outstanding: Vec<u32>,
    synced: Vec<bool>,
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
    oracle: Oracle,
    pub(crate) records_processed: u64,
    pub(crate) changed_bytes_total: u64,
}

impl Simulation {
    pub fn new(config: Config, trace: Option<&Trace>) -> Result<Self, ConfigErrors> {
        config.validate()?;
        let partitioning = config.partitioning()?;
        if matches!(config.workload.source, super::workload::SourceConfig::Trace) && trace.is_none()
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
        let mut sim = Self {
            upload: Pipe::new(config.link.bandwidth_mbit_s, config.link.latency_ms),
            download: Pipe::new(config.link.bandwidth_mbit_s, config.link.latency_ms),
            next_trigger_at: config.checkpointing.interval_ms.map(|i| i * 1000),
            subtasks: (0..partitioning.parallelism())
                .map(|_| Subtask::new())
                .collect(),
            tracking: vec![KeyGroupTracking::default(); partitioning.max_parallelism() as usize],
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
        }
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
        self.upload.advance(from, end);
        self.download.advance(from, end);
        if self.status != JobStatus::Running {
            return;
        }
        let keys = self.workload.keys().clone();
        let capacity = self.config.job.channel_capacity as usize;
        let available = self.workload.available(end);
        while self.next_offset < available {
            let record = self.workload.record(self.next_offset);
            let kg = keys.key_group(record.key);
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
            self.subtasks[s].credit += rate * (end - start) as f64;
            loop {
                let sub = &mut self.subtasks[s];
                match sub.channel.front().copied() {
                    Some(ChannelItem::Barrier(id)) => {
                        sub.channel.pop_front();
                        self.on_barrier(s as u32, id, end);
                        if self.subtasks[s].blocked_until > end {
                            break;
                        }
                    }
                    Some(ChannelItem::Record(record)) if sub.credit >= 1.0 => {
                        sub.channel.pop_front();
                        sub.credit -= 1.0;
                        sub.processed += 1;
                        let kg = keys.key_group(record.key) as usize;
                        let bytes =
                            Arc::make_mut(&mut self.state[kg]).apply(&record, model, &keys, seed);
                        let t = &mut self.tracking[kg];
                        t.version += 1;
                        t.changed_bytes += bytes;
                        t.changed_records += 1;
                        self.changed_bytes_total += bytes;
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
            if let Some((transfer, size)) = self.upload.take_arrival(self.now) {
                self.on_upload_arrived(transfer, size);
                continue;
            }
            if let Some((transfer, size)) = self.download.take_arrival(self.now) {
                self.on_download_arrived(transfer, size);
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

    // ---- checkpoint coordinator -------------------------------------------------------

    /// Triggers a checkpoint now if the job runs and the limits allow it. Returns whether
    /// one was triggered.
    pub fn trigger_checkpoint(&mut self) -> bool {
        if self.status != JobStatus::Running
            || self.pending.len() >= self.config.checkpointing.max_concurrent as usize
        {
            return false;
        }
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        let p = self.partitioning.parallelism() as usize;
        for sub in &mut self.subtasks {
            sub.channel.push_back(ChannelItem::Barrier(id));
        }
        self.pending.insert(
            id,
            PendingCheckpoint {
                captures: vec![Vec::new(); p],
                manifest: BTreeMap::new(),
                chunks_outstanding: vec![0; p],
                synced: vec![false; p],
            },
        );
        self.counts.triggered += 1;
        self.counts.in_progress += 1;
        self.history.push(CheckpointStats {
            id,
            status: CheckpointStatus::InProgress,
            trigger_time_us: self.now,
            offset: self.next_offset,
            parallelism: p as u32,
            acknowledged_subtasks: 0,
            latest_acknowledgement_us: None,
            end_to_end_duration_us: None,
            checkpointed_data_size: 0,
            full_checkpoint_size: 0,
            raw_data_size: 0,
            key_groups_shipped: 0,
            key_groups_skipped: 0,
            subtasks: (0..p as u32)
                .map(|subtask| SubtaskCheckpointStats {
                    subtask,
                    start_delay_us: None,
                    alignment_us: None,
                    sync_us: None,
                    async_us: None,
                    acknowledged_at_us: None,
                    key_groups_shipped: 0,
                    key_groups_referenced: 0,
                })
                .collect(),
        });
        self.schedule(
            self.now + self.config.checkpointing.timeout_ms * 1000,
            Timer::Timeout { checkpoint: id },
        );
        self.note(
            EventCategory::Checkpoint,
            format!(
                "checkpoint {id} triggered: barrier injected at source offset {}",
                self.next_offset
            ),
        );
        true
    }

    fn try_trigger(&mut self) -> bool {
        let Some(interval_ms) = self.config.checkpointing.interval_ms else {
            self.next_trigger_at = None;
            return false;
        };
        if self.status != JobStatus::Running
            || self.pending.len() >= self.config.checkpointing.max_concurrent as usize
        {
            // Waits for the running checkpoint (or the restore) to finish; re-armed then.
            self.next_trigger_at = None;
            return false;
        }
        self.next_trigger_at = Some(self.now + interval_ms * 1000);
        self.trigger_checkpoint()
    }

    fn rearm_trigger(&mut self) {
        if let Some(interval_ms) = self.config.checkpointing.interval_ms {
            let min_pause = self.config.checkpointing.min_pause_ms * 1000;
            let last_trigger = self.history.last().map_or(0, |h| h.trigger_time_us);
            let at = (last_trigger + interval_ms * 1000).max(self.now + min_pause);
            self.next_trigger_at = Some(self.next_trigger_at.map_or(at, |t| t.max(at)));
        }
    }

    fn stats_mut(&mut self, id: CheckpointId) -> Option<&mut CheckpointStats> {
        self.history.iter_mut().rev().find(|h| h.id == id)
    }

    fn on_barrier(&mut self, subtask: u32, id: CheckpointId, at: u64) {
        if !self.pending.contains_key(&id) {
            return; // barrier of an aborted checkpoint
        }
        let range = self.partitioning.key_group_range(subtask);
        let incremental = self.config.checkpointing.incremental;
        let mut captures = Vec::new();
        let mut referenced = Vec::new();
        for kg in range.iter() {
            let t = &self.tracking[kg as usize];
            match t.confirmed {
                Some((chunk, _)) if incremental && !t.dirty() => {
                    referenced.push((kg, chunk, t.version))
                }
                _ => captures.push(Capture {
                    key_group: kg,
                    version: t.version,
                    state: self.state[kg as usize].clone(),
                }),
            }
        }
        let raw: u64 = captures.iter().map(|c| c.state.raw_bytes()).sum();
        let sync_us = (raw as f64 / self.config.costs.sync_snapshot_mb_s).ceil() as u64;
        let (shipped, skipped) = (captures.len() as u32, referenced.len() as u32);
        let pending = self.pending.get_mut(&id).expect("checked");
        for (kg, chunk, version) in referenced {
            pending.manifest.insert(kg, (chunk, version));
        }
        pending.captures[subtask as usize] = captures;
        self.subtasks[subtask as usize].blocked_until = at + sync_us;
        self.subtasks[subtask as usize].last_snapshot_at = Some(at);
        if let Some(stats) = self.stats_mut(id) {
            let trigger = stats.trigger_time_us;
            let st = &mut stats.subtasks[subtask as usize];
            st.start_delay_us = Some(at - trigger);
            st.alignment_us = Some(0);
            st.sync_us = Some(sync_us);
            st.key_groups_shipped = shipped;
            st.key_groups_referenced = skipped;
            stats.key_groups_shipped += shipped;
            stats.key_groups_skipped += skipped;
        }
        self.schedule(
            at + sync_us,
            Timer::SyncDone {
                checkpoint: id,
                subtask,
            },
        );
    }

    fn on_sync_done(&mut self, id: CheckpointId, subtask: u32) {
        let codec = self.config.checkpointing.codec;
        let model = self.workload.config().value_model;
        let keys = self.workload.keys().clone();
        let Some(pending) = self.pending.get_mut(&id) else {
            return;
        };
        let captures = std::mem::take(&mut pending.captures[subtask as usize]);
        pending.synced[subtask as usize] = true;
        pending.chunks_outstanding[subtask as usize] = captures.len() as u32;
        let mut raw_total = 0;
        let mut buf = Vec::new();
        for c in captures {
            buf.clear();
            snapshot::serialize_into(&c.state, model, &keys, &mut buf);
            let bytes = Arc::new(codec.encode(&buf));
            raw_total += buf.len() as u64;
            let size = bytes.len() as u64;
            self.upload.enqueue(
                Transfer::Upload {
                    checkpoint: id,
                    subtask,
                    key_group: c.key_group,
                    codec,
                    raw_len: buf.len() as u64,
                    version: c.version,
                    bytes,
                },
                size,
                self.now,
            );
        }
        if let Some(stats) = self.stats_mut(id) {
            stats.raw_data_size += raw_total;
        }
        self.maybe_acknowledge(id, subtask);
    }

    fn on_upload_arrived(&mut self, transfer: Transfer, size: u64) {
        let Transfer::Upload {
            checkpoint,
            subtask,
            key_group,
            codec,
            raw_len,
            version,
            bytes,
        } = transfer
        else {
            return;
        };
        if !self.pending.contains_key(&checkpoint) {
            return;
        }
        let chunk = self.store.put(checkpoint, key_group, codec, raw_len, bytes);
        let pending = self.pending.get_mut(&checkpoint).expect("checked");
        pending.manifest.insert(key_group, (chunk, version));
        pending.chunks_outstanding[subtask as usize] -= 1;
        if let Some(stats) = self.stats_mut(checkpoint) {
            stats.checkpointed_data_size += size;
        }
        self.maybe_acknowledge(checkpoint, subtask);
    }

    fn maybe_acknowledge(&mut self, id: CheckpointId, subtask: u32) {
        let Some(pending) = self.pending.get(&id) else {
            return;
        };
        let s = subtask as usize;
        if !pending.synced[s] || pending.chunks_outstanding[s] > 0 {
            return;
        }
        let all =
            pending.synced.iter().all(|x| *x) && pending.chunks_outstanding.iter().all(|n| *n == 0);
        let now = self.now;
        if let Some(stats) = self.stats_mut(id) {
            let st = &mut stats.subtasks[s];
            if st.acknowledged_at_us.is_none() {
                let sync_end = stats.trigger_time_us
                    + st.start_delay_us.unwrap_or(0)
                    + st.sync_us.unwrap_or(0);
                st.async_us = Some(now.saturating_sub(sync_end));
                st.acknowledged_at_us = Some(now);
                stats.acknowledged_subtasks += 1;
                stats.latest_acknowledgement_us = Some(now);
            }
        }
        if all {
            self.complete_checkpoint(id);
        }
    }

    fn complete_checkpoint(&mut self, id: CheckpointId) {
        let pending = self.pending.remove(&id).expect("pending");
        self.counts.in_progress -= 1;
        self.counts.completed += 1;
        self.consecutive_failures = 0;
        let (offset, trigger) = self
            .history
            .iter()
            .rev()
            .find(|h| h.id == id)
            .map(|h| (h.offset, h.trigger_time_us))
            .expect("history row");
        for (kg, (chunk, version)) in &pending.manifest {
            self.tracking[*kg as usize].confirmed = Some((*chunk, *version));
            let t = &mut self.tracking[*kg as usize];
            if t.version == *version {
                t.changed_bytes = 0;
                t.changed_records = 0;
            }
        }
        let completed = CompletedCheckpoint {
            id,
            offset,
            triggered_at_us: trigger,
            completed_at_us: self.now,
            parallelism: self.partitioning.parallelism(),
            manifest: pending
                .manifest
                .iter()
                .map(|(kg, (chunk, _))| ChunkRef {
                    key_group: *kg,
                    chunk: *chunk,
                })
                .collect(),
        };
        let full = self.store.full_size(&completed);
        let deleted = self
            .store
            .complete(completed, self.config.checkpointing.num_retained);
        let now = self.now;
        if let Some(stats) = self.stats_mut(id) {
            stats.status = CheckpointStatus::Completed;
            stats.end_to_end_duration_us = Some(now - trigger);
            stats.full_checkpoint_size = full;
        }
        let h = self
            .history
            .iter()
            .rev()
            .find(|h| h.id == id)
            .expect("row")
            .clone();
        self.note(
            EventCategory::Checkpoint,
            format!(
                "checkpoint {id} completed in {:.1} ms: {} key groups shipped, {} referenced, {} B uploaded ({} B raw), full size {} B",
                (now - trigger) as f64 / 1000.0,
                h.key_groups_shipped,
                h.key_groups_skipped,
                h.checkpointed_data_size,
                h.raw_data_size,
                full
            ),
        );
        if !deleted.is_empty() {
            self.note(
                EventCategory::Store,
                format!(
                    "{} chunks deleted: no retained checkpoint references them",
                    deleted.len()
                ),
            );
        }
        // A newer completed checkpoint subsumes older ones still running.
        let older: Vec<CheckpointId> = self.pending.keys().copied().filter(|p| *p < id).collect();
        for old in older {
            self.fail_checkpoint(old, format!("subsumed by checkpoint {id}"), false);
        }
        self.rearm_trigger();
    }

    fn fail_checkpoint(
        &mut self,
        id: CheckpointId,
        reason: String,
        counts_against_tolerance: bool,
    ) {
        if self.pending.remove(&id).is_none() {
            return;
        }
        self.counts.in_progress -= 1;
        self.counts.failed += 1;
        let discarded = self.store.discard(id);
        if let Some(stats) = self.stats_mut(id) {
            stats.status = CheckpointStatus::Failed(reason.clone());
        }
        self.note(
            EventCategory::Checkpoint,
            format!(
                "checkpoint {id} failed: {reason}; {} uploaded chunks discarded",
                discarded.len()
            ),
        );
        if counts_against_tolerance {
            self.consecutive_failures += 1;
            if self.consecutive_failures > self.config.checkpointing.tolerable_failed {
                self.consecutive_failures = 0;
                self.fail_job("exceeded checkpoint tolerable failure threshold".into());
                return;
            }
        }
        self.rearm_trigger();
    }

    // ---- failure and recovery --------------------------------------------------------

    /// Crashes the whole job: state and in-flight data are lost, running checkpoints abort.
    pub fn crash_job(&mut self) {
        self.fail_job("job crashed (injected)".into());
    }

    /// Crashes one subtask. With `keyBy`'s all-to-all edges the failover region is the
    /// whole job, so, as in Flink, every subtask restarts.
    pub fn crash_subtask(&mut self, subtask: u32) -> Result<(), String> {
        if subtask >= self.partitioning.parallelism() {
            return Err(format!(
                "subtask must be below the parallelism ({}), got {subtask}",
                self.partitioning.parallelism()
            ));
        }
        self.fail_job(format!(
            "subtask {subtask} failed; keyBy connects all subtasks, so the failover region is the whole job"
        ));
        Ok(())
    }

    /// Restarts with a new parallelism from the latest completed checkpoint; whole key
    /// groups move to the subtasks of their new ranges.
    pub fn rescale(&mut self, parallelism: u32) -> Result<(), String> {
        let new = self
            .partitioning
            .with_parallelism(parallelism)
            .map_err(|e| e.to_string())?;
        if parallelism > super::config::MAX_PARALLELISM_IN_LAB {
            return Err(format!(
                "parallelism must be at most {}",
                super::config::MAX_PARALLELISM_IN_LAB
            ));
        }
        self.pending_partitioning = Some(new);
        self.fail_job(format!(
            "rescale from parallelism {} to {parallelism}: restart from the latest checkpoint",
            self.partitioning.parallelism()
        ));
        Ok(())
    }

    fn fail_job(&mut self, reason: String) {
        self.epoch += 1;
        let ids: Vec<CheckpointId> = self.pending.keys().copied().collect();
        for id in ids {
            if self.pending.remove(&id).is_some() {
                self.counts.in_progress -= 1;
                self.counts.failed += 1;
                let discarded = self.store.discard(id);
                if let Some(stats) = self.stats_mut(id) {
                    stats.status =
                        CheckpointStatus::Failed("job failed while it was in progress".into());
                }
                self.note(
                    EventCategory::Checkpoint,
                    format!(
                        "checkpoint {id} aborted: the job failed; {} uploaded chunks discarded",
                        discarded.len()
                    ),
                );
            }
        }
        self.upload.clear();
        self.download.clear();
        self.restore = None;
        for sub in &mut self.subtasks {
            *sub = Subtask::new();
        }
        let keys = self.workload.keys().clone();
        for (kg, s) in self.state.iter_mut().enumerate() {
            *s = Arc::new(KeyGroupState::empty(kg as u32, &keys));
        }
        let restart_at = self.now + self.config.job.restart_delay_ms * 1000;
        self.status = JobStatus::Restarting {
            restart_at_us: restart_at,
        };
        self.next_trigger_at = None;
        let offset_at_failure = self
            .recoveries
            .last()
            .filter(|r| r.caught_up_at_us.is_none())
            .map_or(self.next_offset, |r| {
                r.offset_at_failure.max(self.next_offset)
            });
        self.recoveries.push(RecoveryStats {
            failed_at_us: self.now,
            reason: reason.clone(),
            offset_at_failure,
            checkpoint: None,
            restore_offset: 0,
            parallelism: self
                .pending_partitioning
                .unwrap_or(self.partitioning)
                .parallelism(),
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
        self.note(
            EventCategory::Fault,
            format!(
                "job failed: {reason}; state lost, restart in {} ms",
                self.config.job.restart_delay_ms
            ),
        );
        self.schedule(restart_at, Timer::Restart);
    }

    fn begin_restore(&mut self) {
        if let Some(p) = self.pending_partitioning.take() {
            self.partitioning = p;
        }
        self.subtasks = (0..self.partitioning.parallelism())
            .map(|_| Subtask::new())
            .collect();
        let checkpoint = self.store.latest().cloned();
        self.start_restore_from(checkpoint);
    }

    fn start_restore_from(&mut self, checkpoint: Option<CompletedCheckpoint>) {
        let restore_id = self.epoch;
        let total = checkpoint.as_ref().map_or(0, |c| c.manifest.len() as u32);
        if let Some(r) = self.recoveries.last_mut() {
            r.checkpoint = checkpoint.as_ref().map(|c| c.id);
            r.restore_offset = checkpoint.as_ref().map_or(0, |c| c.offset);
            r.restore_started_at_us = Some(self.now);
        }
        match &checkpoint {
            Some(c) => {
                for r in &c.manifest {
                    let size = self
                        .store
                        .chunk(r.chunk)
                        .map_or(0, |ch| ch.bytes.len() as u64);
                    self.download.enqueue(
                        Transfer::Download {
                            restore: restore_id,
                            key_group: r.key_group,
                            chunk: r.chunk,
                        },
                        size,
                        self.now,
                    );
                }
                self.note(
                    EventCategory::Recovery,
                    format!(
                        "restoring checkpoint {} (offset {}) with parallelism {}: downloading {} chunks",
                        c.id,
                        c.offset,
                        self.partitioning.parallelism(),
                        total
                    ),
                );
            }
            None => self.note(
                EventCategory::Recovery,
                "no completed checkpoint: starting from empty state at offset 0".into(),
            ),
        }
        self.status = JobStatus::Restoring {
            checkpoint: checkpoint.as_ref().map(|c| c.id),
            chunks_total: total,
            chunks_done: 0,
        };
        self.restore = Some(Restore {
            id: restore_id,
            checkpoint,
            decoded: vec![None; self.partitioning.max_parallelism() as usize],
            outstanding: total,
            decode_free_at: self.now,
        });
        if total == 0 {
            self.schedule(self.now, Timer::RestoreDone);
        }
    }

    fn on_download_arrived(&mut self, transfer: Transfer, size: u64) {
        let Transfer::Download {
            restore,
            key_group,
            chunk,
        } = transfer
        else {
            return;
        };
        let model = self.workload.config().value_model;
        let keys = self.workload.keys().clone();
        let decode_rate = self.config.costs.restore_decode_mb_s;
        let now = self.now;
        let Some(r) = self.restore.as_mut().filter(|r| r.id == restore) else {
            return;
        };
        let result = match self.store.chunk(chunk) {
            None => Err(format!(
                "chunk {chunk} of key group {key_group} is missing from the store"
            )),
            Some(c) => c
                .codec
                .decode(&c.bytes, c.raw_len as usize)
                .map_err(|e| e.to_string())
                .and_then(|raw| {
                    snapshot::deserialize(&raw, key_group, model, &keys).map_err(|e| e.to_string())
                })
                .map(|state| (state, c.raw_len))
                .map_err(|e| {
                    format!("chunk {chunk} of key group {key_group} failed verification: {e}")
                }),
        };
        match result {
            Ok((state, raw_len)) => {
                r.decoded[key_group as usize] = Some(Arc::new(state));
                r.outstanding -= 1;
                let decode_us = (raw_len as f64 / decode_rate).ceil() as u64;
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
                if outstanding == 0 {
                    self.schedule(free_at, Timer::RestoreDone);
                }
            }
            Err(why) => self.fall_back(why),
        }
    }

    /// A chunk of the checkpoint being restored is bad: restore the newest older
    /// completed checkpoint instead, or start from scratch if none is left.
    fn fall_back(&mut self, why: String) {
        let failed = self
            .restore
            .as_ref()
            .and_then(|r| r.checkpoint.as_ref().map(|c| c.id));
        self.download.clear();
        self.epoch += 1;
        let older = failed.and_then(|f| self.store.completed().rev().find(|c| c.id < f).cloned());
        let text = match (&older, failed) {
            (Some(o), Some(f)) => format!(
                "{why}; falling back from checkpoint {f} to checkpoint {}",
                o.id
            ),
            (None, Some(f)) => {
                format!("{why}; no older checkpoint than {f}: starting from empty state")
            }
            _ => why,
        };
        if let Some(rec) = self.recoveries.last_mut() {
            rec.fallbacks.push(text.clone());
        }
        self.note(EventCategory::Recovery, text);
        self.start_restore_from(older);
    }

    fn finish_restore(&mut self) {
        let Some(r) = self.restore.take() else { return };
        let keys = self.workload.keys().clone();
        for (kg, decoded) in r.decoded.into_iter().enumerate() {
            self.state[kg] =
                decoded.unwrap_or_else(|| Arc::new(KeyGroupState::empty(kg as u32, &keys)));
        }
        let offset = r.checkpoint.as_ref().map_or(0, |c| c.offset);
        for (kg, t) in self.tracking.iter_mut().enumerate() {
            let chunk = r
                .checkpoint
                .as_ref()
                .and_then(|c| c.manifest.iter().find(|m| m.key_group == kg as u32))
                .map(|m| m.chunk);
            *t = KeyGroupTracking {
                version: 0,
                confirmed: chunk.map(|c| (c, 0)),
                changed_bytes: 0,
                changed_records: 0,
            };
        }
        self.next_offset = offset;
        self.status = JobStatus::Running;
        self.counts.restored += u64::from(r.checkpoint.is_some());
        if let Some(rec) = self.recoveries.last_mut() {
            rec.restored_at_us = Some(self.now);
            rec.replayed_records = rec.offset_at_failure.saturating_sub(offset);
        }
        self.note(
            EventCategory::Recovery,
            format!("restore done: source rewound to offset {offset}, replaying"),
        );
        self.next_trigger_at = None;
        if let Some(interval_ms) = self.config.checkpointing.interval_ms {
            self.next_trigger_at = Some(self.now + interval_ms * 1000);
        }
    }

    /// After a recovery: once the job has replayed past the failure point and drained its
    /// channels, compare every key group with the oracle.
    fn check_caught_up(&mut self) {
        let Some(rec) = self.recoveries.last() else {
            return;
        };
        if rec.restored_at_us.is_none() || rec.caught_up_at_us.is_some() {
            return;
        }
        if self.next_offset < rec.offset_at_failure || !self.is_drained() {
            return;
        }
        let report = self.exactly_once_check();
        let now = self.now;
        let rec = self.recoveries.last_mut().expect("checked");
        rec.caught_up_at_us = Some(now);
        let recovery_ms = (now - rec.failed_at_us) as f64 / 1000.0;
        let text = match &report {
            Some(r) if r.ok() => format!(
                "caught up {recovery_ms:.1} ms after the failure; exactly-once: state equals the no-failure run at offset {}",
                r.offset
            ),
            Some(r) => format!(
                "caught up; exactly-once VIOLATED at offset {}: key groups {:?} differ from the no-failure run",
                r.offset, r.differing_key_groups
            ),
            None => "caught up".into(),
        };
        rec.exactly_once = report;
        self.note(EventCategory::Check, text);
    }

    /// Flips one bit of a stored chunk; a restore that reads it will notice.
    pub fn corrupt_chunk(&mut self, chunk: ChunkId, bit: u64) -> bool {
        let done = self.store.flip_bit(chunk, bit);
        if done {
            self.note(
                EventCategory::Fault,
                format!("chunk {chunk} corrupted in the store (bit {bit} flipped)"),
            );
        }
        done
    }

    /// Deletes a stored chunk behind the checkpoints' backs.
    pub fn lose_chunk(&mut self, chunk: ChunkId) -> bool {
        let done = self.store.lose(chunk);
        if done {
            self.note(
                EventCategory::Fault,
                format!("chunk {chunk} lost from the store"),
            );
        }
        done
    }

    /// True when every record the source has emitted has been processed.
    pub fn is_drained(&self) -> bool {
        self.status == JobStatus::Running
            && self.subtasks.iter().all(|s| {
                !s.channel
                    .iter()
                    .any(|i| matches!(i, ChannelItem::Record(_)))
            })
    }

    /// Compares the state with the oracle at the source offset; only meaningful (and only
    /// answered) when the job is drained.
    pub fn exactly_once_check(&mut self) -> Option<ExactlyOnceReport> {
        if !self.is_drained() {
            return None;
        }
        let workload = self.workload.clone();
        self.oracle
            .advance_to(&workload, self.config.seed, self.next_offset);
        Some(ExactlyOnceReport {
            at_us: self.now,
            offset: self.next_offset,
            differing_key_groups: self.oracle.differing(&self.state),
        })
    }

    /// A digest of everything observable, for comparing runs across targets.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        h.u64(self.now);
        h.u64(self.next_offset);
        h.u64(self.records_processed);
        let keys = self.workload.keys();
        let model = self.workload.config().value_model;
        let mut buf = Vec::new();
        for s in &self.state {
            buf.clear();
            snapshot::serialize_into(s, model, keys, &mut buf);
            h.bytes(&buf);
        }
        for c in self.store.chunks() {
            h.u64(c.id);
            h.bytes(&c.bytes);
        }
        for row in &self.history {
            h.bytes(serde_json::to_string(row).unwrap_or_default().as_bytes());
        }
        h.0
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
