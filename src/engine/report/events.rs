//! The event log: what happened, when, as typed data. Each [`Event`] names the ids it
//! concerns (checkpoint, subtask, key group, chunk) so a lesson, a timeline or a test can
//! anchor on it; its words come from `Display`.
//!
//! Moments inside a checkpoint or a restore (a barrier reaching a subtask, a subtask's
//! snapshot, each chunk acknowledged or restored) are *detail* events: there is one per
//! subtask or key group, so they live in a bounded log of their own and never push the
//! run's main history (triggers, completions, failures, recoveries) out of its bound.

use crate::engine::faults::{Fault, FaultError};
use crate::engine::report::blocks::BlockLog;
use crate::engine::report::format;
use crate::engine::report::stats::{
    CheckpointFailure, Direction, ExactlyOnceReport, FailureCause, Fallback, LossCause,
};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::store::{CheckpointId, ChunkId};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    Checkpoint,
    Store,
    Fault,
    Recovery,
    Check,
    Policy,
}

/// Something that happened in the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    JobStarted {
        parallelism: u32,
        key_groups: u32,
        codec: Codec,
        incremental: bool,
    },
    /// The coordinator injected barriers into every channel.
    CheckpointTriggered {
        checkpoint: CheckpointId,
        offset: u64,
    },
    /// Detail: the barrier reached a subtask, which takes its synchronous snapshot now.
    BarrierReached {
        checkpoint: CheckpointId,
        subtask: u32,
        start_delay_us: u64,
    },
    /// Detail: a subtask's synchronous phase ended; its captured key groups queue for the
    /// link (the asynchronous phase).
    SnapshotTaken {
        checkpoint: CheckpointId,
        subtask: u32,
        shipped: u32,
        referenced: u32,
        sync_us: u64,
    },
    /// Detail: the store acknowledged one chunk.
    ChunkAcknowledged {
        checkpoint: CheckpointId,
        subtask: u32,
        key_group: u32,
        chunk: ChunkId,
        encoded_bytes: u64,
    },
    /// Detail: every chunk of a subtask is acknowledged.
    SubtaskAcknowledged {
        checkpoint: CheckpointId,
        subtask: u32,
    },
    CheckpointCompleted {
        checkpoint: CheckpointId,
        duration_us: u64,
        shipped: u32,
        referenced: u32,
        uploaded_bytes: u64,
        raw_bytes: u64,
        full_bytes: u64,
    },
    CheckpointFailed {
        checkpoint: CheckpointId,
        failure: CheckpointFailure,
        discarded_chunks: u32,
    },
    /// Chunks no retained checkpoint references any more.
    ChunksDeleted {
        chunks: Vec<ChunkId>,
    },
    SettingsChanged {
        sections: Vec<&'static str>,
    },
    FaultInjected {
        fault: Fault,
    },
    /// A fault could not apply when its time came; nothing changed.
    FaultNotApplied {
        fault: Fault,
        error: FaultError,
    },
    LatencyRestored {
        latency_ms: f64,
    },
    /// A link outage ended.
    LinkRestored,
    /// The store accepts reads and writes again.
    StoreAvailable,
    TransferRetry {
        direction: Direction,
        key_group: u32,
        cause: LossCause,
        attempt: u32,
        backoff_us: u64,
    },
    JobFailed {
        cause: FailureCause,
        restart_delay_ms: u64,
    },
    /// `checkpoint` is `None` when no completed checkpoint exists: empty state, offset 0.
    RestoreStarted {
        checkpoint: Option<CheckpointId>,
        offset: u64,
        parallelism: u32,
        chunks: u32,
    },
    /// Detail: one chunk of the restore downloaded, decoded and verified.
    ChunkRestored {
        key_group: u32,
        chunk: ChunkId,
        encoded_bytes: u64,
    },
    RestoreFellBack(Fallback),
    /// State restored; the source rewound to `offset` and replay begins.
    RestoreDone {
        offset: u64,
    },
    /// Replayed past the failure point with empty channels; the exactly-once check ran.
    CaughtUp {
        recovery_us: u64,
        report: Option<ExactlyOnceReport>,
    },
    ChunkCorrupted {
        chunk: ChunkId,
        bit: u64,
    },
    ChunkLost {
        chunk: ChunkId,
    },
}

