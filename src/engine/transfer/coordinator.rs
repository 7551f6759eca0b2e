//! The checkpoint coordinator: when to trigger (by policy), which key groups a barrier's
//! snapshot ships, the sync and async phases, acknowledgements, completion and failure.
//!
//! A running checkpoint carries its own facts (trigger time, source offset, codec, full or
//! incremental); the history rows are the read model the coordinator writes for the UI and
//! never reads back to decide anything.

use crate::engine::config::CheckpointingConfig;
use crate::engine::partitioning::keygroups::Partitioning;
use crate::engine::partitioning::workload::Workload;
use crate::engine::report::stats::{
    CheckpointCounts, CheckpointFailure, CheckpointStats, CheckpointStatus, SubtaskCheckpointStats,
};
use crate::engine::state::codec::Codec;
use crate::engine::state::flink_heap::HeapLayout;
use crate::engine::state::keyed::KeyGroupState;
use crate::engine::state::snapshot;
use crate::engine::transfer::link::Transfer;
use crate::engine::transfer::policy::{
    decide_interval, IntervalDecision, KeyGroupFacts, Measured, PolicyConfig, ShipDecision,
};
use crate::engine::transfer::store::{CheckpointId, ChunkId, ChunkRef, CompletedCheckpoint, Store};
use crate::engine::transfer::tracking::{Confirmed, KeyGroupTracking};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// A key group's entry in a running checkpoint's manifest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ManifestEntry {
    /// `None` until the store acknowledges the upload.
    pub chunk: Option<ChunkId>,
    pub version: u64,
    /// The source offset the entry's state is valid at.
    pub offset: u64,
    pub captured_at_us: u64,
    /// Change counters at capture, subtracted from the live ones when the checkpoint
    /// completes (changes after the capture still count towards the next one).
    changed_bytes: u64,
    changed_records: u64,
}

#[derive(Clone, Debug)]
struct Capture {
    key_group: u32,
    entry: ManifestEntry,
    /// The key group's state when the barrier passed (its raw size: `raw_bytes`).
    data: Captured,
    raw_bytes: u64,
    /// The first key group of the subtask's range: its chunk carries the state-file header.
    with_header: bool,
}

/// What a capture holds until the link takes it.
#[derive(Clone, Debug)]
enum Captured {
    /// The state itself, sharing its pages with the live state (copy-on-write).
    State(Arc<KeyGroupState>),
    /// Its chunk, encoded early because a record was about to write the live state: the
    /// bytes are the same, and no page of the state gets copied for the snapshot's sake.
    Encoded(Arc<Vec<u8>>),
}

/// A captured key group waiting for the link: it is serialised and encoded when the link
/// can take it (the async phase), so that work is spread over the upload, or earlier, when
/// a record is about to write the key group (see [`Coordinator::encode_before_write`]).
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
        self.capture.raw_bytes
    }
}

#[derive(Clone, Debug)]
pub(crate) struct PendingCheckpoint {
    pub trigger_at: u64,
    /// Source offset when the barrier was injected.
    pub offset: u64,
    /// The codec and mode it was triggered with; a settings change mid-flight does not
    /// change a running checkpoint.
    pub codec: Codec,
    pub incremental: bool,
    captures: Vec<Vec<Capture>>,
    pub manifest: BTreeMap<u32, ManifestEntry>,
    chunks_outstanding: Vec<u32>,
    synced: Vec<bool>,
    acknowledged: Vec<bool>,
    /// What each subtask's barrier did, once it arrived.
    taken: Vec<Option<BarrierTaken>>,
    /// Chunks of earlier checkpoints this one references, pinned in the store meanwhile.
    pins: Vec<ChunkId>,
}

/// The keyed state a barrier snapshots, and what each key group changed since it was
/// last confirmed.
#[derive(Clone, Copy)]
pub(crate) struct Keyed<'a> {
    pub partitioning: Partitioning,
    pub state: &'a [Arc<KeyGroupState>],
    pub tracking: &'a [KeyGroupTracking],
}

