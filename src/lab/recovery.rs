//! The recovery readout, as text: which phase a recovery is in (restart, restore,
//! replay, the exactly-once check), what it restores from, how far the replay has come
//! and what it cost. The dock's recovery card and the stage's caption draw it; the words
//! are here so they are tested and say the same everywhere.
//!
//! Two things the readout must never say: that there is no checkpoint while the restore
//! has not started yet (the engine only names the checkpoint when it begins reading it;
//! until then the latest completed one is what it will read), and a replay position past
//! the failure point (replay runs on past it until the channels are empty, but what it
//! replays is the records up to that point: the counter stops at its total).

use crate::engine::report::format;
use crate::engine::report::stats::{ExactlyOnceReport, RecoveryStats};
use crate::engine::report::view::SimView;
use crate::engine::transfer::store::CheckpointId;

/// Where a recovery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Failed; waiting for the restart delay.
    Restarting,
    /// Reading the checkpoint's chunks.
    Restoring { done: u32, total: u32 },
    /// State restored; the source replays from the checkpoint's offset.
    Replaying,
    /// Replayed up to the failure point; the channels drain before the check.
    Draining,
    /// Caught up; the exactly-once check ran.
    Done,
}

/// How far the replay has come: records replayed (at most `total`) of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replay {
    pub done: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    pub stage: Stage,
    /// The checkpoint restored (or to be restored); `None`: none completed, empty state.
    pub checkpoint: Option<(CheckpointId, u64)>,
    pub replay: Replay,
    /// The badge while the verdict is not in yet.
    pub pending: String,
    /// The readout's rows: name and value.
    pub facts: Vec<(&'static str, String)>,
    pub verdict: Option<ExactlyOnceReport>,
}