impl Event {
    pub fn category(&self) -> EventCategory {
        use Event::*;
        match self {
            JobStarted { .. }
            | CheckpointTriggered { .. }
            | BarrierReached { .. }
            | SnapshotTaken { .. }
            | SubtaskAcknowledged { .. }
            | CheckpointCompleted { .. }
            | CheckpointFailed { .. } => EventCategory::Checkpoint,
            ChunkAcknowledged { .. } | ChunksDeleted { .. } => EventCategory::Store,
            FaultInjected { .. }
            | FaultNotApplied { .. }
            | LatencyRestored { .. }
            | LinkRestored
            | StoreAvailable
            | TransferRetry { .. }
            | JobFailed { .. }
            | ChunkCorrupted { .. }
            | ChunkLost { .. } => EventCategory::Fault,
            RestoreStarted { .. }
            | ChunkRestored { .. }
            | RestoreFellBack(_)
            | RestoreDone { .. } => EventCategory::Recovery,
            CaughtUp { .. } => EventCategory::Check,
            SettingsChanged { .. } => EventCategory::Policy,
        }
    }

    /// One per subtask or key group: the fine steps inside a checkpoint or a restore.
    pub fn is_detail(&self) -> bool {
        matches!(
            self,
            Event::BarrierReached { .. }
                | Event::SnapshotTaken { .. }
                | Event::ChunkAcknowledged { .. }
                | Event::SubtaskAcknowledged { .. }
                | Event::ChunkRestored { .. }
        )
    }

    /// The checkpoint this event is about, if any.
    pub fn checkpoint(&self) -> Option<CheckpointId> {
        use Event::*;
        match self {
            CheckpointTriggered { checkpoint, .. }
            | BarrierReached { checkpoint, .. }
            | SnapshotTaken { checkpoint, .. }
            | ChunkAcknowledged { checkpoint, .. }
            | SubtaskAcknowledged { checkpoint, .. }
            | CheckpointCompleted { checkpoint, .. }
            | CheckpointFailed { checkpoint, .. } => Some(*checkpoint),
            RestoreStarted { checkpoint, .. } => *checkpoint,
            RestoreFellBack(f) => Some(f.from),
            _ => None,
        }
    }

    /// The subtask this event is about, if any.
    pub fn subtask(&self) -> Option<u32> {
        use Event::*;
        match self {
            BarrierReached { subtask, .. }
            | SnapshotTaken { subtask, .. }
            | ChunkAcknowledged { subtask, .. }
            | SubtaskAcknowledged { subtask, .. } => Some(*subtask),
            JobFailed {
                cause: FailureCause::SubtaskFailed { subtask },
                ..
            } => Some(*subtask),
            _ => None,
        }
    }

    /// The key group this event is about, if any.
    pub fn key_group(&self) -> Option<u32> {
        use Event::*;
        match self {
            ChunkAcknowledged { key_group, .. }
            | ChunkRestored { key_group, .. }
            | TransferRetry { key_group, .. } => Some(*key_group),
            RestoreFellBack(f) => Some(f.key_group),
            CheckpointFailed {
                failure:
                    CheckpointFailure::StoreUnavailable { key_group }
                    | CheckpointFailure::UploadFailed(crate::engine::report::stats::TransferFailure {
                        key_group,
                        ..
                    }),
                ..
            } => Some(*key_group),
            _ => None,
        }
    }

    /// The chunk this event is about, if any.
    pub fn chunk(&self) -> Option<ChunkId> {
        use Event::*;
        match self {
            ChunkAcknowledged { chunk, .. }
            | ChunkRestored { chunk, .. }
            | ChunkCorrupted { chunk, .. }
            | ChunkLost { chunk } => Some(*chunk),
            RestoreFellBack(f) => Some(f.chunk),
            _ => None,
        }
    }
}