/// A barrier reaching a subtask at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Barrier {
    pub checkpoint: CheckpointId,
    pub subtask: u32,
    pub at: u64,
}

/// What a barrier did at a subtask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BarrierTaken {
    pub start_delay_us: u64,
    pub sync_us: u64,
    pub shipped: u32,
    pub referenced: u32,
}

/// A chunk the store acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Acked {
    pub chunk: ChunkId,
    pub encoded_bytes: u64,
}

/// What completing a checkpoint did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Completion {
    pub duration_us: u64,
    pub shipped: u32,
    pub referenced: u32,
    pub uploaded_bytes: u64,
    pub raw_bytes: u64,
    pub full_bytes: u64,
    pub deleted: Vec<ChunkId>,
    /// Older checkpoints still running, which this one subsumes.
    pub subsumed: Vec<CheckpointId>,
}

/// What failing a checkpoint did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Aborted {
    pub discarded_chunks: u32,
    /// More consecutive failures than `tolerable-failed-checkpoints`: the job must fail.
    pub tolerance_exceeded: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Coordinator {
    pending: BTreeMap<CheckpointId, PendingCheckpoint>,
    next_checkpoint: CheckpointId,
    history: Vec<CheckpointStats>,
    counts: CheckpointCounts,
    consecutive_failures: u32,
    last_trigger_at: Option<u64>,
    last_checkpoint_end_at: Option<u64>,
    /// Job start or the end of the latest restore: the periodic trigger counts from here.
    checkpointing_since: u64,
    /// Where in `[min-pause, interval]` the first checkpoint after `checkpointing_since`
    /// falls, as a fraction: Flink's `CheckpointCoordinator` starts its scheduler after a
    /// random delay in that range (`getRandomInitDelay`) so that jobs do not checkpoint in
    /// lockstep. Drawn from the seed once per scheduler start.
    initial_delay_fraction: f64,
    scheduler_starts: u64,
    seed: u64,
    /// Smoothed end-to-end duration of completed checkpoints, in seconds (C for Young–Daly).
    cost_ewma_s: Option<f64>,
    /// When the next checkpoint is due, and the token of that arming.
    next_trigger: Option<(u64, u64)>,
    trigger_token: u64,
    upload_backlog: VecDeque<QueuedSnapshot>,
    /// Why each key group was or was not shipped by the latest barrier that reached it.
    last_ship: Vec<Option<ShipDecision>>,
    shipped_raw_total: u64,
    shipped_encoded_total: u64,
}

impl Coordinator {
    pub fn new(key_groups: u32, seed: u64) -> Self {
        Self {
            pending: BTreeMap::new(),
            next_checkpoint: 1,
            history: Vec::new(),
            counts: CheckpointCounts::default(),
            consecutive_failures: 0,
            last_trigger_at: None,
            last_checkpoint_end_at: None,
            checkpointing_since: 0,
            initial_delay_fraction: initial_delay_fraction(seed, 0),
            scheduler_starts: 0,
            seed,
            cost_ewma_s: None,
            next_trigger: None,
            trigger_token: 0,
            upload_backlog: VecDeque::new(),
            last_ship: vec![None; key_groups as usize],
            shipped_raw_total: 0,
            shipped_encoded_total: 0,
        }
    }

    pub fn history(&self) -> &[CheckpointStats] {
        &self.history
    }

    pub fn counts(&self) -> &CheckpointCounts {
        &self.counts
    }

    pub fn counts_mut(&mut self) -> &mut CheckpointCounts {
        &mut self.counts
    }

    pub fn pending(&self) -> impl Iterator<Item = (&CheckpointId, &PendingCheckpoint)> {
        self.pending.iter()
    }

    pub fn is_pending(&self, id: CheckpointId) -> bool {
        self.pending.contains_key(&id)
    }

