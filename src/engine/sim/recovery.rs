//! Failure, restore (with checksum fallback), rescaling and the exactly-once check.

use super::*;

impl Simulation {
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
        if parallelism > crate::engine::config::MAX_PARALLELISM_IN_LAB {
            return Err(format!(
                "parallelism must be at most {}",
                crate::engine::config::MAX_PARALLELISM_IN_LAB
            ));
        }
        self.pending_partitioning = Some(new);
        // The config says what the job runs with, so a later settings change keeps it.
        self.config.job.parallelism = parallelism;
        self.fail_job(format!(
            "rescale from parallelism {} to {parallelism}: restart from the latest checkpoint",
            self.partitioning.parallelism()
        ));
        Ok(())
    }

    pub(super) fn fail_job(&mut self, reason: String) {
        self.epoch += 1;
        let ids: Vec<CheckpointId> = self.pending.keys().copied().collect();
        for id in ids {
            if let Some(discarded) = self.abort_pending(id, "job failed while it was in progress") {
                self.note(
                    EventCategory::Checkpoint,
                    format!(
                        "checkpoint {id} aborted: the job failed; {discarded} chunks discarded"
                    ),
                );
            }
        }
        self.upload.clear();
        self.upload_backlog.clear();
        self.download.clear();
        self.retries.clear();
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

    pub(super) fn begin_restore(&mut self) {
        if let Some(p) = self.pending_partitioning.take() {
            self.partitioning = p;
        }
        self.subtasks = (0..self.partitioning.parallelism())
            .map(|_| Subtask::new())
            .collect();
        let checkpoint = self.store.latest().cloned();
        self.start_restore_from(checkpoint);
    }

    pub(super) fn start_restore_from(&mut self, checkpoint: Option<CompletedCheckpoint>) {
        let restore_id = self.epoch;
        let total = checkpoint.as_ref().map_or(0, |c| c.manifest.len() as u32);
        if let Some(r) = self.recoveries.last_mut() {
            r.checkpoint = checkpoint.as_ref().map(|c| c.id);
            r.restore_offset = checkpoint.as_ref().map_or(0, replay_offset);
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
                            attempt: 0,
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

    pub(super) fn on_download_arrived(&mut self, transfer: Transfer, size: u64) {
        let Transfer::Download {
            restore,
            key_group,
            chunk,
            attempt,
        } = transfer
        else {
            return;
        };
        if self.restore.as_ref().is_none_or(|r| r.id != restore) {
            return;
        }
        if self.now < self.store_down_until {
            // The read was refused: try again like a lost transfer.
            self.retry_or_give_up(
                Transfer::Download {
                    restore,
                    key_group,
                    chunk,
                    attempt,
                },
                "the checkpoint store refused the read",
            );
            return;
        }
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
    pub(super) fn fall_back(&mut self, why: String) {
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

    pub(super) fn finish_restore(&mut self) {
        let Some(r) = self.restore.take() else { return };
        let keys = self.workload.keys().clone();
        for (kg, decoded) in r.decoded.into_iter().enumerate() {
            self.state[kg] =
                decoded.unwrap_or_else(|| Arc::new(KeyGroupState::empty(kg as u32, &keys)));
        }
        let offset = r.checkpoint.as_ref().map_or(0, replay_offset);
        self.skip_below.iter_mut().for_each(|s| *s = 0);
        for t in self.tracking.iter_mut() {
            *t = KeyGroupTracking::default();
        }
        if let Some(c) = &r.checkpoint {
            for m in &c.manifest {
                // Records below a key group's own offset are already in its chunk.
                self.skip_below[m.key_group as usize] = m.offset;
                self.tracking[m.key_group as usize].confirmed = Some(Confirmed {
                    chunk: m.chunk,
                    version: 0,
                    offset: m.offset,
                    captured_at_us: m.captured_at_us,
                });
            }
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
        self.checkpointing_since = self.now;
        self.last_trigger_at = None;
        self.last_checkpoint_end_at = None;
        self.rearm_trigger();
    }

    /// After a recovery: once the job has replayed past the failure point and drained its
    /// channels, compare every key group with the oracle.
    pub(super) fn check_caught_up(&mut self) {
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

/// Where replay starts for a checkpoint: its oldest key group's offset (the checkpoint's
/// own offset unless the adaptive policy left some key groups waiting).
pub(crate) fn replay_offset(c: &CompletedCheckpoint) -> u64 {
    c.manifest
        .iter()
        .map(|m| m.offset)
        .min()
        .unwrap_or(c.offset)
        .min(c.offset)
}