fn on_off(incremental: bool) -> &'static str {
    if incremental {
        "incremental"
    } else {
        "full"
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Event::*;
        match self {
            JobStarted {
                parallelism,
                key_groups,
                codec,
                incremental,
            } => write!(
                f,
                "job started: parallelism {parallelism}, {key_groups} key groups, codec {codec}, {} checkpoints",
                on_off(*incremental)
            ),
            CheckpointTriggered { checkpoint, offset } => write!(
                f,
                "checkpoint {checkpoint} triggered: barrier injected at source offset {offset}"
            ),
            BarrierReached {
                checkpoint,
                subtask,
                start_delay_us,
            } => write!(
                f,
                "barrier of checkpoint {checkpoint} reached subtask {subtask} after {}: synchronous snapshot",
                format::duration_us(*start_delay_us)
            ),
            SnapshotTaken {
                checkpoint,
                subtask,
                shipped,
                referenced,
                sync_us,
            } => write!(
                f,
                "subtask {subtask} took its snapshot for checkpoint {checkpoint} in {}: {shipped} key groups to upload, {referenced} referenced",
                format::duration_us(*sync_us)
            ),
            ChunkAcknowledged {
                checkpoint,
                key_group,
                chunk,
                encoded_bytes,
                ..
            } => write!(
                f,
                "store acknowledged chunk {chunk} (key group {key_group}, {}) of checkpoint {checkpoint}",
                format::bytes(*encoded_bytes)
            ),
            SubtaskAcknowledged {
                checkpoint,
                subtask,
            } => write!(
                f,
                "subtask {subtask} acknowledged checkpoint {checkpoint}: all its chunks are stored"
            ),
            CheckpointCompleted {
                checkpoint,
                duration_us,
                shipped,
                referenced,
                uploaded_bytes,
                raw_bytes,
                full_bytes,
            } => write!(
                f,
                "checkpoint {checkpoint} completed in {}: {shipped} key groups shipped, {referenced} referenced, {} uploaded ({} raw), full size {}",
                format::duration_us(*duration_us),
                format::bytes(*uploaded_bytes),
                format::bytes(*raw_bytes),
                format::bytes(*full_bytes)
            ),
            CheckpointFailed {
                checkpoint,
                failure: CheckpointFailure::JobFailed,
                discarded_chunks,
            } => write!(
                f,
                "checkpoint {checkpoint} aborted: the job failed; {discarded_chunks} chunks discarded"
            ),
            CheckpointFailed {
                checkpoint,
                failure,
                discarded_chunks,
            } => write!(
                f,
                "checkpoint {checkpoint} failed: {failure}; {discarded_chunks} chunks discarded"
            ),
            ChunksDeleted { chunks } => write!(
                f,
                "{} chunks deleted: no retained checkpoint references them",
                chunks.len()
            ),
            SettingsChanged { sections } => {
                write!(f, "settings changed live: {}", sections.join(", "))
            }
            FaultInjected { fault } => write!(f, "{fault}"),
            FaultNotApplied { fault, error } => {
                write!(f, "scheduled fault not applied ({fault}): {error}")
            }
            LatencyRestored { latency_ms } => write!(f, "latency back to {latency_ms} ms"),
            LinkRestored => write!(f, "link outage over: transfers resume"),
            StoreAvailable => write!(f, "checkpoint store available again"),
            TransferRetry {
                key_group,
                cause,
                attempt,
                backoff_us,
                ..
            } => write!(
                f,
                "transfer of key group {key_group} {cause}; retry {attempt} in {}",
                format::duration_us(*backoff_us)
            ),
            JobFailed {
                cause,
                restart_delay_ms,
            } => write!(
                f,
                "job failed: {cause}; state lost, restart in {restart_delay_ms} ms"
            ),
            RestoreStarted {
                checkpoint: Some(c),
                offset,
                parallelism,
                chunks,
            } => write!(
                f,
                "restoring checkpoint {c} (offset {offset}) with parallelism {parallelism}: downloading {chunks} chunks"
            ),
            RestoreStarted {
                checkpoint: None, ..
            } => write!(
                f,
                "no completed checkpoint: starting from empty state at offset 0"
            ),
            ChunkRestored {
                key_group,
                chunk,
                encoded_bytes,
            } => write!(
                f,
                "restored chunk {chunk} of key group {key_group} ({}): decoded and verified",
                format::bytes(*encoded_bytes)
            ),
            RestoreFellBack(fallback) => write!(f, "{fallback}"),
            RestoreDone { offset } => write!(
                f,
                "restore done: source rewound to offset {offset}, replaying"
            ),
            CaughtUp {
                recovery_us,
                report: Some(r),
            } if r.ok() => write!(
                f,
                "caught up {} after the failure; exactly-once: state equals the no-failure run at offset {}",
                format::duration_us(*recovery_us),
                format::count(r.offset)
            ),
            CaughtUp {
                report: Some(r), ..
            } => write!(
                f,
                "caught up; exactly-once VIOLATED at offset {}: key groups {:?} differ from the no-failure run",
                r.offset, r.differing_key_groups
            ),
            CaughtUp { report: None, .. } => write!(f, "caught up"),
            ChunkCorrupted { chunk, bit } => {
                write!(f, "chunk {chunk} corrupted in the store (bit {bit} flipped)")
            }
            ChunkLost { chunk } => write!(f, "chunk {chunk} lost from the store"),
        }
    }
}