    pub fn upload_backlog(&self) -> &VecDeque<QueuedSnapshot> {
        &self.upload_backlog
    }

    pub fn ship_decisions(&self) -> &[Option<ShipDecision>] {
        &self.last_ship
    }

    /// Encoded and raw bytes of every chunk the store acknowledged so far.
    pub fn shipped_totals(&self) -> (u64, u64) {
        (self.shipped_encoded_total, self.shipped_raw_total)
    }

    pub fn cost_ewma_s(&self) -> Option<f64> {
        self.cost_ewma_s
    }

    fn stats_mut(&mut self, id: CheckpointId) -> Option<&mut CheckpointStats> {
        self.history.iter_mut().rev().find(|h| h.id == id)
    }

    /// Starts a checkpoint now if the concurrency limit allows it; the caller injects its
    /// barriers. Returns the new checkpoint's id.
    pub fn trigger(
        &mut self,
        now: u64,
        offset: u64,
        parallelism: u32,
        config: &CheckpointingConfig,
    ) -> Option<CheckpointId> {
        if self.pending.len() >= config.max_concurrent as usize {
            return None;
        }
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        let p = parallelism as usize;
        self.pending.insert(
            id,
            PendingCheckpoint {
                trigger_at: now,
                offset,
                codec: config.codec,
                incremental: config.incremental,
                captures: vec![Vec::new(); p],
                manifest: BTreeMap::new(),
                chunks_outstanding: vec![0; p],
                synced: vec![false; p],
                acknowledged: vec![false; p],
                taken: vec![None; p],
                pins: Vec::new(),
            },
        );
        self.last_trigger_at = Some(now);
        self.counts.triggered += 1;
        self.counts.in_progress += 1;
        self.history.push(CheckpointStats {
            id,
            status: CheckpointStatus::InProgress,
            trigger_time_us: now,
            offset,
            parallelism,
            codec: config.codec,
            incremental: config.incremental,
            acknowledged_subtasks: 0,
            latest_acknowledgement_us: None,
            end_to_end_duration_us: None,
            checkpointed_data_size: 0,
            full_checkpoint_size: 0,
            raw_data_size: 0,
            key_groups_shipped: 0,
            key_groups_skipped: 0,
            subtasks: (0..parallelism).map(SubtaskCheckpointStats::new).collect(),
        });
        Some(id)
    }

    /// The policy's current interval and its reasons; `None` while checkpointing is off.
    pub fn interval_decision(
        &self,
        config: &CheckpointingConfig,
        measured: &Measured,
    ) -> Option<IntervalDecision> {
        let fixed = config.interval_ms?;
        Some(decide_interval(&config.policy, fixed, measured))
    }

    /// When the next checkpoint is due (`None`: not scheduled).
    pub fn next_trigger_at(&self) -> Option<u64> {
        self.next_trigger.map(|(t, _)| t)
    }

    /// Whether the trigger armed with `token` is the live one (a re-arming replaces it).
    pub fn take_trigger(&mut self, token: u64) -> bool {
        if self.next_trigger.is_some_and(|(_, t)| t == token) {
            self.next_trigger = None;
            true
        } else {
            false
        }
    }

    /// A job restored from checkpoint `id` taken by another run numbers its own after it.
    pub fn continue_after(&mut self, id: CheckpointId) {
        self.next_checkpoint = self.next_checkpoint.max(id + 1);
    }

    pub fn disarm(&mut self) {
        self.next_trigger = None;
    }

