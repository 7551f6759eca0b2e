//! What "step" stops at: the kinds of moment a person can step through one at a time,
//! each a predicate over the engine's typed events.
//!
//! "Next event" alone jumps from a checkpoint's trigger to its completion, and a restore
//! from its first chunk to the replay. The finer kinds stop at each barrier arrival, each
//! snapshot, each chunk the store acknowledges and each chunk a restore reads, so a
//! lecturer can walk through a checkpoint or a restore moment by moment. The engine's
//! `step_until` stops exactly at the boundary where such an event happened.

use crate::engine::report::events::Event;

/// A kind of moment to step to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// The next main event (a trigger, a completion, a failure, a restore …).
    #[default]
    Event,
    /// The next barrier that reaches a subtask.
    Barrier,
    /// The next subtask that takes its synchronous snapshot.
    Snapshot,
    /// The next chunk the store acknowledges.
    ChunkAcknowledged,
    /// The next chunk a restore downloads, decodes and verifies (or the restore's end,
    /// after its last chunk).
    RestoreChunk,
    /// The end of the next checkpoint (completed or failed).
    Checkpoint,
}

impl StepKind {
    /// Every kind, in the order the step menu lists them (and keys 1–6 pick them).
    pub const ALL: [StepKind; 6] = [
        StepKind::Event,
        StepKind::Barrier,
        StepKind::Snapshot,
        StepKind::ChunkAcknowledged,
        StepKind::RestoreChunk,
        StepKind::Checkpoint,
    ];

    /// Whether stepping to this kind stops at `event`.
    pub fn stops_at(self, event: &Event) -> bool {
        match self {
            StepKind::Event => !event.is_detail(),
            StepKind::Barrier => matches!(event, Event::BarrierReached { .. }),
            StepKind::Snapshot => matches!(event, Event::SnapshotTaken { .. }),
            StepKind::ChunkAcknowledged => matches!(event, Event::ChunkAcknowledged { .. }),
            StepKind::RestoreChunk => matches!(
                event,
                Event::ChunkRestored { .. } | Event::RestoreDone { .. }
            ),
            StepKind::Checkpoint => matches!(
                event,
                Event::CheckpointCompleted { .. } | Event::CheckpointFailed { .. }
            ),
        }
    }

    /// Its value in the step menu and in the shell's attributes.
    pub fn id(self) -> &'static str {
        match self {
            StepKind::Event => "event",
            StepKind::Barrier => "barrier",
            StepKind::Snapshot => "snapshot",
            StepKind::ChunkAcknowledged => "chunk",
            StepKind::RestoreChunk => "restore-chunk",
            StepKind::Checkpoint => "checkpoint",
        }
    }

    pub fn from_id(id: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// What the step menu calls it: "step to the next …".
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Event => "event",
            StepKind::Barrier => "barrier arrival",
            StepKind::Snapshot => "snapshot",
            StepKind::ChunkAcknowledged => "chunk acknowledged",
            StepKind::RestoreChunk => "restore chunk",
            StepKind::Checkpoint => "checkpoint end",
        }
    }

    /// The key (1–6) that steps to it.
    pub fn key(self) -> char {
        let i = StepKind::ALL.iter().position(|k| *k == self).unwrap_or(0);
        char::from(b'1' + i as u8)
    }

    /// How far a step of this kind may go before it gives up, in virtual µs: the finer
    /// kinds happen only inside a checkpoint or a restore, which may be a whole interval
    /// away.
    pub fn limit_us(self) -> u64 {
        match self {
            StepKind::Event => 5_000_000,
            _ => 120_000_000,
        }
    }

    /// Said when a step of this kind found nothing within its limit.
    pub fn nothing_found(self) -> String {
        let what = match self {
            StepKind::Event => "nothing happened",
            StepKind::Barrier => "no barrier reached a subtask",
            StepKind::Snapshot => "no subtask took a snapshot",
            StepKind::ChunkAcknowledged => "the store acknowledged no chunk",
            StepKind::RestoreChunk => "no restore read a chunk (crash the job to start one)",
            StepKind::Checkpoint => "no checkpoint finished",
        };
        format!(
            "{what} within {} of virtual time; stepped that far",
            crate::engine::report::format::duration_us(self.limit_us())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::stats::CheckpointFailure;

    fn samples() -> Vec<Event> {
        vec![
            Event::CheckpointTriggered {
                checkpoint: 1,
                offset: 0,
            },
            Event::BarrierReached {
                checkpoint: 1,
                subtask: 0,
                start_delay_us: 0,
            },
            Event::SnapshotTaken {
                checkpoint: 1,
                subtask: 0,
                shipped: 3,
                referenced: 1,
                sync_us: 40,
            },
            Event::ChunkAcknowledged {
                checkpoint: 1,
                subtask: 0,
                key_group: 2,
                chunk: 7,
                encoded_bytes: 100,
            },
            Event::ChunkRestored {
                key_group: 2,
                chunk: 7,
                encoded_bytes: 100,
            },
            Event::RestoreDone { offset: 0 },
            Event::CheckpointFailed {
                checkpoint: 1,
                failure: CheckpointFailure::JobFailed,
                discarded_chunks: 0,
            },
        ]
    }

    #[test]
    fn each_kind_stops_at_its_own_events() {
        let events = samples();
        let stops = |kind: StepKind| -> Vec<usize> {
            events
                .iter()
                .enumerate()
                .filter(|(_, e)| kind.stops_at(e))
                .map(|(i, _)| i)
                .collect()
        };
        assert_eq!(stops(StepKind::Event), vec![0, 5, 6], "main events only");
        assert_eq!(stops(StepKind::Barrier), vec![1]);
        assert_eq!(stops(StepKind::Snapshot), vec![2]);
        assert_eq!(stops(StepKind::ChunkAcknowledged), vec![3]);
        assert_eq!(
            stops(StepKind::RestoreChunk),
            vec![4, 5],
            "each chunk, then the end"
        );
        assert_eq!(stops(StepKind::Checkpoint), vec![6]);
    }

    #[test]
    fn kinds_round_trip_through_their_ids_and_keys_are_one_to_six() {
        for (i, kind) in StepKind::ALL.iter().enumerate() {
            assert_eq!(StepKind::from_id(kind.id()), Some(*kind));
            assert_eq!(kind.key(), char::from(b'1' + i as u8));
            assert!(!kind.label().is_empty());
            assert!(kind.nothing_found().contains("virtual time"));
        }
        assert_eq!(StepKind::from_id("nope"), None);
        assert_eq!(StepKind::default(), StepKind::Event);
    }
}