/// One logged event. `seq` numbers every event ever logged, main and detail alike.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub at_us: u64,
    pub category: EventCategory,
    pub event: Event,
}

impl fmt::Display for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.event.fmt(f)
    }
}

/// The event log of a run: the most recent 64k main events and 16k detail events.
#[derive(Clone, Debug)]
pub struct EventLog {
    main: BlockLog<LogEntry>,
    detail: BlockLog<LogEntry>,
    next_seq: u64,
    main_logged: u64,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            main: BlockLog::with_max_blocks(256),
            detail: BlockLog::with_max_blocks(64),
            next_seq: 0,
            main_logged: 0,
        }
    }
}

impl EventLog {
    pub fn push(&mut self, at_us: u64, event: Event) {
        let entry = LogEntry {
            seq: self.next_seq,
            at_us,
            category: event.category(),
            event,
        };
        self.next_seq += 1;
        if entry.event.is_detail() {
            self.detail.push(entry);
        } else {
            self.main_logged += 1;
            self.main.push(entry);
        }
    }

    /// Main events ever logged, including any dropped for the bound: it grows by one per
    /// main event, which is what "step to the next event" watches.
    pub fn len(&self) -> usize {
        self.main_logged as usize
    }

    pub fn is_empty(&self) -> bool {
        self.main_logged == 0
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Main events still held, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.main.iter()
    }

    /// Detail events still held, oldest first.
    pub fn detail(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.detail.iter()
    }

    /// Main events at or after `t_us`.
    pub fn since(&self, t_us: u64) -> impl Iterator<Item = &LogEntry> {
        self.iter().filter(move |e| e.at_us >= t_us)
    }

    /// Every event held (main and detail) with `seq >= from`, in order. Cheap when `from`
    /// is recent: it walks each log back from its end.
    pub fn since_seq(&self, from: u64) -> Vec<&LogEntry> {
        let mut out: Vec<&LogEntry> = self
            .main
            .iter()
            .rev()
            .take_while(|e| e.seq >= from)
            .chain(self.detail.iter().rev().take_while(|e| e.seq >= from))
            .collect();
        out.sort_by_key(|e| e.seq);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_events_are_kept_apart_and_sequence_numbers_interleave() {
        let mut log = EventLog::default();
        log.push(
            0,
            Event::CheckpointTriggered {
                checkpoint: 1,
                offset: 10,
            },
        );
        log.push(
            5,
            Event::BarrierReached {
                checkpoint: 1,
                subtask: 0,
                start_delay_us: 5,
            },
        );
        log.push(9, Event::LinkRestored);
        assert_eq!(log.len(), 2);
        assert_eq!(log.next_seq(), 3);
        assert_eq!(log.iter().count(), 2);
        assert_eq!(log.detail().count(), 1);
        let seqs: Vec<u64> = log.since_seq(1).iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 2]);
        assert_eq!(log.since_seq(0)[1].event.subtask(), Some(0));
    }

    #[test]
    fn words_come_from_display() {
        let e = Event::CheckpointFailed {
            checkpoint: 3,
            failure: CheckpointFailure::Expired { timeout_ms: 100 },
            discarded_chunks: 2,
        };
        assert_eq!(e.category(), EventCategory::Checkpoint);
        assert_eq!(e.checkpoint(), Some(3));
        assert!(e
            .to_string()
            .starts_with("checkpoint 3 failed: checkpoint expired"));
    }
}