    /// Recomputes when the next checkpoint is due from the policy's current interval:
    /// `interval` after the last trigger, and at least `min-pause` after the last
    /// checkpoint ended. Returns (time, token) for the caller to schedule, or `None` when
    /// nothing is due (the job is not running, the concurrency limit is reached — re-armed
    /// when a checkpoint ends — or checkpointing is off).
    pub fn rearm(
        &mut self,
        now: u64,
        running: bool,
        config: &CheckpointingConfig,
        decision: Option<&IntervalDecision>,
    ) -> Option<(u64, u64)> {
        self.next_trigger = None;
        if !running || self.pending.len() >= config.max_concurrent as usize {
            return None;
        }
        let decision = decision?;
        let mut at = match self.last_trigger_at {
            Some(last) => last + decision.interval_us,
            None => {
                let min_pause = (config.min_pause_ms * 1000).min(decision.interval_us);
                let span = (decision.interval_us - min_pause) as f64;
                self.checkpointing_since + min_pause + (self.initial_delay_fraction * span) as u64
            }
        };
        if let Some(end) = self.last_checkpoint_end_at {
            at = at.max(end + config.min_pause_ms * 1000);
        }
        self.trigger_token += 1;
        let armed = (at.max(now), self.trigger_token);
        self.next_trigger = Some(armed);
        Some(armed)
    }

    /// After a restore the periodic trigger starts counting again from `now`.
    pub fn restart_schedule(&mut self, now: u64) {
        self.checkpointing_since = now;
        self.scheduler_starts += 1;
        self.initial_delay_fraction = initial_delay_fraction(self.seed, self.scheduler_starts);
        self.last_trigger_at = None;
        self.last_checkpoint_end_at = None;
    }

    /// The barrier reached `subtask` at `at`: decide per key group whether to ship a new
    /// chunk or reference the one already stored, and take the copy-on-write snapshot (the
    /// sync phase, which keeps the subtask busy for `sync_us`).
    pub fn on_barrier(
        &mut self,
        keyed: Keyed<'_>,
        store: &mut Store,
        config: &CheckpointingConfig,
        sync_snapshot_mb_s: f64,
        barrier: Barrier,
    ) -> Option<BarrierTaken> {
        let Barrier {
            checkpoint: id,
            subtask,
            at,
        } = barrier;
        let pending = self.pending.get(&id)?; // none: the barrier of an aborted checkpoint
        let (offset, incremental, trigger_at) =
            (pending.offset, pending.incremental, pending.trigger_at);
        let policy: &PolicyConfig = &config.policy;
        let mut captures = Vec::new();
        let mut referenced = Vec::new();
        let range = keyed.partitioning.key_group_range(subtask);
        for kg in range.iter() {
            let t = &keyed.tracking[kg as usize];
            // The subtask's first key group carries the state-file header, the others do
            // not: a stored chunk is reused only if it has the header where it belongs now
            // (a rescale moves where ranges start). A chunk lost from the store cannot be
            // referenced either: ship again.
            let first = kg == range.start;
            let confirmed = t.confirmed.filter(|c| {
                store
                    .chunk(c.chunk)
                    .is_some_and(|stored| stored.with_header == first)
            });
            let decision = ShipDecision::decide(
                policy,
                incremental,
                id,
                KeyGroupFacts {
                    has_chunk: confirmed.is_some(),
                    dirty: t.dirty(),
                    changed_bytes: t.changed_bytes,
                    age_us: confirmed.map_or(u64::MAX, |c| at.saturating_sub(c.captured_at_us)),
                },
            );
            let reason = decision.reason;
            self.last_ship[kg as usize] = Some(decision);
            match confirmed {
                Some(c) if !reason.ships() => {
                    // Unchanged: valid at this checkpoint's offset. Left waiting: valid only
                    // at the offset it was captured at, which recovery replays from.
                    let valid_at = if t.dirty() { c.offset } else { offset };
                    referenced.push((
                        kg,
                        ManifestEntry {
                            chunk: Some(c.chunk),
                            version: c.version,
                            offset: valid_at,
                            captured_at_us: c.captured_at_us,
                            changed_bytes: 0,
                            changed_records: 0,
                        },
                    ));
                }
                _ => captures.push(Capture {
                    key_group: kg,
                    entry: ManifestEntry {
                        chunk: None,
                        version: t.version,
                        offset,
                        captured_at_us: at,
                        changed_bytes: t.changed_bytes,
                        changed_records: t.changed_records,
                    },
                    data: Captured::State(keyed.state[kg as usize].clone()),
                    raw_bytes: keyed.state[kg as usize].raw_bytes(),
                    with_header: first,
                }),
            }
        }
        // The sync phase copies the state's pages, not the header.
        let raw: u64 = captures.iter().map(|c| c.raw_bytes).sum();
        let sync_us = (raw as f64 / sync_snapshot_mb_s).ceil() as u64;
        let (shipped, skipped) = (captures.len() as u32, referenced.len() as u32);
        for (_, e) in &referenced {
            store.pin(e.chunk.expect("references name a stored chunk"));
        }
        let pending = self.pending.get_mut(&id).expect("checked");
        for (kg, e) in referenced {
            pending.pins.extend(e.chunk);
            pending.manifest.insert(kg, e);
        }
        pending.captures[subtask as usize] = captures;
        let start_delay_us = at.saturating_sub(trigger_at);
        let taken = BarrierTaken {
            start_delay_us,
            sync_us,
            shipped,
            referenced: skipped,
        };
        pending.taken[subtask as usize] = Some(taken);
        if let Some(stats) = self.stats_mut(id) {
            let st = &mut stats.subtasks[subtask as usize];
            st.start_delay_us = Some(start_delay_us);
            st.alignment_us = Some(0);
            st.sync_us = Some(sync_us);
            st.key_groups_shipped = shipped;
            st.key_groups_referenced = skipped;
            stats.key_groups_shipped += shipped;
            stats.key_groups_skipped += skipped;
        }
        Some(taken)
    }

