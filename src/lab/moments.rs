//! The moment the run is in: a checkpoint's barriers and snapshots, its uploads, a
//! failed job waiting for its restart, a restore reading chunks, a replay catching up —
//! or none of these. Read from the engine's state each frame, cheaply (no full view).
//!
//! A moment says how far it has come (for the stage's caption) and how long it should
//! last in virtual time, estimated from what the engine knows (the previous checkpoint,
//! when the chunks on the link will arrive, the restart delay, the replay's distance and
//! speed). Slow motion (`super::slowmo`) uses that estimate to give each moment a
//! watchable wall time.
//!
//! Chunks cross the link pipelined: they leave one after another in microseconds and all
//! spend the link's latency on the way, so they land close together. Their travel and
//! their landing are two moments ([`MomentKey::Uploads`] then [`MomentKey::Landing`], the
//! same for a restore's downloads), each with its own wall time, so the landing one by
//! one can be watched too.

use std::fmt;

use crate::engine::report::events::Event;
use crate::engine::report::format;
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus, Direction, JobStatus};
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::CheckpointId;

/// What is happening, with its progress.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// A checkpoint's barriers travel to the subtasks, which take their synchronous
    /// snapshots as their barrier arrives.
    Barriers {
        checkpoint: CheckpointId,
        reached: u32,
        snapshots: u32,
        subtasks: u32,
    },
    /// The checkpoint's chunks queue for the link and travel to the store.
    Uploads {
        checkpoint: CheckpointId,
        acknowledged: u32,
        chunks: u32,
    },
    /// The job failed; it restarts at `restart_at_us` (the restart strategy's delay).
    Restarting { restart_at_us: u64 },
    /// The restore downloads, decodes and verifies a checkpoint's chunks.
    Restoring {
        checkpoint: Option<CheckpointId>,
        done: u32,
        total: u32,
    },
    /// The source rewound to the checkpoint's offset and replays up to the failure point.
    Replaying { replayed: u64, total: u64 },
}

/// Which moment: two readings with the same key are the same moment, further along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MomentKey {
    Barriers(CheckpointId),
    /// Chunks on their way, none landed yet.
    Uploads(CheckpointId),
    /// Chunks landing in the store one by one.
    Landing(CheckpointId),
    /// Recoveries are numbered by their failure time.
    Restarting(u64),
    /// Downloads on their way back, none read yet.
    Restoring(u64),
    /// Downloaded chunks decoded and verified one by one.
    RestoreLanding(u64),
    Replaying(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    pub phase: Phase,
    /// Virtual time the moment began.
    pub since_us: u64,
    /// How long the whole moment should last in virtual time, as estimated now.
    pub estimate_us: u64,
    pub key: MomentKey,
}

