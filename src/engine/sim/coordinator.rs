//! The checkpoint coordinator: when to trigger (by policy), barriers, which key groups a
//! snapshot ships, the sync and async phases, acknowledgements, completion and failure.

use super::*;
use crate::engine::transfer::policy::{
    decide_interval, decide_ship, IntervalDecision, KeyGroupFacts, Measured,
};

impl Simulation {
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
                pins: Vec::new(),
            },
        );
        self.last_trigger_at = Some(self.now);
        self.counts.triggered += 1;
        self.counts.in_progress += 1;
        self.history.push(CheckpointStats {
            id,
            status: CheckpointStatus::InProgress,
            trigger_time_us: self.now,
            offset: self.next_offset,
            parallelism: p as u32,
            codec: self.config.checkpointing.codec,
            incremental: self.config.checkpointing.incremental,
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
        self.rearm_trigger();
        true
    }

    /// What the interval rules read right now.
    pub fn measured(&self) -> Measured {
        let (change_bytes_per_s, changed_keys_per_s) = self.change_rate();
        let state_bytes: u64 = self.state.iter().map(|s| s.raw_bytes()).sum();
        let bytes_per_s = self.config.link.bandwidth_mbit_s * 1e6 / 8.0;
        Measured {
            change_bytes_per_s,
            changed_keys_per_s,
            checkpoint_cost_s: self.cost_ewma_s,
            estimated_cost_s: state_bytes as f64 / bytes_per_s + self.config.link.latency_ms / 1e3,
        }
    }

    /// The policy's current interval and its reasons; `None` while checkpointing is off.
    pub fn interval_decision(&self) -> Option<IntervalDecision> {
        let fixed = self.config.checkpointing.interval_ms?;
        Some(decide_interval(
            &self.config.checkpointing.policy,
            fixed,
            &self.measured(),
        ))
    }

    /// When the next checkpoint is due (`None`: not scheduled, e.g. one is still running
    /// at the concurrency limit, the job is restoring, or checkpointing is off).
    pub fn next_trigger_at_us(&self) -> Option<u64> {
        self.next_trigger_at
    }

    pub(super) fn try_trigger(&mut self) -> bool {
        self.next_trigger_at = None;
        if !self.trigger_checkpoint() {
            self.rearm_trigger();
            return false;
        }
        true
    }

    /// Recomputes when the next checkpoint is due from the policy's current interval:
    /// `interval` after the last trigger, and at least `min-pause` after the last
    /// checkpoint ended.
    pub(super) fn rearm_trigger(&mut self) {
        self.next_trigger_at = None;
        if self.status != JobStatus::Running
            || self.pending.len() >= self.config.checkpointing.max_concurrent as usize
        {
            return; // re-armed when the restore or a running checkpoint ends
        }
        let Some(decision) = self.interval_decision() else {
            return;
        };
        let base = self.last_trigger_at.unwrap_or(self.checkpointing_since);
        let mut at = base + decision.interval_us;
        if let Some(end) = self.last_checkpoint_end_at {
            at = at.max(end + self.config.checkpointing.min_pause_ms * 1000);
        }
        self.next_trigger_at = Some(at.max(self.now));
    }

    /// What running checkpoints hold in the store so far, for the view.
    pub(crate) fn in_progress_chunks(
        &self,
    ) -> Vec<crate::engine::report::view::InProgressCheckpointView> {
        self.pending
            .iter()
            .map(
                |(id, p)| crate::engine::report::view::InProgressCheckpointView {
                    id: *id,
                    chunks: p
                        .manifest
                        .iter()
                        .filter_map(|(kg, e)| {
                            let c = self.store.chunk(e.chunk?)?;
                            Some(crate::engine::report::view::StoredChunkView {
                                key_group: *kg,
                                chunk: c.id,
                                shared_from: (c.checkpoint != *id).then_some(c.checkpoint),
                                encoded_bytes: c.bytes.len() as u64,
                                raw_bytes: c.raw_len,
                                codec: c.codec,
                                present: true,
                            })
                        })
                        .collect(),
                },
            )
            .collect()
    }

    pub(super) fn stats_mut(&mut self, id: CheckpointId) -> Option<&mut CheckpointStats> {
        self.history.iter_mut().rev().find(|h| h.id == id)
    }

    /// The barrier reached `subtask`: decide per key group whether to ship a new chunk or
    /// reference the one already stored, and take the copy-on-write snapshot (sync phase).
    pub(super) fn on_barrier(&mut self, subtask: u32, id: CheckpointId, at: u64) {
        let Some(offset) = self
            .history
            .iter()
            .rev()
            .find(|h| h.id == id)
            .map(|h| h.offset)
        else {
            return;
        };
        if !self.pending.contains_key(&id) {
            return; // barrier of an aborted checkpoint
        }
        let policy = self.config.checkpointing.policy.clone();
        let incremental = self.config.checkpointing.incremental;
        let mut captures = Vec::new();
        let mut referenced = Vec::new();
        for kg in self.partitioning.key_group_range(subtask).iter() {
            let t = &self.tracking[kg as usize];
            // A chunk lost from the store cannot be referenced: ship again.
            let confirmed = t.confirmed.filter(|c| self.store.chunk(c.chunk).is_some());
            let reason = decide_ship(
                &policy,
                incremental,
                KeyGroupFacts {
                    has_chunk: confirmed.is_some(),
                    dirty: t.dirty(),
                    changed_bytes: t.changed_bytes,
                    age_us: confirmed.map_or(u64::MAX, |c| at.saturating_sub(c.captured_at_us)),
                },
            );
            self.last_ship[kg as usize] = Some(reason);
            let entry = ManifestEntry {
                chunk: None,
                version: t.version,
                offset,
                captured_at_us: at,
                changed_bytes: t.changed_bytes,
                changed_records: t.changed_records,
            };
            match confirmed {
                Some(c) if !reason.ships() => {
                    // Unchanged: valid at this checkpoint's offset. Left waiting: valid only
                    // at the offset it was captured at, which recovery replays from.
                    let (valid_at, captured) = if t.dirty() {
                        (c.offset, c.captured_at_us)
                    } else {
                        (offset, c.captured_at_us)
                    };
                    referenced.push((
                        kg,
                        ManifestEntry {
                            chunk: Some(c.chunk),
                            version: c.version,
                            offset: valid_at,
                            captured_at_us: captured,
                            changed_bytes: 0,
                            changed_records: 0,
                        },
                    ));
                }
                _ => captures.push(Capture {
                    key_group: kg,
                    entry,
                    state: self.state[kg as usize].clone(),
                }),
            }
        }
        let raw: u64 = captures.iter().map(|c| c.state.raw_bytes()).sum();
        let sync_us = (raw as f64 / self.config.costs.sync_snapshot_mb_s).ceil() as u64;
        let (shipped, skipped) = (captures.len() as u32, referenced.len() as u32);
        for (_, e) in &referenced {
            self.store
                .pin(e.chunk.expect("references name a stored chunk"));
        }
        let pending = self.pending.get_mut(&id).expect("checked");
        for (kg, e) in referenced {
            pending.pins.extend(e.chunk);
            pending.manifest.insert(kg, e);
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

    /// Sync phase over: the captured key groups queue for the link (async phase), where each
    /// is serialised and encoded when the link can take it.
    pub(super) fn on_sync_done(&mut self, id: CheckpointId, subtask: u32) {
        let Some(pending) = self.pending.get_mut(&id) else {
            return;
        };
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
        self.maybe_acknowledge(id, subtask);
    }

    pub(super) fn on_upload_arrived(&mut self, transfer: Transfer, size: u64) {
        let Transfer::Upload {
            checkpoint,
            subtask,
            key_group,
            codec,
            raw_len,
            bytes,
            ..
        } = transfer
        else {
            return;
        };
        if !self.pending.contains_key(&checkpoint) {
            return;
        }
        if self.now < self.store_down_until {
            self.fail_checkpoint(
                checkpoint,
                format!(
                    "checkpoint store unavailable: the upload of key group {key_group} was refused"
                ),
                true,
            );
            return;
        }
        let chunk = self.store.put(checkpoint, key_group, codec, raw_len, bytes);
        let pending = self.pending.get_mut(&checkpoint).expect("checked");
        if let Some(e) = pending.manifest.get_mut(&key_group) {
            e.chunk = Some(chunk);
        }
        pending.chunks_outstanding[subtask as usize] -= 1;
        self.shipped_encoded_total += size;
        self.shipped_raw_total += raw_len;
        if let Some(stats) = self.stats_mut(checkpoint) {
            stats.checkpointed_data_size += size;
        }
        self.maybe_acknowledge(checkpoint, subtask);
    }

    pub(super) fn maybe_acknowledge(&mut self, id: CheckpointId, subtask: u32) {
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

    pub(super) fn complete_checkpoint(&mut self, id: CheckpointId) {
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
        // Every entry is acknowledged by now: that is what completing means.
        let acknowledged = |e: &ManifestEntry| e.chunk.expect("all chunks acknowledged");
        for (kg, e) in &pending.manifest {
            let t = &mut self.tracking[*kg as usize];
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
            offset,
            triggered_at_us: trigger,
            completed_at_us: self.now,
            parallelism: self.partitioning.parallelism(),
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
        let full = self.store.full_size(&completed);
        let mut deleted = self
            .store
            .complete(completed, self.config.checkpointing.num_retained);
        deleted.extend(pending.pins.iter().filter(|c| self.store.unpin(**c)));
        let now = self.now;
        let e2e = now - trigger;
        self.cost_ewma_s = Some(match self.cost_ewma_s {
            Some(c) => 0.5 * c + 0.5 * e2e as f64 / 1e6,
            None => e2e as f64 / 1e6,
        });
        self.last_checkpoint_end_at = Some(now);
        if let Some(stats) = self.stats_mut(id) {
            stats.status = CheckpointStatus::Completed;
            stats.end_to_end_duration_us = Some(e2e);
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
                e2e as f64 / 1000.0,
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

    /// Removes a running checkpoint, releasing its pins and deleting what it uploaded.
    /// Returns how many chunks went.
    pub(super) fn abort_pending(&mut self, id: CheckpointId, reason: &str) -> Option<usize> {
        let pending = self.pending.remove(&id)?;
        self.counts.in_progress -= 1;
        self.counts.failed += 1;
        let mut gone = self.store.discard(id).len();
        gone += pending
            .pins
            .iter()
            .filter(|c| self.store.unpin(**c))
            .count();
        if let Some(stats) = self.stats_mut(id) {
            stats.status = CheckpointStatus::Failed(reason.to_string());
        }
        self.last_checkpoint_end_at = Some(self.now);
        Some(gone)
    }

    pub(super) fn fail_checkpoint(
        &mut self,
        id: CheckpointId,
        reason: String,
        counts_against_tolerance: bool,
    ) {
        let Some(discarded) = self.abort_pending(id, &reason) else {
            return;
        };
        self.note(
            EventCategory::Checkpoint,
            format!("checkpoint {id} failed: {reason}; {discarded} chunks discarded"),
        );
        if counts_against_tolerance {
            self.consecutive_failures += 1;
            if self.consecutive_failures > self.config.checkpointing.tolerable_failed {
                self.consecutive_failures = 0;
                self.fail_job(format!(
                    "exceeded checkpoint tolerable failure threshold ({} tolerable)",
                    self.config.checkpointing.tolerable_failed
                ));
                return;
            }
        }
        self.rearm_trigger();
    }
}