    /// The sync phase is over: the captured key groups queue for the link (async phase).
    /// Returns what the subtask's barrier did, or `None` when the checkpoint is no longer
    /// running.
    pub fn on_sync_done(&mut self, id: CheckpointId, subtask: u32) -> Option<BarrierTaken> {
        let pending = self.pending.get_mut(&id)?;
        let captures = std::mem::take(&mut pending.captures[subtask as usize]);
        pending.synced[subtask as usize] = true;
        pending.chunks_outstanding[subtask as usize] = captures.len() as u32;
        for capture in captures {
            // The entry waits in the manifest for the store's ack to fill in its chunk id.
            pending.manifest.insert(capture.key_group, capture.entry);
            self.upload_backlog.push_back(QueuedSnapshot {
                checkpoint: id,
                subtask,
                capture,
            });
        }
        pending.taken[subtask as usize]
    }

    /// A record is about to write key group `kg` while something else shares its state:
    /// encodes now every capture of `kg` still holding that state, so that the write finds
    /// the state unshared and copies none of its pages. The chunk's bytes are those the
    /// upload would have encoded (the capture is immutable); only the moment the work is
    /// done moves. Without this, every page written during a checkpoint's upload existed
    /// twice (`cargo bench --bench memory`).
    pub fn encode_before_write(&mut self, kg: u32, workload: &Workload, layout: &HeapLayout) {
        let keys = workload.keys();
        let encode = |capture: &mut Capture, codec: Codec| {
            if let (true, Captured::State(state)) = (capture.key_group == kg, &capture.data) {
                let bytes = snapshot::encode(state, keys, layout, codec, capture.with_header);
                capture.data = Captured::Encoded(Arc::new(bytes));
            }
        };
        for p in self.pending.values_mut() {
            for capture in p.captures.iter_mut().flatten() {
                encode(capture, p.codec);
            }
        }
        for q in &mut self.upload_backlog {
            if let Some(p) = self.pending.get(&q.checkpoint) {
                encode(&mut q.capture, p.codec);
            }
        }
    }

