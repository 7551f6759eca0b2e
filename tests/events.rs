//! The event log is typed data that names what each event concerns, so a lesson or a
//! timeline can anchor on "the barrier of checkpoint 2 reached subtask 1".

mod common;

use statelab::engine::faults::{Fault, FaultError, ScheduledFault};
use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::report::events::{Event, EventCategory};
use statelab::engine::report::stats::{CheckpointFailure, FailureCause};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;

fn events(sim: &Simulation) -> Vec<Event> {
    sim.log()
        .since_seq(0)
        .into_iter()
        .map(|e| e.event.clone())
        .collect()
}

#[test]
fn a_checkpoint_logs_every_barrier_snapshot_and_acknowledged_chunk() {
    let c = common::small_config(1, Codec::Lz4, false, ValueModel::Counter, 3, 1_000_000);
    let mut sim = Simulation::new(c, None).unwrap();
    assert!(sim.step_until(2_000_000, |e| matches!(
        e,
        Event::CheckpointCompleted { checkpoint: 1, .. }
    )));
    let log = events(&sim);
    let of_one = |f: &dyn Fn(&Event) -> bool| {
        log.iter()
            .filter(|e| e.checkpoint() == Some(1) && f(e))
            .count()
    };
    assert_eq!(
        of_one(&|e| matches!(e, Event::CheckpointTriggered { .. })),
        1
    );
    assert_eq!(of_one(&|e| matches!(e, Event::BarrierReached { .. })), 3);
    assert_eq!(of_one(&|e| matches!(e, Event::SnapshotTaken { .. })), 3);
    assert_eq!(
        of_one(&|e| matches!(e, Event::SubtaskAcknowledged { .. })),
        3
    );
    // A full checkpoint ships every one of the 32 key groups, one acknowledged chunk each.
    let acked: Vec<u32> = log
        .iter()
        .filter(|e| matches!(e, Event::ChunkAcknowledged { checkpoint: 1, .. }))
        .filter_map(Event::key_group)
        .collect();
    let mut sorted = acked.clone();
    sorted.sort();
    assert_eq!(sorted, (0..32).collect::<Vec<_>>());
    // Stepping stopped right at the completion: it is the last event logged.
    assert!(matches!(
        log.last(),
        Some(Event::CheckpointCompleted { checkpoint: 1, .. })
    ));
    // Order inside the checkpoint: trigger, then each subtask's barrier before its snapshot
    // and its snapshot before its acknowledgement.
    for s in 0..3 {
        let pos = |f: &dyn Fn(&Event) -> bool| {
            log.iter()
                .position(|e| e.checkpoint() == Some(1) && e.subtask() == Some(s) && f(e))
                .unwrap()
        };
        let barrier = pos(&|e| matches!(e, Event::BarrierReached { .. }));
        let snapshot = pos(&|e| matches!(e, Event::SnapshotTaken { .. }));
        let ack = pos(&|e| matches!(e, Event::SubtaskAcknowledged { .. }));
        assert!(barrier < snapshot && snapshot < ack, "subtask {s}");
    }
    // Detail events stay out of the main log.
    assert!(sim.log().iter().all(|e| !e.event.is_detail()));
    assert!(sim.log().detail().all(|e| e.event.is_detail()));
}

#[test]
fn a_restore_logs_each_chunk_and_the_check() {
    let c = common::small_config(2, Codec::Snappy, false, ValueModel::Counter, 2, 1_000_000);
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(1_000_000);
    let restored_from = sim.store().latest().unwrap().clone();
    sim.crash_subtask(1).unwrap();
    assert!(sim.step_until(10_000_000, |e| matches!(e, Event::CaughtUp { .. })));
    let log = events(&sim);
    assert!(log.iter().any(|e| matches!(
        e,
        Event::JobFailed {
            cause: FailureCause::SubtaskFailed { subtask: 1 },
            ..
        }
    )));
    let restored = log
        .iter()
        .filter(|e| matches!(e, Event::ChunkRestored { .. }))
        .count();
    assert_eq!(restored, restored_from.manifest.len());
    // Stepping stopped at the moment the job caught up (a chunk of a new checkpoint may be
    // acknowledged at that same moment, after it).
    let caught_up = log
        .iter()
        .rev()
        .find(|e| matches!(e, Event::CaughtUp { .. }))
        .unwrap();
    let Event::CaughtUp {
        report: Some(report),
        ..
    } = caught_up
    else {
        panic!("{caught_up:?}")
    };
    assert!(report.ok());
    assert_eq!(caught_up.category(), EventCategory::Check);
}

#[test]
fn a_fault_that_cannot_apply_when_its_time_comes_is_reported() {
    let mut c = common::small_config(3, Codec::Lz4, false, ValueModel::Counter, 2, 1_000_000);
    // Checkpointing is on, so validation admits it; but no checkpoint has completed yet.
    c.faults = vec![ScheduledFault {
        at_ms: 50,
        fault: Fault::CorruptChunk { key_group: 4 },
    }];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(100_000);
    let refused = sim.refused_faults();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].at_us, 50_000);
    assert_eq!(
        refused[0].error,
        FaultError::NoChunkForKeyGroup { key_group: 4 }
    );
    assert!(events(&sim).iter().any(|e| matches!(
        e,
        Event::FaultNotApplied {
            error: FaultError::NoChunkForKeyGroup { key_group: 4 },
            ..
        }
    )));
}

#[test]
fn an_expired_checkpoint_says_so_in_data_and_in_words() {
    let mut c = common::small_config(4, Codec::Lz4, false, ValueModel::Counter, 2, 1_000_000);
    c.checkpointing.timeout_ms = 100;
    c.checkpointing.tolerable_failed = 5;
    c.faults = vec![ScheduledFault {
        at_ms: 250,
        fault: Fault::LinkOutage { duration_ms: 1_000 },
    }];
    let mut sim = Simulation::new(c, None).unwrap();
    assert!(sim.step_until(3_000_000, |e| matches!(
        e,
        Event::CheckpointFailed {
            failure: CheckpointFailure::Expired { .. },
            ..
        }
    )));
    let failed = sim.log().iter().last().unwrap();
    assert_eq!(
        failed.event,
        Event::CheckpointFailed {
            checkpoint: failed.event.checkpoint().unwrap(),
            failure: CheckpointFailure::Expired { timeout_ms: 100 },
            discarded_chunks: match failed.event {
                Event::CheckpointFailed {
                    discarded_chunks, ..
                } => discarded_chunks,
                _ => unreachable!(),
            },
        }
    );
    assert!(failed.to_string().contains(
        "checkpoint expired before completing (execution.checkpointing.timeout = 100 ms)"
    ));
}
