//! The checkpoint coordinator: triggers, barriers, the sync and async phases, acks,
//! completion and failure of checkpoints.

use super::*;

impl Simulation {
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

    pub(super) fn try_trigger(&mut self) -> bool {
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

    pub(super) fn rearm_trigger(&mut self) {
        if let Some(interval_ms) = self.config.checkpointing.interval_ms {
            let min_pause = self.config.checkpointing.min_pause_ms * 1000;
            let last_trigger = self.history.last().map_or(0, |h| h.trigger_time_us);
            let at = (last_trigger + interval_ms * 1000).max(self.now + min_pause);
            self.next_trigger_at = Some(self.next_trigger_at.map_or(at, |t| t.max(at)));
        }
    }

    pub(super) fn stats_mut(&mut self, id: CheckpointId) -> Option<&mut CheckpointStats> {
        self.history.iter_mut().rev().find(|h| h.id == id)
    }

    pub(super) fn on_barrier(&mut self, subtask: u32, id: CheckpointId, at: u64) {
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

    pub(super) fn on_sync_done(&mut self, id: CheckpointId, subtask: u32) {
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

    pub(super) fn on_upload_arrived(&mut self, transfer: Transfer, size: u64) {
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

    pub(super) fn fail_checkpoint(
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
}