    /// The next queued snapshot, serialised and encoded now that the link can take it.
    pub fn next_upload(
        &mut self,
        workload: &Workload,
        layout: &HeapLayout,
    ) -> Option<(Transfer, u64)> {
        let keys = workload.keys();
        while let Some(q) = self.upload_backlog.pop_front() {
            let Some(pending) = self.pending.get(&q.checkpoint) else {
                continue; // its checkpoint was aborted meanwhile
            };
            let codec = pending.codec;
            // Written straight through its compression: the raw snapshot is never held whole.
            let with_header = q.capture.with_header;
            let raw_len = q.capture.raw_bytes
                + if with_header {
                    layout.header_len() as u64
                } else {
                    0
                };
            let bytes = match q.capture.data {
                Captured::State(state) => {
                    Arc::new(snapshot::encode(&state, keys, layout, codec, with_header))
                }
                Captured::Encoded(bytes) => bytes,
            };
            if let Some(h) = self.stats_mut(q.checkpoint) {
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
                    with_header,
                    attempt: 0,
                },
                size,
            ));
        }
        None
    }

    /// The store took an uploaded chunk: it fills its manifest entry.
    #[allow(clippy::too_many_arguments)]
    pub fn on_chunk_stored(
        &mut self,
        store: &mut Store,
        checkpoint: CheckpointId,
        subtask: u32,
        key_group: u32,
        codec: Codec,
        raw_len: u64,
        bytes: Arc<Vec<u8>>,
        with_header: bool,
    ) -> Option<Acked> {
        let pending = self.pending.get_mut(&checkpoint)?;
        let encoded_bytes = bytes.len() as u64;
        let chunk = store.put(checkpoint, key_group, codec, raw_len, bytes, with_header);
        if let Some(e) = pending.manifest.get_mut(&key_group) {
            e.chunk = Some(chunk);
        }
        pending.chunks_outstanding[subtask as usize] -= 1;
        self.shipped_encoded_total += encoded_bytes;
        self.shipped_raw_total += raw_len;
        if let Some(stats) = self.stats_mut(checkpoint) {
            stats.checkpointed_data_size += encoded_bytes;
        }
        Some(Acked {
            chunk,
            encoded_bytes,
        })
    }

    /// A subtask acknowledges once its sync phase is over and every chunk it shipped is
    /// stored. Returns (this subtask acknowledged now, every subtask has).
    pub fn try_acknowledge(&mut self, id: CheckpointId, subtask: u32, now: u64) -> (bool, bool) {
        let Some(pending) = self.pending.get_mut(&id) else {
            return (false, false);
        };
        let s = subtask as usize;
        if !pending.synced[s] || pending.chunks_outstanding[s] > 0 || pending.acknowledged[s] {
            return (false, false);
        }
        pending.acknowledged[s] = true;
        let all = pending.acknowledged.iter().all(|a| *a);
        let sync_end_of = |st: &SubtaskCheckpointStats, trigger: u64| {
            trigger + st.start_delay_us.unwrap_or(0) + st.sync_us.unwrap_or(0)
        };
        let trigger = pending.trigger_at;
        if let Some(stats) = self.stats_mut(id) {
            let st = &mut stats.subtasks[s];
            st.async_us = Some(now.saturating_sub(sync_end_of(st, trigger)));
            st.acknowledged_at_us = Some(now);
            stats.acknowledged_subtasks += 1;
            stats.latest_acknowledgement_us = Some(now);
        }
        (true, all)
    }

    /// Every subtask acknowledged: the checkpoint completes. Its manifest goes to the store,
    /// each key group's chunk becomes the confirmed one, and older running checkpoints are
    /// subsumed (the caller fails them).
    pub fn complete(
        &mut self,
        id: CheckpointId,
        now: u64,
        parallelism: u32,
        tracking: &mut [KeyGroupTracking],
        store: &mut Store,
        num_retained: u32,
    ) -> Completion {
        let pending = self
            .pending
            .remove(&id)
            .expect("completing a running checkpoint");
        self.counts.in_progress -= 1;
        self.counts.completed += 1;
        self.consecutive_failures = 0;
        // Every entry is acknowledged by now: that is what completing means.
        let acknowledged = |e: &ManifestEntry| e.chunk.expect("all chunks acknowledged");
        for (kg, e) in &pending.manifest {
            let t = &mut tracking[*kg as usize];
            t.confirmed = Some(Confirmed {
                chunk: acknowledged(e),
                version: e.version,
                offset: e.offset,
                captured_at_us: e.captured_at_us,
            });
            t.changed_bytes = t.changed_bytes.saturating_sub(e.changed_bytes);
            t.changed_records = t.changed_records.saturating_sub(e.changed_records);
        }
        let completed = CompletedCheckpoint {
            id,
            offset: pending.offset,
            triggered_at_us: pending.trigger_at,
            completed_at_us: now,
            parallelism,
            manifest: pending
                .manifest
                .iter()
                .map(|(kg, e)| ChunkRef {
                    key_group: *kg,
                    chunk: acknowledged(e),
                    offset: e.offset,
                    captured_at_us: e.captured_at_us,
                })
                .collect(),
        };
        let full = store.full_size(&completed);
        let mut deleted = store.complete(completed, num_retained);
        deleted.extend(pending.pins.iter().filter(|c| store.unpin(**c)));
        let e2e = now - pending.trigger_at;
        self.cost_ewma_s = Some(match self.cost_ewma_s {
            Some(c) => 0.5 * c + 0.5 * e2e as f64 / 1e6,
            None => e2e as f64 / 1e6,
        });
        self.last_checkpoint_end_at = Some(now);
        let stats = self.stats_mut(id).expect("history row");
        stats.status = CheckpointStatus::Completed;
        stats.end_to_end_duration_us = Some(e2e);
        stats.full_checkpoint_size = full;
        let completion = Completion {
            duration_us: e2e,
            shipped: stats.key_groups_shipped,
            referenced: stats.key_groups_skipped,
            uploaded_bytes: stats.checkpointed_data_size,
            raw_bytes: stats.raw_data_size,
            full_bytes: full,
            deleted,
            subsumed: self.pending.keys().copied().filter(|p| *p < id).collect(),
        };
        completion
    }

    /// Removes a running checkpoint, releasing its pins and deleting what it uploaded.
    /// `None` when it is not running.
    pub fn fail(
        &mut self,
        id: CheckpointId,
        failure: CheckpointFailure,
        now: u64,
        store: &mut Store,
        tolerable: u32,
    ) -> Option<Aborted> {
        let pending = self.pending.remove(&id)?;
        self.counts.in_progress -= 1;
        self.counts.failed += 1;
        let mut gone = store.discard(id).len();
        gone += pending.pins.iter().filter(|c| store.unpin(**c)).count();
        let counts = failure.counts_against_tolerance();
        if let Some(stats) = self.stats_mut(id) {
            stats.status = CheckpointStatus::Failed(failure);
        }
        self.last_checkpoint_end_at = Some(now);
        let mut tolerance_exceeded = false;
        if counts {
            self.consecutive_failures += 1;
            if self.consecutive_failures > tolerable {
                self.consecutive_failures = 0;
                tolerance_exceeded = true;
            }
        }
        Some(Aborted {
            discarded_chunks: gone as u32,
            tolerance_exceeded,
        })
    }

    /// Running checkpoints, oldest first.
    pub fn running(&self) -> Vec<CheckpointId> {
        self.pending.keys().copied().collect()
    }

    /// The job failed: nothing queued for the link survives.
    pub fn clear_backlog(&mut self) {
        self.upload_backlog.clear();
    }
}

/// The fraction of `[min-pause, interval]` the scheduler's `start`-th first checkpoint waits.
fn initial_delay_fraction(seed: u64, start: u64) -> f64 {
    use crate::engine::rng::{draw, unit, Stream};
    unit(draw(seed, Stream::Schedule, start))
}