impl Moment {
    /// The moment the run is in now, if any. A recovery comes first: a failure aborts
    /// the running checkpoints, and a checkpoint taken during the replay is its own moment.
    pub fn read(sim: &Simulation) -> Option<Moment> {
        let now = sim.now_us();
        let recovery = sim.recoveries().last();
        match (sim.status(), recovery) {
            (JobStatus::Restarting { restart_at_us }, Some(r)) => {
                return Some(Moment {
                    phase: Phase::Restarting {
                        restart_at_us: *restart_at_us,
                    },
                    since_us: r.failed_at_us,
                    estimate_us: restart_at_us.saturating_sub(r.failed_at_us).max(1),
                    key: MomentKey::Restarting(r.failed_at_us),
                });
            }
            (
                JobStatus::Restoring {
                    checkpoint,
                    chunks_total,
                    chunks_done,
                },
                Some(r),
            ) => {
                let link = &sim.config().link;
                let latency = (link.latency_ms.max(0.0) * 1000.0) as u64;
                let started = r.restore_started_at_us.unwrap_or(now);
                // The first chunk read begins the landing, as for a checkpoint's uploads.
                let first_read = sim
                    .log()
                    .detail()
                    .rev()
                    .take_while(|e| e.at_us >= started)
                    .filter(|e| matches!(e.event, Event::ChunkRestored { .. }))
                    .last()
                    .map(|e| e.at_us);
                let (key, since, estimate) = match first_read {
                    None => (MomentKey::Restoring(r.failed_at_us), started, latency),
                    Some(at) => (
                        MomentKey::RestoreLanding(r.failed_at_us),
                        at,
                        link_drain_us(sim, Direction::Download),
                    ),
                };
                return Some(Moment {
                    phase: Phase::Restoring {
                        checkpoint: *checkpoint,
                        done: *chunks_done,
                        total: *chunks_total,
                    },
                    since_us: since,
                    estimate_us: estimate.max(sim.config().tick_us),
                    key,
                });
            }
            _ => {}
        }
        if let Some(moment) = checkpoint_moment(sim) {
            return Some(moment);
        }
        let r = recovery?;
        let restored_at = r.restored_at_us?;
        if r.caught_up_at_us.is_some() {
            return None;
        }
        let total = r.offset_at_failure.saturating_sub(r.restore_offset);
        let replayed = sim
            .source_offset()
            .min(r.offset_at_failure)
            .saturating_sub(r.restore_offset);
        let job = &sim.config().job;
        let capacity = f64::from(r.parallelism) * job.records_per_s_per_subtask;
        let incoming = sim.workload().config().rate.rate_at(now);
        // Replay catches up at what the subtasks can process beyond what keeps arriving.
        let gain = (capacity - incoming).max(0.2 * capacity).max(1.0);
        Some(Moment {
            phase: Phase::Replaying { replayed, total },
            since_us: restored_at,
            estimate_us: ((total as f64 / gain) * 1e6) as u64 + sim.config().tick_us,
            key: MomentKey::Replaying(r.failed_at_us),
        })
    }

    /// Words for the slow-motion badge: "slow motion around checkpoint 3".
    pub fn around(&self) -> String {
        match &self.phase {
            Phase::Barriers { checkpoint, .. } | Phase::Uploads { checkpoint, .. } => {
                format!("checkpoint {checkpoint}")
            }
            Phase::Restarting { .. } => "the failure".into(),
            Phase::Restoring { .. } => "the restore".into(),
            Phase::Replaying { .. } => "the replay".into(),
        }
    }
}

/// The running checkpoint's moment: barriers and snapshots first, then uploads.
fn checkpoint_moment(sim: &Simulation) -> Option<Moment> {
    let running = sim
        .history()
        .iter()
        .rev()
        .take_while(|h| h.status == CheckpointStatus::InProgress)
        .last()?;
    let previous = sim
        .history()
        .iter()
        .rev()
        .find(|h| h.status == CheckpointStatus::Completed);
    let subtasks = running.subtasks.len() as u32;
    let reached = running
        .subtasks
        .iter()
        .filter(|s| s.start_delay_us.is_some())
        .count() as u32;
    let snapshots = running
        .subtasks
        .iter()
        .filter(|s| s.sync_us.is_some())
        .count() as u32;
    let tick = sim.config().tick_us;
    if snapshots < subtasks {
        return Some(Moment {
            phase: Phase::Barriers {
                checkpoint: running.id,
                reached,
                snapshots,
                subtasks,
            },
            since_us: running.trigger_time_us,
            estimate_us: previous.map_or(tick, barrier_phase_us).max(tick),
            key: MomentKey::Barriers(running.id),
        });
    }
    let chunks: u32 = running.subtasks.iter().map(|s| s.key_groups_shipped).sum();
    let (acknowledged, first_ack) = sim
        .log()
        .detail()
        .rev()
        .take_while(|e| e.at_us >= running.trigger_time_us)
        .filter(|e| matches!(e.event, Event::ChunkAcknowledged { checkpoint, .. } if checkpoint == running.id))
        .fold((0u32, None), |(n, _), e| (n + 1, Some(e.at_us)));
    let snapshots_done = running.trigger_time_us + barrier_phase_us(running);
    let link = &sim.config().link;
    let latency = (link.latency_ms.max(0.0) * 1000.0) as u64;
    let drain = link_drain_us(sim, Direction::Upload);
    // Until the first chunk lands, the link's latency is what the chunks spend on the
    // way; then what is still on the link, to the last arrival.
    let (key, since, estimate) = match first_ack {
        None => (
            MomentKey::Uploads(running.id),
            snapshots_done,
            latency.max(drain.min(2 * latency)),
        ),
        Some(at) => (MomentKey::Landing(running.id), at, drain),
    };
    Some(Moment {
        phase: Phase::Uploads {
            checkpoint: running.id,
            acknowledged,
            chunks,
        },
        since_us: since,
        estimate_us: estimate.max(tick),
        key,
    })
}