/// The readout of recovery `r` with the run as `view` shows it now.
pub fn readout(r: &RecoveryStats, view: &SimView) -> Readout {
    let started = r.restore_started_at_us.is_some();
    // Before its restore starts, a recovery reads the latest completed checkpoint.
    let checkpoint = if started {
        r.checkpoint.map(|id| (id, r.restore_offset))
    } else {
        view.store.checkpoints.last().map(|c| (c.id, c.offset))
    };
    let stage = if r.caught_up_at_us.is_some() {
        Stage::Done
    } else if r.restored_at_us.is_some() {
        if view.source.offset >= r.offset_at_failure {
            Stage::Draining
        } else {
            Stage::Replaying
        }
    } else if started {
        let (done, total) = match &view.status {
            crate::engine::report::stats::JobStatus::Restoring {
                chunks_done,
                chunks_total,
                ..
            } => (*chunks_done, *chunks_total),
            _ => (0, 0),
        };
        Stage::Restoring { done, total }
    } else {
        Stage::Restarting
    };
    let from_offset = checkpoint.map_or(0, |(_, o)| o);
    let total = r.offset_at_failure.saturating_sub(from_offset);
    let done = match stage {
        Stage::Restarting | Stage::Restoring { .. } => 0,
        Stage::Replaying => view
            .source
            .offset
            .min(r.offset_at_failure)
            .saturating_sub(from_offset),
        Stage::Draining | Stage::Done => total,
    };
    let replay = Replay { done, total };
    let replay_text = format!(
        "{} of {} records (offsets {} to {})",
        format::count(done),
        format::count(total),
        format::count(from_offset),
        format::count(r.offset_at_failure)
    );
    let pending = match stage {
        Stage::Restarting => format!(
            "waiting for the restart; then {}",
            match checkpoint {
                Some((id, _)) => format!("checkpoint {id} is restored and replay checked"),
                None => "the job starts from empty state and replays everything".into(),
            }
        ),
        Stage::Restoring { done, total } => {
            format!("restoring: {done} of {total} chunks read; replay follows")
        }
        Stage::Replaying => format!("replaying {replay_text}"),
        Stage::Draining => "replayed up to the failure point; the channels drain, then the \
                            state is compared"
            .into(),
        Stage::Done => "checked".into(),
    };
    let restore = match (checkpoint, started) {
        (Some((id, offset)), true) => {
            format!("checkpoint {id} (source offset {})", format::count(offset))
        }
        (Some((id, offset)), false) => format!(
            "checkpoint {id} (source offset {}), the latest completed, once the job restarts",
            format::count(offset)
        ),
        (None, true) => "no completed checkpoint: empty state, source offset 0".into(),
        (None, false) => {
            "no completed checkpoint yet: the job will start from empty state at offset 0".into()
        }
    };
    let mut facts = vec![
        (
            "Failure",
            format!("{} at {}", r.cause, format::at(r.failed_at_us)),
        ),
        ("Restore from", restore),
    ];
    if !r.fallbacks.is_empty() {
        facts.push((
            "Fell back",
            r.fallbacks
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    facts.push((
        "Downloaded",
        match stage {
            Stage::Restarting => "nothing yet".into(),
            Stage::Restoring { done, total } => format!(
                "{} ({done} of {total} chunks)",
                format::bytes(r.downloaded_bytes)
            ),
            _ => format::bytes(r.downloaded_bytes),
        },
    ));
    facts.push((
        "Replay",
        match stage {
            Stage::Restarting | Stage::Restoring { .. } => {
                format!(
                    "{} records to replay, after the restore",
                    format::count(total)
                )
            }
            _ => replay_text,
        },
    ));
    facts.push((
        "Recovery time",
        r.recovery_time_us()
            .map_or_else(|| "still recovering".into(), format::duration_us),
    ));
    Readout {
        stage,
        checkpoint,
        replay,
        pending,
        facts,
        verdict: r.exactly_once.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;
    use crate::engine::report::events::Event;
    use crate::engine::sim::Simulation;

    fn current(sim: &Simulation) -> Readout {
        let view = sim.view();
        readout(view.latest_recovery.as_ref().unwrap(), &view)
    }

    #[test]
    fn a_crash_names_the_checkpoint_it_will_restore_and_the_replay_never_passes_its_total() {
        let mut sim = Simulation::new(Config::default(), None).unwrap();
        sim.advance_to(4_500_000);
        let latest = sim.store().latest().map(|c| (c.id, c.offset)).unwrap();
        sim.crash_job();

        let r = current(&sim);
        assert_eq!(r.stage, Stage::Restarting);
        assert_eq!(r.checkpoint, Some(latest), "not 'no completed checkpoint'");
        let restore = &r.facts[1].1;
        assert!(
            restore.starts_with(&format!("checkpoint {}", latest.0)),
            "{restore}"
        );
        assert!(!restore.contains("no completed"), "{restore}");
        assert_eq!(r.replay.done, 0, "nothing replayed before the restore");
        assert!(
            r.pending.contains("waiting for the restart"),
            "{}",
            r.pending
        );

        assert!(sim.step_until(10_000_000, |e| matches!(e, Event::ChunkRestored { .. })));
        let r = current(&sim);
        assert!(matches!(r.stage, Stage::Restoring { done: 1, .. }), "{r:?}");
        assert_eq!(r.checkpoint, Some(latest));

        let mut stages = Vec::new();
        for _ in 0..20_000 {
            let r = current(&sim);
            assert!(
                r.replay.done <= r.replay.total,
                "{} of {}",
                r.replay.done,
                r.replay.total
            );
            if stages.last() != Some(&r.stage) {
                stages.push(r.stage);
            }
            if r.stage == Stage::Done {
                assert!(r.verdict.as_ref().unwrap().ok());
                assert_eq!(r.replay.done, r.replay.total);
                break;
            }
            sim.advance_by(1_000);
        }
        // Restore, then replay (at the default rate it may pass within one step of 1 ms:
        // the backlog fills the channels at once), then the check.
        assert!(matches!(stages[0], Stage::Restoring { .. }), "{stages:?}");
        assert_eq!(stages.last(), Some(&Stage::Done), "{stages:?}");
    }

    #[test]
    fn with_no_checkpoint_it_says_empty_state_before_and_after_the_restart() {
        let mut config = Config::default();
        config.checkpointing.interval_ms = None;
        let mut sim = Simulation::new(config, None).unwrap();
        sim.advance_to(1_000_000);
        sim.crash_job();
        let r = current(&sim);
        assert_eq!(r.checkpoint, None);
        assert!(r.facts[1].1.contains("no completed checkpoint yet"));
        sim.advance_by(2_000_000);
        let r = current(&sim);
        assert!(
            r.facts[1].1.contains("empty state, source offset 0"),
            "{r:?}"
        );
    }
}