/// Virtual time until everything on the link in direction `d` has arrived: the last
/// arrival of what is propagating, after what is still being sent.
fn link_drain_us(sim: &Simulation, d: Direction) -> u64 {
    let now = sim.now_us();
    let link = sim.link();
    let bytes_per_us = link.bandwidth_mbit_s().max(1e-3) / 8.0;
    let latency = (link.latency_ms().max(0.0) * 1000.0) as u64;
    let mut last = 0u64;
    let mut unsent = 0.0;
    for f in link.in_flight(d) {
        match f.arrives_at_us {
            Some(at) => last = last.max(at.saturating_sub(now)),
            None => unsent += (1.0 - f.sent_fraction) * f.size as f64,
        }
    }
    if unsent > 0.0 {
        last = last.max((unsent / bytes_per_us) as u64 + latency);
    }
    last
}

/// Trigger to the last subtask's snapshot: barrier travel plus synchronous phase.
fn barrier_phase_us(h: &CheckpointStats) -> u64 {
    h.subtasks
        .iter()
        .map(|s| s.start_delay_us.unwrap_or(0) + s.sync_us.unwrap_or(0))
        .max()
        .unwrap_or(0)
}

impl fmt::Display for Moment {
    /// The stage's caption: what is happening and how far it has come.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.phase {
            Phase::Barriers {
                checkpoint,
                reached: 0,
                subtasks,
                ..
            } => write!(
                f,
                "checkpoint {checkpoint}: barriers travel with the records to the {subtasks} \
                 subtasks; each takes its snapshot as its barrier arrives"
            ),
            Phase::Barriers {
                checkpoint,
                reached,
                snapshots,
                subtasks,
            } => write!(
                f,
                "checkpoint {checkpoint}: {reached} of {subtasks} barriers arrived, \
                 {snapshots} snapshots taken"
            ),
            Phase::Uploads {
                checkpoint,
                acknowledged: 0,
                chunks,
            } => write!(
                f,
                "checkpoint {checkpoint}: {chunks} chunks on the link to the store; none \
                 acknowledged yet"
            ),
            Phase::Uploads {
                checkpoint,
                acknowledged,
                chunks,
            } => write!(
                f,
                "checkpoint {checkpoint}: chunks land in the store; {acknowledged} of \
                 {chunks} acknowledged"
            ),
            Phase::Restarting { restart_at_us } => write!(
                f,
                "the job failed: its state is gone; it restarts at {} (restart delay)",
                format::at(*restart_at_us)
            ),
            Phase::Restoring {
                checkpoint: Some(id),
                done: 0,
                total,
            } => write!(
                f,
                "restoring checkpoint {id}: its {total} chunks come back over the link"
            ),
            Phase::Restoring {
                checkpoint: Some(id),
                done,
                total,
            } => write!(
                f,
                "restoring checkpoint {id}: {done} of {total} chunks downloaded and verified"
            ),
            Phase::Restoring {
                checkpoint: None, ..
            } => write!(
                f,
                "no completed checkpoint: the job starts from empty state"
            ),
            Phase::Replaying { replayed, total } if replayed < total => write!(
                f,
                "replaying from the checkpoint's offset: {} of {} records up to the failure point",
                format::count(*replayed),
                format::count(*total)
            ),
            Phase::Replaying { total, .. } => write!(
                f,
                "replay: the {} records up to the failure point are back in the channels; \
                 once the subtasks catch up, the state is compared with a run that never failed",
                format::count(*total)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;

    /// Steps a run to the first event `stop` matches, and reads the moment there.
    fn moment_at(sim: &mut Simulation, stop: impl Fn(&Event) -> bool) -> Option<Moment> {
        assert!(sim.step_until(60_000_000, stop), "the event happened");
        Moment::read(sim)
    }

    #[test]
    fn a_checkpoint_reads_as_barriers_then_uploads_then_nothing() {
        let mut sim = Simulation::new(Config::default(), None).unwrap();
        assert_eq!(Moment::read(&sim), None, "nothing at the start");
        let m = moment_at(&mut sim, |e| matches!(e, Event::CheckpointTriggered { .. })).unwrap();
        assert!(
            matches!(
                m.phase,
                Phase::Barriers {
                    checkpoint: 1,
                    snapshots: 0,
                    subtasks: 4,
                    ..
                }
            ),
            "{m:?}"
        );
        assert_eq!(m.key, MomentKey::Barriers(1));
        assert_eq!(m.since_us, sim.now_us());
        assert_eq!(m.around(), "checkpoint 1");
        let m = moment_at(&mut sim, |e| matches!(e, Event::ChunkAcknowledged { .. })).unwrap();
        let Phase::Uploads {
            checkpoint,
            acknowledged,
            chunks,
        } = m.phase
        else {
            panic!("{m:?}")
        };
        assert_eq!((checkpoint, acknowledged), (1, 1));
        assert!(chunks >= 1);
        assert!(m.estimate_us > 0);
        assert!(m.to_string().contains("1 of"), "{m}");
        moment_at(&mut sim, |e| matches!(e, Event::CheckpointCompleted { .. }));
        assert_eq!(Moment::read(&sim), None, "between checkpoints");

        // The second checkpoint's uploads are estimated from the first one's duration.
        let first = sim.history()[0].end_to_end_duration_us.unwrap();
        let m = moment_at(&mut sim, |e| matches!(e, Event::ChunkAcknowledged { .. })).unwrap();
        assert!(m.estimate_us <= first, "{} vs {first}", m.estimate_us);
    }

    #[test]
    fn a_crash_reads_as_restart_restore_and_replay_with_a_bounded_counter() {
        let mut sim = Simulation::new(Config::default(), None).unwrap();
        sim.advance_to(4_500_000);
        sim.crash_job();
        let m = Moment::read(&sim).unwrap();
        let Phase::Restarting { restart_at_us } = m.phase else {
            panic!("{m:?}")
        };
        assert_eq!(m.estimate_us, restart_at_us - m.since_us);
        assert_eq!(m.around(), "the failure");
        let m = moment_at(&mut sim, |e| matches!(e, Event::ChunkRestored { .. })).unwrap();
        assert!(
            matches!(
                m.phase,
                Phase::Restoring {
                    checkpoint: Some(_),
                    done: 1,
                    ..
                }
            ),
            "{m:?}"
        );
        let m = moment_at(&mut sim, |e| matches!(e, Event::RestoreDone { .. })).unwrap();
        assert!(matches!(m.phase, Phase::Replaying { .. }), "{m:?}");
        // Replay runs past the failure point before it has caught up; the counter stops
        // at its total.
        let mut seen = 0;
        for _ in 0..10_000 {
            if sim.recoveries()[0].caught_up_at_us.is_some() {
                break;
            }
            if let Some(Moment {
                phase: Phase::Replaying { replayed, total },
                ..
            }) = Moment::read(&sim)
            {
                assert!(replayed <= total, "{replayed} of {total}");
                seen += 1;
            }
            sim.advance_by(2_000);
        }
        assert!(seen >= 1);
        assert!(sim.recoveries()[0].caught_up_at_us.is_some());
    }
}
